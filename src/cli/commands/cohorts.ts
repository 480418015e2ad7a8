import { type CohortPeriod, type CohortsReport, runCohorts } from '../../analysis/cohorts/run-cohorts.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { parseFunnelDefinition } from '../../model/funnel-definition.js';
import { cohortsSpec, flagName } from '../../model/report-requests.js';
import { withStore } from '../open-store.js';
import { formatCount, formatPercent, formatTable, type Output } from '../output.js';
import { readDefinition } from './funnel.js';

export interface CohortsCommandOptions {
  definition: string;
  period?: CohortPeriod;
  property?: string;
  retention?: string;
  retentionPeriods?: string;
  retentionPeriod?: CohortPeriod;
  retentionFrom?: 'entry' | 'conversion';
  format?: 'table' | 'json';
}

/** `funnelscope cohorts --definition …`: conversion and retention by entry cohort or property (docs/cohorts.md). */
export async function cohortsCommand(config: Config, options: CohortsCommandOptions, output: Output): Promise<number> {
  const definition = parseFunnelDefinition(readDefinition(options.definition));
  const spec = cohortsSpec(definition, { ...options }, flagName);
  const report = await withStore(config, (store) =>
    runCohorts(new ColumnCache(store), config.project, spec, {
      ...(config.threads !== undefined ? { threads: Math.max(1, config.threads) } : {}),
      ...(config.parallelMinEvents !== undefined ? { parallelMinEvents: config.parallelMinEvents } : {}),
    }),
  );
  output.out((options.format ?? 'table') === 'json' ? JSON.stringify(report, null, 2) : cohortsTable(report));
  return 0;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${formatPercent(x)}%`);

export function cohortsTable(r: CohortsReport): string {
  const by = r.cohortBy === 'property' ? (r.property ?? '') : `${r.cohortBy} of entry`;
  const lines = [
    `Cohorts by ${by}, ${r.dateFrom} … ${r.dateTo}: conversion from entry to each step`,
    formatTable(
      ['cohort', 'units', 'in window', ...r.steps],
      r.cohorts.map((c) => [
        c.cohort,
        formatCount(c.units),
        formatCount(c.stillInWindow),
        ...c.steps.map((s) => `${pct(s.rate)} (${formatCount(s.count)})`),
      ]),
    ),
  ];
  const ret = r.retention;
  if (ret) {
    lines.push(
      '',
      `Retention: ${ret.event} in each ${ret.period} after ${ret.from === 'entry' ? 'entering' : 'converting'}` +
        ' (share of the units whose period has ended; – where none has)',
      formatTable(
        ['cohort', 'units', ...ret.heatmap.x],
        ret.cohorts.map((c) => [c.cohort, formatCount(c.units), ...c.cells.map((cell) => pct(cell?.rate))]),
      ),
    );
  }
  return lines.join('\n');
}
