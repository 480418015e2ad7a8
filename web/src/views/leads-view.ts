import type { EChartsType } from 'echarts/core';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Catalog, type EventName, type ScoreApplyReport } from '../api-client.js';
import { draw } from '../chart-host.js';
import { calibrationOption, liftOption } from '../charts/scoring-chart.js';
import { percent } from '../format.js';

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
const shown = (v: string | number | null) =>
  v === null ? '(none)' : typeof v === 'number' ? String(Math.round(v * 100) / 100) : v;

/**
 * Lead scoring (docs/scoring.md): the leads of now ranked by the model's chance that they reach the target within
 * its window, each with its three largest reasons; how the model did out of fold (AUC, log loss, calibration, lift
 * by decile); training a model and writing the scores back as person traits. `?view=leads&model=NAME`.
 */
export function LeadsView(props: { project: string }) {
  const params = new URLSearchParams(location.search);
  const model = params.get('model') ?? 'default';
  const [report, setReport] = useState<ScoreApplyReport | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [written, setWritten] = useState<number | null>(null);
  const [events, setEvents] = useState<EventName[]>([]);
  const [stages, setStages] = useState<Catalog['dealStages']>([]);
  const [entry, setEntry] = useState('Signed Up');
  const [target, setTarget] = useState('deal: won');
  const [windowText, setWindowText] = useState('30d');
  const liftElement = useRef<HTMLDivElement>(null);
  const calibrationElement = useRef<HTMLDivElement>(null);
  const liftChart = useRef<EChartsType | null>(null);
  const calibrationChart = useRef<EChartsType | null>(null);

  const load = () => {
    setBusy('Scoring the leads…');
    setError(null);
    // Asked of the list first, so a project without a model gets no error answer (and the console no 404).
    return api
      .scoreModels(props.project)
      .then((r) => {
        if (!r.models.some((m) => m.name === model)) throw new ApiError(`no model ${model}`, 404);
        return api.scores(props.project, { model, top: '50' });
      })
      .then((r) => {
        setReport(r);
        setMissing(false);
      })
      .catch((e: Error) => {
        setReport(null);
        if (e instanceof ApiError && e.status === 404) setMissing(true);
        else setError(e.message);
      })
      .finally(() => setBusy(null));
  };
  const train = () => {
    setBusy('Training: both models, cross-validated…');
    setError(null);
    api
      .trainScores(props.project, { model, entry, target, window: windowText })
      .then(() => load())
      .catch((e: Error) => {
        setError(e.message);
        setBusy(null);
      });
  };
  const write = () => {
    setBusy('Writing the scores…');
    api
      .applyScores(props.project, { model, top: '50' })
      .then((r) => {
        setReport(r);
        setWritten(r.written);
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(null));
  };

  useEffect(() => {
    load();
    api
      .events(props.project)
      .then((r) => setEvents(r.events))
      .catch(() => undefined);
    api
      .catalog(props.project)
      .then((c) => setStages(c.dealStages))
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    if (!report) return;
    if (liftElement.current)
      liftChart.current = draw(liftElement.current, liftOption(report.evaluation), liftChart.current);
    if (calibrationElement.current) {
      calibrationChart.current = draw(
        calibrationElement.current,
        calibrationOption(report.evaluation),
        calibrationChart.current,
      );
    }
  }, [report]);

  const steps = [
    ...events.filter((e) => !e.event.startsWith('$')).map((e) => e.event),
    ...stages.map((s) => `deal: ${s.stage}`),
  ];
  const options = (value: string) =>
    html`${steps.map((s) => html`<option value=${s}>${s}</option>`)}
    ${value && !steps.includes(value) ? html`<option value=${value}>${value}</option>` : null}`;
  const e = report?.evaluation;

  return html`<section class="builder" aria-label="Train a model">
      <div class="row">
        <label for="entry">Leads are who did</label>
        <select id="entry" value=${entry} onChange=${(ev: Event) => setEntry((ev.target as HTMLSelectElement).value)}>${options(entry)}</select>
        <label for="target">Converting to</label>
        <select id="target" value=${target} onChange=${(ev: Event) => setTarget((ev.target as HTMLSelectElement).value)}>${options(target)}</select>
        <label for="window">Within</label>
        <input id="window" class="narrow" value=${windowText} onChange=${(ev: Event) => setWindowText((ev.target as HTMLInputElement).value)} />
        <button type="button" class="primary" onClick=${train} disabled=${busy !== null}>Train</button>
      </div>
    </section>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${busy ? html`<p class="muted" aria-live="polite">${busy}</p>` : null}
    ${
      missing && !busy
        ? html`<div class="empty">No lead-scoring model "${model}" yet: choose what makes a lead and what it converts to,
            then Train. On the demo business, Signed Up → deal: won within 30d.</div>`
        : null
    }
    ${
      report && e
        ? html`<p data-leads-summary data-leads=${report.leads}>
            ${`${report.leads.toLocaleString('en-US')} leads as of ${report.asOf.slice(0, 10)}: the chance that each reaches ${report.target} within ${report.windowDays} days (${report.modelKind}, chosen by log loss; trained ${report.trainedAt.slice(0, 10)}). ${report.expectedConversions.toFixed(1)} conversions expected. `}
            <button type="button" class="link" onClick=${write} disabled=${busy !== null}>Write the scores to the people</button>
            ${written !== null ? html` <span data-written=${written}>${`Written for ${written.toLocaleString('en-US')} leads as ${report.trait}.`}</span>` : null}
          </p>
          <div class="scroll">
            <table aria-label="Leads">
              <thead><tr><th>Person</th><th>Score</th><th class="text">Why (largest contributions to the log-odds)</th></tr></thead>
              <tbody>
                ${report.top.map(
                  (l) => html`<tr data-person=${l.person} data-score=${l.score}>
                    <td>${l.person}</td><td>${percent(l.score)}</td>
                    <td class="text">${l.reasons.map((c) => `${c.feature} = ${shown(c.value)} (${signed(c.contribution)})`).join('; ')}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>
          <h2>How the model does (out of fold)</h2>
          <div class="scroll">
            <table aria-label="Models">
              <thead><tr><th>Model</th><th>AUC</th><th>Log loss</th><th>Calibration error</th></tr></thead>
              <tbody>
                ${e.models.map(
                  (m) => html`<tr data-model=${m.model} data-auc=${m.auc}>
                    <td>${m.model}${m.model === e.chosen ? ' (chosen)' : ''}</td><td>${m.auc.toFixed(3)}</td>
                    <td>${m.logLoss.toFixed(4)}</td><td>${m.calibrationError.toFixed(4)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>
          <p class="muted">
            ${`${e.rows.toLocaleString('en-US')} lead snapshots, ${e.positives.toLocaleString('en-US')} converted; ${e.folds}-fold cross-validation by person. Top features: ${e.importance
              .slice(0, 6)
              .map((f) => f.feature)
              .join(', ')}.`}
          </p>
          <div class="chart" ref=${liftElement} role="img" aria-label="Conversion per score decile"></div>
          <div class="chart" ref=${calibrationElement} role="img" aria-label="Observed against predicted conversion"></div>`
        : null
    }`;
}
