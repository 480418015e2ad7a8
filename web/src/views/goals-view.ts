import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type GoalsReport } from '../api-client.js';

const metrics = [
  ['leads', 'leads (deals created)'],
  ['customers', 'customers (deals won)'],
  ['revenue', 'revenue'],
  ['spend', 'spend'],
  ['visitors', 'visitors'],
  ['visitor_to_lead', 'visitor → lead'],
  ['lead_to_customer', 'lead → customer'],
  ['cost_per_lead', 'cost per lead'],
  ['cac', 'CAC'],
  ['roas', 'ROAS'],
  ['roi', 'ROI'],
  ['ltv_to_cac', 'LTV:CAC'],
  ['payback_months', 'CAC payback (months)'],
] as const;

/**
 * Goals (docs/goals.md): every goal with its status, value and pacing over its current period (`GET /api/goals`),
 * grouped by the team that owns it; a form adds one, a button deletes one. `?view=goals`.
 */
export function GoalsView(props: { project: string }) {
  const [report, setReport] = useState<GoalsReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [metric, setMetric] = useState('leads');
  const [target, setTarget] = useState('');
  const [period, setPeriod] = useState('month');
  const [team, setTeam] = useState('shared');
  const [channel, setChannel] = useState('');

  const load = () =>
    api
      .goals(props.project)
      .then(setReport)
      .catch((e: Error) => setError(e.message));
  useEffect(() => {
    load();
  }, []);
  const add = () => {
    setError(null);
    api
      .addGoal(props.project, { name, metric, target, period, team, ...(channel ? { channel } : {}) })
      .then(() => {
        setName('');
        setTarget('');
        return load();
      })
      .catch((e: Error) => setError(e.message));
  };
  const remove = (id: string) =>
    api
      .deleteGoal(props.project, id)
      .then(load)
      .catch((e: Error) => setError(e.message));

  const teams = ['marketing', 'sales', 'shared'] as const;
  return html`<section class="builder" aria-label="Add a goal">
      <div class="row">
        <label for="goal-name">Goal</label>
        <input id="goal-name" placeholder="e.g. Leads this month" value=${name} onChange=${(e: Event) => setName((e.target as HTMLInputElement).value)} />
        <label for="goal-metric">Metric</label>
        <select id="goal-metric" value=${metric} onChange=${(e: Event) => setMetric((e.target as HTMLSelectElement).value)}>
          ${metrics.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select>
        <label for="goal-target">Target</label>
        <input id="goal-target" class="narrow" placeholder="600 or 30%" value=${target} onChange=${(e: Event) => setTarget((e.target as HTMLInputElement).value)} />
        <label for="goal-period">Per</label>
        <select id="goal-period" value=${period} onChange=${(e: Event) => setPeriod((e.target as HTMLSelectElement).value)}>
          <option value="week">week</option><option value="month">month</option><option value="quarter">quarter</option>
        </select>
        <label for="goal-team">Team</label>
        <select id="goal-team" value=${team} onChange=${(e: Event) => setTeam((e.target as HTMLSelectElement).value)}>
          ${teams.map((t) => html`<option value=${t}>${t}</option>`)}
        </select>
        <label for="goal-channel">Channel</label>
        <input id="goal-channel" class="narrow" placeholder="all" value=${channel} onChange=${(e: Event) => setChannel((e.target as HTMLInputElement).value)} />
        <button type="button" class="primary" onClick=${add}>Add goal</button>
      </div>
    </section>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${report ? html`<p class="muted">${`As of ${report.asOf} (the last day of the data). Rules: docs/goals.md.`}</p>` : null}
    ${
      report && report.goals.length === 0
        ? html`<div class="empty">No goals yet: agree on a target above, e.g. leads ≥ 600 a month, CAC ≤ 400, MQL → SQL ≥ 30%.</div>`
        : null
    }
    ${teams.map((t) => {
      const mine = report?.goals.filter((g) => g.goal.team === t) ?? [];
      if (mine.length === 0) return null;
      return html`<h2>${t}</h2>
        <div class="scroll">
          <table aria-label=${`Goals of ${t}`}>
            <thead><tr><th>Goal</th><th class="text">Status</th><th class="text">Where it stands</th><th></th></tr></thead>
            <tbody>
              ${mine.map(
                (g) => html`<tr data-goal=${g.goal.id} data-status=${g.judgement.status}>
                  <td>${g.goal.name}</td>
                  <td class="text"><span class=${`status ${g.judgement.status.replace(' ', '-')}`}>${g.judgement.status}</span></td>
                  <td class="text" data-summary>${g.judgement.summary}</td>
                  <td><button type="button" class="link" aria-label=${`Delete ${g.goal.name}`} onClick=${() => remove(g.goal.id)}>delete</button></td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`;
    })}`;
}
