import type { EChartsType } from 'echarts/core';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Catalog, type EventName, type FunnelReport, type SavedFunnel } from '../api-client.js';
import { draw } from '../chart-host.js';
import { funnelOption } from '../charts/funnel-chart.js';
import { timeToConvertOption } from '../charts/time-to-convert-chart.js';
import { trendsOption } from '../charts/trends-chart.js';
import { duration, percent } from '../format.js';
import { type Draft, definitionOf, draftOf, emptyDraft } from '../funnel-draft.js';
import { FunnelBuilder } from './funnel-builder.js';

/** The state lives in the URL (`?project=…&definition=…`), so every view can be shared and bookmarked. */
function readUrl(): { project: string; draft: Draft | null; base: Record<string, unknown> } {
  const params = new URLSearchParams(location.search);
  const project = params.get('project') ?? 'default';
  const text = params.get('definition');
  if (!text) return { project, draft: null, base: {} };
  try {
    const given = draftOf(JSON.parse(text));
    return given ? { project, ...given } : { project, draft: null, base: {} };
  } catch {
    return { project, draft: null, base: {} };
  }
}

export function FunnelView() {
  const initial = readUrl();
  const [project] = useState(initial.project);
  const [draft, setDraft] = useState<Draft>(initial.draft ?? emptyDraft());
  const [events, setEvents] = useState<EventName[] | null>(null);
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [saved, setSaved] = useState<SavedFunnel[]>([]);
  const [savedId, setSavedId] = useState('');
  const [name, setName] = useState('');
  const [report, setReport] = useState<FunnelReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const chartElement = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  /** The conversion reference of the funnel last run (what its rates are shares of). */
  const ranWith = useRef<'total' | 'previous'>('total');

  const run = async (next: Draft) => {
    // User Timing marks: a run starts here and ends when its chart is drawn (bench/dashboard-speed.mjs reads them).
    performance.mark('funnel:run');
    if (!next.steps.some((s) => s.pick !== '')) {
      setError('steps: choose an event or a deal stage for step 1, then Run.');
      return;
    }
    const definition = definitionOf(next, initial.base);
    // The URL keeps what else it says (the view, a saved funnel's id) with the funnel now run.
    const params = new URLSearchParams(location.search);
    params.set('project', project);
    params.set('definition', JSON.stringify(definition));
    history.replaceState(null, '', `?${params}`);
    ranWith.current = definition.conversionReference === 'previous' ? 'previous' : 'total';
    setLoading(true);
    setError(null);
    try {
      setReport(await api.funnel(definition, project));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };

  const refreshSaved = () =>
    api
      .funnels(project)
      .then((r) => setSaved(r.funnels))
      .catch((e: Error) => setError(e.message));
  // Saved funnels: open one (its definition goes into the URL), save the current one, rename or delete.
  const openSaved = (id: string) => {
    const funnel = saved.find((f) => f.id === id);
    if (!funnel) return;
    location.search = `?${new URLSearchParams({ project, definition: JSON.stringify(funnel.definition), saved: id })}`;
  };
  const act = (action: () => Promise<unknown>) => () => {
    setError(null);
    action()
      .then(refreshSaved)
      .catch((e: Error) => setError(e.message));
  };

  useEffect(() => {
    void refreshSaved();
    const id = new URLSearchParams(location.search).get('saved');
    if (id) setSavedId(id);
    api
      .events(project)
      .then((r) => setEvents(r.events))
      .catch((e: Error) => setError(e.message));
    // The property and deal-stage lists come after the first report (their query would hold the store meanwhile).
    const loadCatalog = () =>
      api
        .catalog(project)
        .then(setCatalog)
        .catch((e: Error) => setError(e.message));
    if (initial.draft?.steps.some((s) => s.pick !== '')) void run(initial.draft).then(loadCatalog);
    else void loadCatalog();
  }, []);

  useEffect(() => {
    if (!report || !chartElement.current) return;
    // The time_to_convert view is the one whose report carries a Kaplan–Meier curve.
    if (report.timeToConvert?.survival) {
      chart.current = draw(chartElement.current, timeToConvertOption(report.timeToConvert), chart.current);
    } else if (report.trends) {
      chart.current = draw(chartElement.current, trendsOption(report.trends), chart.current);
    } else {
      const element = chartElement.current;
      const view = {
        ink: getComputedStyle(element).color || '#1b1f24',
        wide: element.clientWidth >= 700,
        reference: ranWith.current === 'previous' ? ('previous' as const) : ('total' as const),
      };
      chart.current = draw(element, funnelOption(report, view), chart.current);
    }
    performance.mark('funnel:drawn');
  }, [report]);

  if (events && events.length === 0) {
    return html`<div class="empty">
      No events in project “${project}” yet. Send the first one with the snippet or an SDK (docs/ingestion.md), or
      fill the store with <code>funnelscope demo</code>.
    </div>`;
  }

  return html`
    <section class="builder" aria-label="Saved funnels">
      <div class="row">
        <label for="saved">Saved</label>
        <select id="saved" value=${savedId} onChange=${(e: Event) => openSaved((e.target as HTMLSelectElement).value)}>
          <option value="">${saved.length === 0 ? 'no saved funnels yet' : 'open a saved funnel…'}</option>
          ${saved.map((f) => html`<option value=${f.id}>${f.name}</option>`)}
        </select>
        <label for="name">Name</label>
        <input id="name" placeholder="e.g. Signup funnel" value=${name}
          onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} />
        <button type="button" onClick=${act(async () => {
          const f = await api.saveFunnel(project, name, definitionOf(draft, initial.base));
          setSavedId(f.id);
        })}>Save</button>
        ${
          savedId
            ? html`<button type="button" onClick=${act(() => api.renameFunnel(project, savedId, name))}>Rename</button>
              <button type="button" onClick=${act(async () => {
                await api.deleteFunnel(project, savedId);
                setSavedId('');
              })}>Delete</button>`
            : null
        }
      </div>
    </section>
    <${FunnelBuilder} draft=${draft} events=${events} catalog=${catalog} onChange=${setDraft} onRun=${() => run(draft)} />
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${loading ? html`<p class="muted" aria-live="polite">Running…</p>` : null}
    ${
      report
        ? html`<div class="chart" ref=${chartElement} role="img" aria-label="Funnel chart"></div>
          <table aria-label="Funnel steps" data-breakdown-values=${report.breakdown?.length ?? 0}>
            <thead><tr><th>Step</th><th>Units</th>
              <th>Conversion ${ranWith.current === 'previous' ? 'from the previous step' : 'from step 1'}</th>
              <th>95% interval</th><th>Dropped</th></tr></thead>
            <tbody>
              ${report.steps.map(
                (s) => html`<tr data-step=${s.index}>
                  <td>${s.index + 1}. ${s.name}</td>
                  <td data-step-count=${s.count}>${s.count.toLocaleString('en-US')}</td>
                  <td>${percent(s.conversionRate)}</td>
                  <td>${s.conversionRateInterval ? `${percent(s.conversionRateInterval.lower)}–${percent(s.conversionRateInterval.upper)}` : '–'}</td>
                  <td>${s.index === 0 ? '' : s.dropOff.toLocaleString('en-US')}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${report.stageRollup ? stageTable(report) : null}
          ${report.breakdown ? breakdownTable(report) : null}
          ${report.timeToConvert?.survival ? timeToConvertTable(report) : null}
          ${report.trends ? trendsTable(report) : null}
          <p class="muted">${report.stats.units.toLocaleString('en-US')} ${report.unit}s, ${report.stats.eventsScanned.toLocaleString('en-US')} events, ${report.stats.elapsedMs} ms</p>`
        : null
    }
  `;
}

/** Breakdown comparison: each value's units per step and the share of its step-1 units that reached the last. */
function breakdownTable(report: FunnelReport) {
  const last = report.steps.length - 1;
  return html`<table aria-label="Breakdown">
    <thead><tr><th>Value</th>${report.steps.map((s) => html`<th>${s.name}</th>`)}<th>Step 1 → last</th></tr></thead>
    <tbody>
      ${(report.breakdown ?? []).map((b) => {
        const label = Array.isArray(b.value) ? b.value.join(' / ') : b.value || '(none)';
        return html`<tr data-breakdown-row=${label}>
          <td>${label}</td>
          ${b.steps.map((s) => html`<td data-count=${s.count}>${s.count.toLocaleString('en-US')}</td>`)}
          <td>${percent(b.steps[0]?.count ? (b.steps[last]?.count ?? 0) / b.steps[0].count : null)}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

function timeToConvertTable(report: FunnelReport) {
  const ttc = report.timeToConvert;
  if (!ttc) return null;
  const km = ttc.survival;
  return html`<p data-converters=${ttc.converters}>
      ${ttc.converters.toLocaleString('en-US')} converted from step ${ttc.fromStep + 1} to step ${ttc.toStep + 1},
      on average in ${duration(ttc.averageSeconds)}${
        km
          ? `; Kaplan–Meier: ${percent(km.conversionInWindow)} convert within the window, ${
              km.medianSeconds === null ? 'fewer than half in all' : `half by ${duration(km.medianSeconds)}`
            }`
          : ''
      }.
    </p>
    <table aria-label="Time to convert">
      <thead><tr><th>From</th><th>Units</th></tr></thead>
      <tbody>
        ${ttc.bins.slice(0, -1).map((b) => html`<tr><td>${duration(b.start)}</td><td data-bin-count=${b.count}>${b.count.toLocaleString('en-US')}</td></tr>`)}
      </tbody>
    </table>`;
}

function trendsTable(report: FunnelReport) {
  return html`<table aria-label="Trend">
    <thead><tr><th>Period</th><th>Entered</th><th>Converted</th><th>Conversion</th></tr></thead>
    <tbody>
      ${(report.trends ?? []).map(
        (p) => html`<tr data-period=${p.periodStart}>
          <td>${p.periodStart}</td><td>${p.entered.toLocaleString('en-US')}</td>
          <td data-trend-converted=${p.converted}>${p.converted.toLocaleString('en-US')}</td><td>${p.rate.toFixed(2)}%</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The steps rolled up by business stage (awareness … action) with TOFU / MOFU / BOFU. */
function stageTable(report: FunnelReport) {
  return html`<h2>By stage</h2>
    <table aria-label="Stages">
      <thead><tr><th>Stage</th><th>Section</th><th>Units</th><th>From the previous stage</th><th>95% interval</th></tr></thead>
      <tbody>
        ${(report.stageRollup ?? []).map(
          (r) => html`<tr data-stage=${r.stage}>
            <td>${r.stage}</td><td>${r.section}</td><td data-stage-count=${r.count}>${r.count.toLocaleString('en-US')}</td>
            <td>${percent(r.conversionFromPrevious)}</td>
            <td>${r.conversionFromPreviousInterval ? `${percent(r.conversionFromPreviousInterval.lower)}–${percent(r.conversionFromPreviousInterval.upper)}` : '–'}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
}
