import type { DroppedInstead } from '../../analysis/diagnose/instead.js';
import { type DiagnoseReport, runDiagnose } from '../../analysis/diagnose/run-diagnose.js';
import type { DurationReport } from '../../analysis/diagnose/slowest.js';
import { formatDuration } from '../../analysis/format.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { parseFunnelDefinition } from '../../model/funnel-definition.js';
import { diagnoseSpec, flagName } from '../../model/report-requests.js';
import type { Interval } from '../../stats/wilson-interval.js';
import { withStore } from '../open-store.js';
import { formatCount, formatPercent, formatTable, type Output } from '../output.js';
import { readDefinition } from './funnel.js';

export interface DiagnoseCommandOptions {
  definition: string;
  dimensions?: string;
  add?: string;
  pairs?: boolean;
  alpha?: string;
  minUnits?: string;
  top?: string;
  insteadDepth?: string;
  insteadTop?: string;
  period?: 'week' | 'month';
  recentPeriods?: string;
  events?: string[];
  format?: 'table' | 'json';
}

/** `funnelscope diagnose --definition …`: the leaks of a funnel, ranked, with their statistics (docs/diagnose.md). */
export async function diagnoseCommand(
  config: Config,
  options: DiagnoseCommandOptions,
  output: Output,
): Promise<number> {
  const definition = parseFunnelDefinition(readDefinition(options.definition));
  const spec = diagnoseSpec(definition, { ...options }, flagName);
  const adHoc = (options.events ?? []).length > 0;
  const report = await withStore(adHoc ? { ...config, dbPath: ':memory:' } : config, async (store) => {
    for (const file of options.events ?? []) {
      await store.importFile('events', file, { project: config.project, skipInvalid: false });
    }
    return runDiagnose(new ColumnCache(store), config.project, spec, {
      ...(config.threads !== undefined ? { threads: Math.max(1, config.threads) } : {}),
      ...(config.parallelMinEvents !== undefined ? { parallelMinEvents: config.parallelMinEvents } : {}),
    });
  });
  output.out((options.format ?? 'table') === 'json' ? JSON.stringify(report, null, 2) : diagnoseTable(report));
  return 0;
}

const pct = (x: number | null) => (x === null ? '–' : `${formatPercent(x)}%`);

export function diagnoseTable(r: DiagnoseReport): string {
  const { leaks } = r;
  const parts = [
    `Leaks of the funnel, ${r.dateFrom} … ${r.dateTo}, by ${r.dimensions.join(', ')}${r.pairs ? ' and their pairs' : ''}`,
    formatTable(
      ['transition', 'entered', 'converted', 'rate', '95% interval', 'dropped'],
      leaks.transitions.map((t) => [
        `${t.fromName} → ${t.toName}`,
        formatCount(t.entered),
        formatCount(t.converted),
        pct(t.rate),
        t.rateInterval ? `${formatPercent(t.rateInterval.lower)}–${formatPercent(t.rateInterval.upper)}%` : '–',
        formatCount(t.dropped),
      ]),
    ),
    '',
  ];
  if (leaks.findings.length > 0) {
    parts.push(
      formatTable(
        ['#', 'segment', 'transition', 'segment rate', 'others', 'lost', 'lost / month', 'lost at end', 'q'],
        leaks.findings.map((f, i) => [
          String(i + 1),
          f.segment,
          `${f.fromName} → ${f.toName}`,
          `${pct(f.segmentRate)} of ${formatCount(f.segmentUnits)}`,
          pct(f.restRate),
          formatCount(Math.round(f.lostConversions)),
          f.lostPerMonth === null ? '–' : formatCount(Math.round(f.lostPerMonth)),
          formatCount(Math.round(f.lostFinalConversions)),
          f.qValue < 0.001 ? f.qValue.toExponential(1) : f.qValue.toPrecision(2),
        ]),
      ),
      '',
    );
  }
  parts.push(...leaks.summary.map((s, i) => (leaks.findings.length > 0 ? `${i + 1}. ${s}` : s)));
  parts.push('', ...durationLines(r.durations));
  for (const t of r.instead) parts.push('', ...insteadLines(t));
  parts.push(
    '',
    `${formatCount(leaks.cellsTested)} segment × transition cells tested (false discovery rate ${pct(leaks.alpha)}), ` +
      `${formatCount(leaks.cellsNotEnoughData)} with too little data (< ${leaks.minUnits} units or < 5 expected ` +
      `conversions or drops); ${formatCount(leaks.significantLeaks)} significant leaks, ` +
      `${formatCount(leaks.significantBetter)} segments significantly better than the rest.`,
  );
  return parts.join('\n');
}

const ratio = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** What the units that dropped at one transition did instead, as a few lines. */
function insteadLines(t: DroppedInstead): string[] {
  const lines = [`Dropped between ${t.fromName} and ${t.toName}: ${formatCount(t.dropped)} units.`];
  if (t.dropped === 0) return lines;
  lines.push(
    `  next event: ${t.nextEvents.map((e) => `${e.event} ${formatPercent(e.share)}%`).join(', ')}`,
    '  top paths:',
    ...t.paths.map((p) => `    ${formatCount(p.units).padStart(8)}  ${p.events.join(' → ')}`),
  );
  const c = t.correlation;
  const odds = (type: 'success' | 'failure') =>
    c.events
      .filter((e) => e.type === type)
      .slice(0, 5)
      .map((e) => `${e.event} (odds ratio ${ratio(e.oddsRatio)})`)
      .join(', ') || '–';
  lines.push(
    `  events linked with going on: ${odds('success')}`,
    `  events linked with dropping: ${odds('failure')}${c.skewed ? ' (skewed: one side outnumbers the other over 10:1)' : ''}`,
  );
  return lines;
}

const span = (i: Interval | null) => (i ? `${formatDuration(i.lower)}–${formatDuration(i.upper)}` : '–');
const duration = (x: number | null) => (x === null ? '–' : formatDuration(x));

/** Time between steps: per transition, then the slow segments and the transitions getting slower. */
function durationLines(d: DurationReport): string[] {
  const lines = [
    'Time between steps (conversions only; distribution-free 95% intervals)',
    formatTable(
      ['transition', 'conversions', 'median', '95% interval', 'p80', '95% interval', 'trend'],
      d.transitions.map((t) => [
        `${t.fromName} → ${t.toName}`,
        formatCount(t.units),
        duration(t.medianSeconds),
        span(t.medianInterval),
        duration(t.p80Seconds),
        span(t.p80Interval),
        t.trend
          ? `${t.periods.map((p) => duration(p.medianSeconds)).join(' → ')} (τ ${t.trend.tau.toFixed(3)}, q ${
              t.trend.qValue < 0.001 ? t.trend.qValue.toExponential(1) : t.trend.qValue.toPrecision(2)
            }${t.trend.growing ? ', growing' : ''})`
          : '–',
      ]),
    ),
    '',
    ...d.summary,
    '',
    `${formatCount(d.cellsTested)} segment × transition duration cells tested, ${formatCount(d.cellsNotEnoughData)} ` +
      `with too little data; ${formatCount(d.significantSlower)} significantly slower, ` +
      `${formatCount(d.significantFaster)} significantly faster than everyone else.`,
  ];
  return lines;
}
