import type { EChartsType } from 'echarts/core';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type CohortsReport, type DiagnoseReport, type FunnelReport } from './api.js';
import { drawHeatmap, drawSankey, drawTimeToConvert } from './chart.js';
import { duration, percent } from './format.js';

type Finding = DiagnoseReport['leaks']['findings'][number];

/**
 * The funnel view of a finding's segment: the same funnel with the segment's values required of the entry step
 * (the diagnosis reads each dimension at the step-1 event, first touch; an empty value is a missing property).
 */
export function segmentLink(project: string, definition: unknown, finding: Finding): string {
  const d = definition as { steps: Record<string, unknown>[] };
  const [first, ...rest] = d.steps;
  const given = Array.isArray(first?.filters) ? (first.filters as unknown[]) : [];
  const filters = finding.dimensions.map((property, i) =>
    finding.values[i] === '' ? { property, op: 'not_set' } : { property, value: finding.values[i] },
  );
  const filtered = { ...d, steps: [{ ...first, filters: [...given, ...filters] }, ...rest] };
  return `?${new URLSearchParams({ view: 'funnel', project, definition: JSON.stringify(filtered) })}`;
}

/** The diagnosis of the URL's funnel: ranked leaks, slow steps, and what the dropped units did instead. */
export function FrictionView(props: { project: string; definition: unknown | null }) {
  const [report, setReport] = useState<DiagnoseReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [transition, setTransition] = useState(0);
  const [cohorts, setCohorts] = useState<CohortsReport | null>(null);
  const [timing, setTiming] = useState<FunnelReport | null>(null);
  const kmElement = useRef<HTMLDivElement>(null);
  const km = useRef<EChartsType | null>(null);
  const heatmapElement = useRef<HTMLDivElement>(null);
  const heatmap = useRef<EChartsType | null>(null);
  const sankeyElement = useRef<HTMLDivElement>(null);
  const sankey = useRef<EChartsType | null>(null);

  useEffect(() => {
    if (!props.definition) return;
    api
      .diagnose({ definition: props.definition }, props.project)
      .then(setReport)
      .catch((e: Error) => setError(e.message));
    // Conversion by week of entry, as a heatmap.
    api
      .cohorts({ definition: props.definition, period: 'week' }, props.project)
      .then(setCohorts)
      .catch((e: Error) => setError(e.message));
    // Time from the first to the last step, with the Kaplan–Meier curve (units still inside their window censored).
    api
      .funnel({ ...(props.definition as object), view: 'time_to_convert', breakdown: null }, props.project)
      .then(setTiming)
      .catch((e: Error) => setError(e.message));
  }, []);

  useEffect(() => {
    if (timing?.timeToConvert && kmElement.current) {
      km.current = drawTimeToConvert(kmElement.current, timing.timeToConvert, km.current);
    }
  }, [timing, report]);

  useEffect(() => {
    if (cohorts && heatmapElement.current) {
      heatmap.current = drawHeatmap(heatmapElement.current, cohorts.heatmap, heatmap.current, true);
    }
  }, [cohorts, report]);

  const instead = report?.instead[transition];
  useEffect(() => {
    if (instead && sankeyElement.current)
      sankey.current = drawSankey(sankeyElement.current, instead.sankey, sankey.current);
  }, [instead]);

  if (!props.definition) {
    return html`<div class="empty">Build a funnel first (Funnel view), then open its friction view.</div>`;
  }
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!report) return html`<p class="muted" aria-live="polite">Diagnosing…</p>`;
  const leaks = report.leaks;
  return html`
    <section aria-label="Leaks">
      <h2>Where people leave</h2>
      <p class="muted">
        ${leaks.cellsTested.toLocaleString('en-US')} segment × step cells tested over ${report.dimensions.join(', ')};
        false discovery rate ${percent(leaks.alpha)}.
      </p>
      ${
        leaks.findings.length === 0
          ? html`<p class="empty" data-summary>${leaks.summary[0]}</p>`
          : html`<ol class="cards">
            ${leaks.findings.map(
              (f, i) => html`<li class="card" data-finding=${i}>
                <p class="sentence">${f.sentence}</p>
                <p class="muted">
                  ${`${f.segment} · ${f.fromName} → ${f.toName} · ${percent(f.segmentRate)} (95% ${percent(f.segmentRateInterval.lower)}–${percent(f.segmentRateInterval.upper)}) vs ${percent(f.restRate)} · difference ${percent(f.difference)} (95% ${percent(f.differenceInterval.lower)}–${percent(f.differenceInterval.upper)}) · ${Math.round(f.lostFinalConversions).toLocaleString('en-US')} lost at the end`}
                </p>
                <a href=${segmentLink(props.project, props.definition, f)} data-segment-link>Open the funnel for ${f.segment}</a>
              </li>`,
            )}
          </ol>`
      }
    </section>
    <section aria-label="Slowest steps">
      <h2>Slowest steps</h2>
      <ul>
        ${report.durations.summary.map((s) => html`<li data-duration-summary>${s}</li>`)}
      </ul>
    </section>
    <section aria-label="Time to convert">
      <h2>Time to convert, first to last step</h2>
      ${
        timing?.timeToConvert
          ? html`<p class="muted" data-km-median=${timing.timeToConvert.survival?.medianSeconds ?? ''}>
              ${`${timing.timeToConvert.converters.toLocaleString('en-US')} converted. `}${
                timing.timeToConvert.survival
                  ? `Kaplan–Meier, counting those still inside their window as censored: ${percent(timing.timeToConvert.survival.conversionInWindow)} convert within the window; ${
                      timing.timeToConvert.survival.medianSeconds === null
                        ? 'fewer than half of those who entered ever convert'
                        : `half of those who entered have converted by ${duration(timing.timeToConvert.survival.medianSeconds)}`
                    }.`
                  : ''
              }
            </p>`
          : html`<p class="muted">Timing the conversions…</p>`
      }
      <div class="chart" ref=${kmElement} role="img" aria-label="Time to convert histogram and Kaplan–Meier curve"></div>
    </section>
    <section aria-label="Cohorts">
      <h2>Conversion from entry, by week of entry</h2>
      <div class="chart" ref=${heatmapElement} role="img" aria-label="Cohort heatmap"
        data-cohorts=${cohorts?.cohorts.length ?? 0}></div>
    </section>
    ${
      report.instead.length > 0
        ? html`<section aria-label="What dropped people did instead">
          <h2>What dropped people did instead</h2>
          <label for="transition">Transition</label>
          <select id="transition" value=${transition}
            onChange=${(e: Event) => setTransition(Number((e.target as HTMLSelectElement).value))}>
            ${report.instead.map(
              (t, i) =>
                html`<option value=${i}>${t.fromName} → ${t.toName} (${t.dropped.toLocaleString('en-US')} dropped)</option>`,
            )}
          </select>
          <div class="chart" ref=${sankeyElement} role="img" aria-label="Paths of the people who dropped"></div>
          <table aria-label="Next event of the people who dropped">
            <thead><tr><th>Next event</th><th>Share</th><th>People</th></tr></thead>
            <tbody>
              ${(instead?.nextEvents ?? []).map(
                (e) =>
                  html`<tr data-next-event=${e.event}><td>${e.event}</td><td>${percent(e.share)}</td><td>${e.units.toLocaleString('en-US')}</td></tr>`,
              )}
            </tbody>
          </table>
        </section>`
        : null
    }
  `;
}
