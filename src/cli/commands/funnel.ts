import { existsSync, readFileSync } from 'node:fs';
import type { FunnelReport, StepReport } from '../../analysis/funnel/report.js';
import { runFunnel } from '../../analysis/funnel/run-funnel.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { parseFunnelDefinition } from '../../model/funnel-definition.js';
import { withStore } from '../open-store.js';
import { type FunnelFormat, formatCount, formatPercent, formatTable, type Output } from '../output.js';

export interface FunnelCommandOptions {
  definition: string;
  events?: string[];
  format?: FunnelFormat;
}

/** `--definition` is a file name or the JSON itself. */
export function readDefinition(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return trimmed;
  if (!existsSync(text)) {
    throw new FunnelscopeError(
      'file_not_found',
      `--definition: no such file ${text} (pass a file or the JSON itself)`,
      {
        field: 'definition',
      },
    );
  }
  return readFileSync(text, 'utf8');
}

/**
 * `funnelscope funnel --definition …`: runs a funnel over the store, or with `--events` over files imported into
 * a throw-away in-memory store.
 */
export async function funnelCommand(config: Config, options: FunnelCommandOptions, output: Output): Promise<number> {
  const definition = parseFunnelDefinition(readDefinition(options.definition));
  const adHoc = (options.events ?? []).length > 0;
  const report = await withStore(adHoc ? { ...config, dbPath: ':memory:' } : config, async (store) => {
    for (const file of options.events ?? []) {
      await store.importFile('events', file, { project: config.project, skipInvalid: false });
    }
    return runFunnel(new ColumnCache(store), config.project, definition, {
      ...(config.threads !== undefined ? { threads: Math.max(1, config.threads) } : {}),
      ...(config.parallelMinEvents !== undefined ? { parallelMinEvents: config.parallelMinEvents } : {}),
    });
  });
  const format = options.format ?? 'json';
  if (format === 'json') output.out(JSON.stringify(report, null, 2));
  else if (format === 'csv') output.out(funnelCsv(report));
  else output.out(funnelTable(report));
  return 0;
}

const percent = (x: number | null) => (x === null ? '–' : `${formatPercent(x)}%`);
const seconds = (s: number | null) => {
  if (s === null) return '–';
  if (s < 120) return `${s.toFixed(0)}s`;
  if (s < 7200) return `${(s / 60).toFixed(1)}m`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86_400).toFixed(1)}d`;
};
const interval = (i: { lower: number; upper: number } | null) =>
  i ? `${formatPercent(i.lower)}–${formatPercent(i.upper)}%` : '–';

function stepRows(steps: readonly StepReport[]): string[][] {
  const top = Math.max(1, ...steps.map((s) => s.count));
  return steps.map((s) => [
    `${s.index + 1}. ${s.name}${s.optional ? ' (optional)' : ''}`,
    formatCount(s.count),
    percent(s.conversionRate),
    interval(s.conversionRateInterval),
    s.index === 0 ? '' : formatCount(s.dropOff),
    seconds(s.medianTimeToConvertSeconds),
    s.index === 0 ? '' : formatCount(s.stillInWindow),
    '█'.repeat(Math.round((s.count / top) * 30)),
  ]);
}

const stepHeader = ['step', 'units', 'conversion', '95% interval', 'dropped', 'median time', 'in window', ''];

export function funnelTable(report: FunnelReport): string {
  const parts = [
    `${report.order} funnel of ${report.unit}s, window ${report.window.amount} ${report.window.unit}(s), ` +
      `${report.dateFrom ?? 'first event'} … ${report.dateTo ?? 'last event'} (${report.timezone})`,
    formatTable(stepHeader, stepRows(report.steps)),
  ];
  for (const entry of report.breakdown ?? []) {
    const label = Array.isArray(entry.value) ? entry.value.join(' / ') : entry.value === '' ? '(none)' : entry.value;
    parts.push(`\n${label}`, formatTable(stepHeader, stepRows(entry.steps)));
  }
  const ttc = report.timeToConvert;
  if (ttc && ttc.bins.length > 0) {
    parts.push(`\ntime to convert, step ${ttc.fromStep + 1} → ${ttc.toStep + 1}: mean ${seconds(ttc.averageSeconds)}`);
    parts.push(
      formatTable(
        ['from', 'units'],
        ttc.bins.map((b) => [seconds(b.start), formatCount(b.count)]),
      ),
    );
  }
  const survival = ttc?.survival;
  if (survival) {
    const band = survival.conversionInWindowInterval;
    parts.push(
      `
Kaplan–Meier: ${percent(survival.conversionInWindow)} convert within the window` +
        `${band ? ` (95% ${interval(band)})` : ''}, counting ${formatCount(survival.censored)} units that did not ` +
        `(yet) for the time they were seen; ` +
        (survival.medianSeconds === null
          ? 'fewer than half convert'
          : `half convert by ${seconds(survival.medianSeconds)}`),
    );
  }
  if (report.trends) {
    parts.push('\ntrend');
    parts.push(
      formatTable(
        ['period', 'entered', 'converted', 'rate'],
        report.trends.map((t) => [
          t.periodStart,
          formatCount(t.entered),
          formatCount(t.converted),
          `${t.rate.toFixed(2)}%`,
        ]),
      ),
    );
  }
  if (report.correlation) {
    const c = report.correlation;
    parts.push(`\ncorrelated events (${c.success} converted, ${c.failure} dropped${c.skewed ? ', skewed' : ''})`);
    parts.push(
      formatTable(
        ['event', 'converted', 'dropped', 'odds ratio'],
        c.events.map((e) => [
          e.event,
          formatCount(e.successCount),
          formatCount(e.failureCount),
          e.oddsRatio.toFixed(2),
        ]),
      ),
    );
  }
  return parts.join('\n');
}

const csvCell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** One row per (breakdown value, step). */
export function funnelCsv(report: FunnelReport): string {
  const header = [
    'breakdown',
    'step',
    'name',
    'event',
    'count',
    'conversion_rate',
    'conversion_rate_lower',
    'conversion_rate_upper',
    'conversion_from_previous',
    'drop_off',
    'avg_time_to_convert_s',
    'median_time_to_convert_s',
  ];
  const sections: [string, StepReport[]][] = [['', report.steps]];
  for (const entry of report.breakdown ?? []) {
    sections.push([Array.isArray(entry.value) ? JSON.stringify(entry.value) : entry.value, entry.steps]);
  }
  const lines = [header.join(',')];
  for (const [value, steps] of sections) {
    for (const s of steps) {
      lines.push(
        [
          report.breakdown && value === '' && steps === report.steps ? '(all)' : value,
          s.index,
          s.name,
          s.event,
          s.count,
          s.conversionRate,
          s.conversionRateInterval?.lower ?? null,
          s.conversionRateInterval?.upper ?? null,
          s.conversionFromPrevious,
          s.dropOff,
          s.avgTimeToConvertSeconds,
          s.medianTimeToConvertSeconds,
        ]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return lines.join('\n');
}
