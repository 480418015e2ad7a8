/**
 * The digest as one self-contained HTML page (docs/digest.md): inline styles, bars drawn with plain boxes, no script
 * and no outside files, so it reads the same in an e-mail client, a browser or as a PDF. Pure.
 */
import type { DigestData } from './run-digest.js';

const html = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
const count = (n: number) => Math.round(n).toLocaleString('en-US');
const percent = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const points = (now: number | null, before: number | null) => {
  if (now === null || before === null) return '–';
  const d = (now - before) * 100;
  return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} pts`;
};
const money = (x: number | null) => (x === null ? '–' : Math.round(x).toLocaleString('en-US'));
const statusColour: Record<string, string> = {
  'on-track': '#1a7f37',
  'at-risk': '#9a6700',
  'off-track': '#cf222e',
  'no data': '#57606a',
};

const cell = 'padding:4px 8px;border-bottom:1px solid #d0d7de;text-align:right';
const first = 'padding:4px 8px;border-bottom:1px solid #d0d7de;text-align:left';

function table(headers: string[], rows: string[][], id: string): string {
  return `<table data-table="${id}" style="border-collapse:collapse;width:100%;font-size:14px;margin:8px 0 16px">
<thead><tr>${headers.map((h, i) => `<th style="${i === 0 ? first : cell}">${html(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((v, i) => `<td style="${i === 0 ? first : cell}">${v}</td>`).join('')}</tr>`).join('\n')}</tbody>
</table>`;
}

export function renderDigest(d: DigestData): string {
  const top = Math.max(1, ...d.steps.map((s) => s.count));
  const funnelRows = d.steps.map((s) => [
    `${html(s.name)}<div style="background:#0969da;height:8px;width:${((100 * s.count) / top).toFixed(1)}%"></div>`,
    count(s.count),
    count(s.previousCount),
    percent(s.rate),
    points(s.rate, s.previousRate),
  ]);
  const goals = d.goals.map((g) => [
    html(g.goal.name),
    html(g.goal.team),
    `<span style="color:${statusColour[g.judgement.status] ?? '#000'};font-weight:600">${html(g.judgement.status)}</span>`,
    html(g.judgement.summary),
  ]);
  const kpiRows = [...d.kpi.rows, { ...d.kpi.total, key: 'total' }].map((r) => [
    html(r.key),
    money(r.spend),
    count(r.leads),
    count(r.customers),
    money(r.revenue),
    money(r.cac.value),
    r.roas.value === null ? '–' : `${r.roas.value.toFixed(2)}×`,
  ]);
  const section = (title: string, body: string) =>
    `<h2 style="font-size:18px;margin:24px 0 4px;border-bottom:2px solid #0969da">${html(title)}</h2>\n${body}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>funnelscope digest ${html(d.from)} – ${html(d.to)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328;max-width:860px;margin:24px auto;padding:0 16px">
<h1 style="font-size:24px;margin:0">Weekly digest: ${html(d.project)}</h1>
<p style="color:#57606a;margin:4px 0 0">The week of ${html(d.from)} to ${html(d.to)} (UTC), against ${html(d.previousFrom)} to ${html(d.previousTo)}.</p>
${section(
  `Funnel${d.funnelName ? `: ${d.funnelName}` : ''}`,
  d.steps.length > 0
    ? table(['step', 'this week', 'week before', 'conversion', 'change'], funnelRows, 'funnel')
    : '<p>No funnel to show.</p>',
)}
${section('Goals', goals.length > 0 ? table(['goal', 'team', 'status', ''], goals, 'goals') : '<p>No goals set.</p>')}
${section(
  'Top friction',
  d.findings.length > 0
    ? `<ul data-findings>${d.findings.map((f) => `<li>${html(f)}</li>`).join('')}</ul>`
    : '<p>No funnel to diagnose.</p>',
)}
${section(
  `KPIs by channel${d.kpi.currency ? ` (${d.kpi.currency})` : ''}`,
  table(['channel', 'spend', 'leads', 'customers', 'revenue', 'CAC', 'ROAS'], kpiRows, 'kpi'),
)}
${d.notes.map((n) => `<p style="color:#57606a">Note: ${html(n)}.</p>`).join('\n')}
<p style="color:#57606a;font-size:12px;margin-top:32px">Made by funnelscope; definitions in docs/digest.md.</p>
</body></html>
`;
}
