import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { auth, type SessionState, signedOut } from './api-client.js';
import { AttributionView } from './views/attribution-view.js';
import { ExperimentsView } from './views/experiments-view.js';
import { ForecastView } from './views/forecast-view.js';
import { FrictionView } from './views/friction-view.js';
import { FunnelView } from './views/funnel-view.js';
import { GoalsView } from './views/goals-view.js';
import { LeadsView } from './views/leads-view.js';
import { LiveView } from './views/live-view.js';
import { MoneyView } from './views/money-view.js';
import { SettingsView } from './views/settings-view.js';
import { SignInView } from './views/sign-in-view.js';
import './style.css';
import { downloadTables } from './tables-csv.js';

/** The view and its inputs come from the URL: `?view=funnel|friction&project=…&definition=…`. */
function App({ session }: { session: SessionState }) {
  const params = new URLSearchParams(location.search);
  const requested = params.get('view');
  const view =
    (
      ['friction', 'money', 'goals', 'attribution', 'experiments', 'forecast', 'leads', 'live', 'settings'] as const
    ).find((v) => v === requested) ?? 'funnel';
  const project = params.get('project') ?? 'default';
  const text = params.get('definition');
  let definition: unknown = null;
  try {
    definition = text ? JSON.parse(text) : null;
  } catch {
    definition = null;
  }
  // The funnel view rewrites the URL as the funnel changes: a link takes the URL as it is when followed.
  const link = (target: string) => {
    const next = new URLSearchParams(location.search);
    next.set('view', target);
    return `?${next}`;
  };
  const follow = (target: string) => (e: Event) => {
    e.preventDefault();
    location.search = link(target);
  };
  return html`<header>
      <h1>funnelscope</h1>
      <nav aria-label="Views">
        <a href=${link('funnel')} onClick=${follow('funnel')} aria-current=${view === 'funnel' ? 'page' : undefined}>Funnel</a>
        <a href=${link('friction')} onClick=${follow('friction')} aria-current=${view === 'friction' ? 'page' : undefined}
          >Friction</a
        >
        <a href=${link('money')} onClick=${follow('money')} aria-current=${view === 'money' ? 'page' : undefined}>Money</a>
        <a href=${link('goals')} onClick=${follow('goals')} aria-current=${view === 'goals' ? 'page' : undefined}>Goals</a>
        <a href=${link('attribution')} onClick=${follow('attribution')} aria-current=${view === 'attribution' ? 'page' : undefined}
          >Attribution</a
        >
        <a href=${link('experiments')} onClick=${follow('experiments')} aria-current=${view === 'experiments' ? 'page' : undefined}
          >Experiments</a
        >
        <a href=${link('forecast')} onClick=${follow('forecast')} aria-current=${view === 'forecast' ? 'page' : undefined}
          >Forecast</a
        >
        <a href=${link('leads')} onClick=${follow('leads')} aria-current=${view === 'leads' ? 'page' : undefined}>Leads</a>
        <a href=${link('live')} onClick=${follow('live')} aria-current=${view === 'live' ? 'page' : undefined}>Live</a>
        <a href=${link('settings')} onClick=${follow('settings')} aria-current=${view === 'settings' ? 'page' : undefined}
          >Settings</a
        >
      </nav>
      <button type="button" class="link export" title="Every table of this page in one CSV file" onClick=${() => downloadTables(view)}>
        Export CSV
      </button>
      ${
        session.user
          ? html`<span class="account">
              <span class="muted" title=${`${session.user.role}${session.user.projects ? ` of ${session.user.projects.join(', ')}` : ''}`}
                >${session.user.email}</span
              >
              <button type="button" class="link" onClick=${() => auth.logout().finally(() => location.reload())}>Sign out</button>
            </span>`
          : null
      }
    </header>
    <main>
      ${
        view === 'friction'
          ? html`<${FrictionView} project=${project} definition=${definition} />`
          : view === 'money'
            ? html`<${MoneyView} project=${project} />`
            : view === 'goals'
              ? html`<${GoalsView} project=${project} />`
              : view === 'attribution'
                ? html`<${AttributionView} project=${project} />`
                : view === 'experiments'
                  ? html`<${ExperimentsView} project=${project} />`
                  : view === 'forecast'
                    ? html`<${ForecastView} project=${project} />`
                    : view === 'leads'
                      ? html`<${LeadsView} project=${project} />`
                      : view === 'live'
                        ? html`<${LiveView} project=${project} />`
                        : view === 'settings'
                          ? html`<${SettingsView} project=${project} />`
                          : html`<${FunnelView} />`
      }
    </main>`;
}

/** Asks who is signed in first: the views when the server is open or a user is signed in, else the sign-in form. */
function Root() {
  const [session, setSession] = useState<SessionState | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    const check = () =>
      auth
        .session()
        .then(setSession)
        .catch((error: Error) => setFailure(error.message));
    void check();
    signedOut.addEventListener('signed-out', check);
    return () => signedOut.removeEventListener('signed-out', check);
  }, []);
  if (failure) return html`<main><p role="alert" class="error">${failure}</p></main>`;
  if (!session) return html`<main><p class="muted">Loading…</p></main>`;
  if (!session.open && !session.user)
    return html`<${SignInView} onSignedIn=${() => auth.session().then(setSession)} />`;
  // A user limited to some projects starts in the first of them, not in `default`.
  const own = session.user?.projects?.[0];
  const params = new URLSearchParams(location.search);
  if (own && !params.has('project')) {
    params.set('project', own);
    history.replaceState(null, '', `?${params}`);
  }
  return html`<${App} session=${session} />`;
}

const root = document.getElementById('app');
if (root) render(html`<${Root} />`, root);
