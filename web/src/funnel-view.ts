import type { EChartsType } from 'echarts/core';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type EventName, type FunnelReport } from './api.js';
import { drawFunnel } from './chart.js';

interface Draft {
  steps: string[];
  windowAmount: number;
  windowUnit: string;
  breakdown: string;
}

/** The state lives in the URL (`?project=…&definition=…`), so every view can be shared and bookmarked. */
function readUrl(): { project: string; draft: Draft | null } {
  const params = new URLSearchParams(location.search);
  const project = params.get('project') ?? 'default';
  const text = params.get('definition');
  if (!text) return { project, draft: null };
  try {
    const d = JSON.parse(text) as {
      steps?: { event?: string }[];
      window?: { amount?: number; unit?: string };
      breakdown?: { properties?: string[] };
    };
    return {
      project,
      draft: {
        steps: (d.steps ?? []).map((s) => s.event ?? ''),
        windowAmount: d.window?.amount ?? 14,
        windowUnit: d.window?.unit ?? 'day',
        breakdown: d.breakdown?.properties?.[0] ?? '',
      },
    };
  } catch {
    return { project, draft: null };
  }
}

function definitionOf(draft: Draft): unknown {
  return {
    steps: draft.steps.filter((s) => s !== '').map((event) => ({ event })),
    window: { amount: draft.windowAmount, unit: draft.windowUnit },
    ...(draft.breakdown ? { breakdown: { properties: [draft.breakdown], limit: 8 } } : {}),
  };
}

const percent = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

export function FunnelView() {
  const initial = readUrl();
  const [project] = useState(initial.project);
  const [draft, setDraft] = useState<Draft>(
    initial.draft ?? { steps: ['', ''], windowAmount: 14, windowUnit: 'day', breakdown: '' },
  );
  const [events, setEvents] = useState<EventName[] | null>(null);
  const [report, setReport] = useState<FunnelReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const chartElement = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);

  const run = async (next: Draft) => {
    const definition = definitionOf(next);
    const params = new URLSearchParams({ project, definition: JSON.stringify(definition) });
    history.replaceState(null, '', `?${params}`);
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

  useEffect(() => {
    api
      .events(project)
      .then((r) => setEvents(r.events))
      .catch((e: Error) => setError(e.message));
    if (initial.draft && initial.draft.steps.filter(Boolean).length > 0) void run(initial.draft);
  }, []);

  useEffect(() => {
    if (report && chartElement.current) chart.current = drawFunnel(chartElement.current, report, chart.current);
  }, [report]);

  const update = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const setStep = (i: number, event: string) => update({ steps: draft.steps.map((s, j) => (j === i ? event : s)) });

  if (events && events.length === 0) {
    return html`<div class="empty">
      No events in project “${project}” yet. Send the first one with the snippet or an SDK (docs/ingestion.md), or
      fill the store with <code>funnelscope demo</code>.
    </div>`;
  }

  return html`
    <section class="builder" aria-label="Funnel builder">
      ${draft.steps.map(
        (step, i) => html`<div class="row">
          <label for=${`step-${i}`}>Step ${i + 1}</label>
          <select id=${`step-${i}`} value=${step} onChange=${(e: Event) => setStep(i, (e.target as HTMLSelectElement).value)}>
            <option value="">choose an event…</option>
            ${(events ?? []).map((e) => html`<option value=${e.event}>${e.event}</option>`)}
          </select>
          ${
            draft.steps.length > 2
              ? html`<button type="button" aria-label=${`Remove step ${i + 1}`} onClick=${() => update({ steps: draft.steps.filter((_, j) => j !== i) })}>×</button>`
              : null
          }
        </div>`,
      )}
      <div class="row">
        <button type="button" onClick=${() => update({ steps: [...draft.steps, ''] })}>Add step</button>
        <label for="window">Window</label>
        <input id="window" type="number" min="1" value=${draft.windowAmount} style="width: 5rem"
          onChange=${(e: Event) => update({ windowAmount: Number((e.target as HTMLInputElement).value) })} />
        <select aria-label="Window unit" value=${draft.windowUnit}
          onChange=${(e: Event) => update({ windowUnit: (e.target as HTMLSelectElement).value })}>
          ${['minute', 'hour', 'day', 'week', 'month'].map((u) => html`<option value=${u}>${u}s</option>`)}
        </select>
        <label for="breakdown">Breakdown</label>
        <input id="breakdown" placeholder="property, e.g. channel" value=${draft.breakdown}
          onChange=${(e: Event) => update({ breakdown: (e.target as HTMLInputElement).value.trim() })} />
        <button type="button" class="primary" onClick=${() => run(draft)}>Run</button>
      </div>
    </section>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${loading ? html`<p class="muted" aria-live="polite">Running…</p>` : null}
    ${
      report
        ? html`<div class="chart" ref=${chartElement} role="img" aria-label="Funnel chart"></div>
          <table aria-label="Funnel steps" data-breakdown-values=${report.breakdown?.length ?? 0}>
            <thead><tr><th>Step</th><th>Units</th><th>Conversion</th><th>95% interval</th><th>Dropped</th></tr></thead>
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
          <p class="muted">${report.stats.units.toLocaleString('en-US')} ${report.unit}s, ${report.stats.eventsScanned.toLocaleString('en-US')} events, ${report.stats.elapsedMs} ms</p>`
        : null
    }
  `;
}
