import { html } from 'htm/preact';
import { render } from 'preact';
import { FunnelView } from './funnel-view.js';
import './style.css';

function App() {
  return html`<header><h1>funnelscope</h1><span class="muted">funnel</span></header>
    <main><${FunnelView} /></main>`;
}

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
