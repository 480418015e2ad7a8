import type { EChartsType } from 'echarts/core';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type EventName, type ExperimentPlan, type ExperimentReport } from '../api-client.js';
import { draw } from '../chart-host.js';
import { experimentOption } from '../charts/experiment-chart.js';
import { percent } from '../format.js';

const lift = (x: number | null) => (x === null ? '–' : `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`);

/**
 * Experiments (docs/experiments.md): one experiment's result against its goal, and the planning calculator. The
 * request is in the URL (`?view=experiments&experiment=landing-hero&goal=Signed%20Up`).
 */
export function ExperimentsView(props: { project: string }) {
  const params = new URLSearchParams(location.search);
  const [experiment, setExperiment] = useState(params.get('experiment') ?? '');
  const [goal, setGoal] = useState(params.get('goal') ?? '');
  const [events, setEvents] = useState<EventName[]>([]);
  const [report, setReport] = useState<ExperimentReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [baseline, setBaseline] = useState(params.get('baseline') ?? '1.9%');
  const [target, setTarget] = useState(params.get('target') ?? '2.35%');
  const [traffic, setTraffic] = useState(params.get('traffic') ?? '2000');
  const [plan, setPlan] = useState<ExperimentPlan | null>(null);
  const [planError, setPlanError] = useState<string | null>(null);
  const chartElement = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);

  const remember = (values: Record<string, string>) => {
    const next = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(values)) next.set(k, v);
    history.replaceState(null, '', `?${next}`);
  };
  const run = (id: string, event: string) => {
    if (!id || !event) return;
    remember({ experiment: id, goal: event });
    setLoading(true);
    setError(null);
    api
      .experiment(props.project, id, { goal: event })
      .then(setReport)
      .catch((e: Error) => setError(e.message))
      .finally(() => setLoading(false));
  };
  const sizeIt = () => {
    remember({ baseline, target, traffic });
    setPlanError(null);
    api
      .plan({ baseline, target, ...(traffic ? { traffic } : {}) })
      .then(setPlan)
      .catch((e: Error) => setPlanError(e.message));
  };

  useEffect(() => {
    api
      .events(props.project)
      .then((r) => setEvents(r.events))
      .catch((e: Error) => setError(e.message));
    run(experiment, goal);
    sizeIt();
  }, []);

  useEffect(() => {
    if (report && chartElement.current) {
      const ink = getComputedStyle(chartElement.current).color || '#1b1f24';
      chart.current = draw(chartElement.current, experimentOption(report, ink), chart.current);
    }
  }, [report]);

  return html`<section class="builder" aria-label="Experiment">
      <div class="row">
        <label for="experiment">Experiment</label>
        <input id="experiment" placeholder="experiment_id, e.g. landing-hero" value=${experiment}
          onChange=${(e: Event) => setExperiment((e.target as HTMLInputElement).value.trim())} />
        <label for="goal">Goal</label>
        <select id="goal" value=${goal} onChange=${(e: Event) => setGoal((e.target as HTMLSelectElement).value)}>
          <option value="">choose the goal event…</option>
          ${events.filter((e) => !e.event.startsWith('$')).map((e) => html`<option value=${e.event}>${e.event}</option>`)}
          ${goal && !events.some((e) => e.event === goal) ? html`<option value=${goal}>${goal}</option>` : null}
        </select>
        <button type="button" class="primary" onClick=${() => run(experiment, goal)}>Analyse</button>
      </div>
    </section>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${loading ? html`<p class="muted" aria-live="polite">Analysing…</p>` : null}
    ${
      !report && !error && !loading
        ? html`<div class="empty">Name an experiment (the experiment_id of your Experiment Viewed events, or a feature
            flag) and its goal event. The demo business runs <code>landing-hero</code> and <code>pricing-copy</code>.</div>`
        : null
    }
    ${
      report
        ? html`<p data-experiment-summary>${report.summary}</p>
          <div class="chart" ref=${chartElement} role="img" aria-label="Conversion per variant with 95% intervals"></div>
          <div class="scroll">
            <table aria-label="Variants">
              <thead><tr><th>Variant</th><th>Units</th><th>Conversions</th><th>Conversion</th><th>95% interval</th></tr></thead>
              <tbody>
                ${report.variants.map(
                  (v) => html`<tr data-variant=${v.variant}>
                    <td>${v.variant}${v.variant === report.control ? ' (control)' : ''}</td>
                    <td data-units=${v.units}>${v.units.toLocaleString('en-US')}</td>
                    <td data-conversions=${v.conversions}>${v.conversions.toLocaleString('en-US')}</td>
                    <td>${percent(v.rate)}</td>
                    <td>${v.rateInterval ? `${percent(v.rateInterval.lower)}–${percent(v.rateInterval.upper)}` : '–'}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>
          <div class="scroll">
            <table aria-label="Against the control">
              <thead><tr><th>Variant</th><th>Lift</th><th>95% interval</th><th>Always-valid p</th><th>z-test p</th>
                <th>P(beats control)</th><th>Expected loss</th><th>Decision</th></tr></thead>
              <tbody>
                ${report.comparisons.map(
                  (c) => html`<tr data-comparison=${c.variant} data-verdict=${c.verdict}>
                    <td>${c.variant}</td><td>${lift(c.relativeLift)}</td>
                    <td>${c.relativeLiftInterval ? `${lift(c.relativeLiftInterval.lower)} … ${lift(c.relativeLiftInterval.upper)}` : '–'}</td>
                    <td>${c.adjustedPValue.toPrecision(2)}</td><td>${c.zPValue === null ? '–' : c.zPValue.toPrecision(2)}</td>
                    <td>${percent(c.probabilityToBeat)}</td><td>${percent(c.expectedLoss)}</td><td>${c.verdict}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>
          <p class="muted">
            ${`Goal within ${report.windowDays} days of the first exposure; ${report.looks} daily looks.`}
            ${report.sampleRatio ? ` Sample ratio: p = ${report.sampleRatio.pValue.toPrecision(2)} (${report.sampleRatio.healthy ? 'healthy' : 'off: check the assignment'}).` : ''}
            ${report.multipleExposures > 0 ? ` ${report.multipleExposures.toLocaleString('en-US')} units saw several variants and are left out.` : ''}
          </p>`
        : null
    }
    <h2>Plan a test</h2>
    <section class="builder" aria-label="Plan a test">
      <div class="row">
        <label for="baseline">Baseline</label>
        <input id="baseline" class="narrow" value=${baseline} onChange=${(e: Event) => setBaseline((e.target as HTMLInputElement).value)} />
        <label for="target">Target</label>
        <input id="target" class="narrow" value=${target} onChange=${(e: Event) => setTarget((e.target as HTMLInputElement).value)} />
        <button type="button" class="link" onClick=${() => setTarget('2.35%')}>landing-page average 2.35%</button>
        <button type="button" class="link" onClick=${() => setTarget('5.31%')}>top quartile 5.31%</button>
        <label for="traffic">Units a day</label>
        <input id="traffic" class="narrow" value=${traffic} onChange=${(e: Event) => setTraffic((e.target as HTMLInputElement).value)} />
        <button type="button" onClick=${sizeIt}>Size it</button>
      </div>
    </section>
    ${planError ? html`<p class="error" role="alert">${planError}</p>` : null}
    ${plan ? html`<p data-plan-sentence>${plan.sentence}</p>` : null}`;
}
