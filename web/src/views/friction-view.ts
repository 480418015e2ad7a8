import type { EChartsType } from 'echarts/core';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type CohortsReport, type DiagnoseReport, type FunnelReport } from '../api-client.js';
import { draw } from '../chart-host.js';
import { heatmapGrid, heatmapHeight, heatmapOption } from '../charts/heatmap-chart.js';
import { sankeyOption } from '../charts/sankey-chart.js';
import { timeToConvertOption } from '../charts/time-to-convert-chart.js';
import { duration, percent } from '../format.js';

type Finding = DiagnoseReport['leaks']['findings'][number];

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The funnel view of a finding's segment: the same funnel with the segment's values required of the entry step
 * (of each of its alternatives, for an OR-step). The diagnosis reads a unit's segment from its first in-funnel event
 * that carries the property (paths without trailing `/`, `?`, `#`), so the link's funnel is that segment as entered,
 * close to but not always the card's own counts (docs/dashboard.md).
 */
export function segmentLink(project: string, definition: unknown, finding: Finding): string {
  const d = definition as { steps: Record<string, unknown>[] };
  const [first, ...rest] = d.steps;
  const filters = finding.dimensions.map((property, i) => {
    const value = finding.values[i] ?? '';
    if (value === '') return { property, op: 'not_set' };
    // Paths are compared without their trailing slash, query or fragment marks.
    if (property === 'path') return { property, op: 'regex', value: `^${escapeRegex(value)}[/?#]*$` };
    return { property, value };
  });
  const withFilters = (step: Record<string, unknown>) => ({
    ...step,
    filters: [...(Array.isArray(step.filters) ? (step.filters as unknown[]) : []), ...filters],
  });
  const entry = Array.isArray(first?.anyOf)
    ? { ...first, anyOf: (first.anyOf as Record<string, unknown>[]).map(withFilters) }
    : withFilters(first ?? {});
  const filtered = { ...d, steps: [entry, ...rest] };
  return `?${new URLSearchParams({ view: 'funnel', project, definition: JSON.stringify(filtered) })}`;
}

/** The funnel broken down by the finding's dimensions as the diagnosis reads them (first touch, paths normalised). */
export function breakdownLink(project: string, definition: unknown, finding: Finding): string {
  const broken = {
    ...(definition as Record<string, unknown>),
    breakdown: {
      properties: finding.dimensions,
      attribution: 'first_touch',
      limit: 50,
      normalizeUrl: finding.dimensions.includes('path'),
    },
  };
  return `?${new URLSearchParams({ view: 'funnel', project, definition: JSON.stringify(broken) })}`;
}

/** The diagnosis of the URL's funnel: ranked leaks, slow steps, and what the dropped units did instead. */
export function FrictionView(props: { project: string; definition: unknown | null }) {
  const [report, setReport] = useState<DiagnoseReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [transition, setTransition] = useState(0);
  const [cohorts, setCohorts] = useState<CohortsReport | null>(null);
  const [timing, setTiming] = useState<FunnelReport | null>(null);
  const [timingError, setTimingError] = useState<string | null>(null);
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
      .catch((e: Error) => setTimingError(e.message));
  }, []);

  useEffect(() => {
    if (timing?.timeToConvert && kmElement.current) {
      km.current = draw(kmElement.current, timeToConvertOption(timing.timeToConvert), km.current);
    }
  }, [timing, report]);

  useEffect(() => {
    if (cohorts && heatmapElement.current) {
      const grid = heatmapGrid(cohorts.heatmap, true);
      heatmap.current = draw(heatmapElement.current, heatmapOption(grid), heatmap.current, heatmapHeight(grid));
    }
  }, [cohorts, report]);

  const instead = report?.instead[transition];
  useEffect(() => {
    if (instead && sankeyElement.current)
      sankey.current = draw(sankeyElement.current, sankeyOption(instead.sankey), sankey.current);
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
                <p class="links">
                  <a href=${segmentLink(props.project, props.definition, f)} data-segment-link>Open the funnel for ${f.segment}</a>
                  <a href=${breakdownLink(props.project, props.definition, f)} data-breakdown-link>Compare by ${f.dimensions.join(' × ')}</a>
                </p>
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
          : timingError
            ? html`<p class="muted" data-timing-error>No time to convert for this funnel: ${timingError}</p>`
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
