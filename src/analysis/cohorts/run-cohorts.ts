import type { ColumnCache } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { FunnelBreakdown, FunnelDefinition } from '../../model/funnel-definition.js';
import { bucketIndex, trendBuckets } from '../calendar.js';
import { dataEndUs, dateRange, type RunOptions, runFunnel } from '../funnel/run-funnel.js';
import type { TransitionUnits } from '../funnel/transition-units.js';
import { labelSet, rowLabels } from '../paths/run-paths.js';
import { type CohortRow, conversionGrid, type Heatmap, heatmap, type RetentionRow, retentionGrid } from './cohorts.js';

export type CohortPeriod = 'day' | 'week' | 'month';

/** Fixed period lengths of the retention grid (a month is 30 days), µs. */
export const retentionPeriodUs: Readonly<Record<CohortPeriod, number>> = {
  day: 86_400e6,
  week: 7 * 86_400e6,
  month: 30 * 86_400e6,
};

export interface CohortsSpec {
  /** The funnel (ordered or strict, counted by person); its breakdown and view are ignored. */
  definition: FunnelDefinition;
  /** Cohorts by the calendar period of entry (in the definition's timezone)… */
  period: CohortPeriod;
  /** … or, when set, by this event property (the value of the unit's first in-funnel event that has one). */
  property: string | null;
  retention: {
    /** The returning event (an event name, or a page label such as `$pageview /pricing`). */
    event: string;
    periods: number;
    period: CohortPeriod;
    /** Each unit's retention starts at its entry (step 0) or at its conversion (last step; converted units only). */
    from: 'entry' | 'conversion';
  } | null;
}

export interface CohortsReport {
  definitions: 'docs/cohorts.md';
  cohortBy: CohortPeriod | 'property';
  property: string | null;
  dateFrom: string;
  dateTo: string;
  steps: string[];
  cohorts: CohortRow[];
  /** Conversion from entry per cohort (y) and step (x). */
  heatmap: Heatmap;
  retention: {
    event: string;
    from: 'entry' | 'conversion';
    period: CohortPeriod;
    periodSeconds: number;
    cohorts: RetentionRow[];
    /** Retained share per cohort (y) and period (x). */
    heatmap: Heatmap;
  } | null;
  stats: { units: number; elapsedMs: number };
}

/** Cohort tables of a funnel (docs/cohorts.md): one funnel pass, then the grids over the units it hands over. */
export async function runCohorts(
  cache: ColumnCache,
  project: string,
  spec: CohortsSpec,
  options: RunOptions = {},
): Promise<CohortsReport> {
  const started = performance.now();
  const definition: FunnelDefinition = { ...spec.definition, view: 'steps', correlation: null, breakdown: null };
  if (definition.order === 'unordered' || definition.countBy.type !== 'person') {
    throw new FunnelscopeError(
      'invalid_definition',
      'cohorts: the funnel must be ordered or strict and count persons (order, countBy)',
      { field: definition.order === 'unordered' ? 'order' : 'countBy' },
    );
  }
  const breakdown: FunnelBreakdown | null = spec.property
    ? {
        properties: [spec.property],
        scope: 'event',
        groupType: null,
        attribution: 'first_touch',
        attributionStep: null,
        limit: 1_000_000,
        normalizeUrl: spec.property === 'path',
      }
    : null;
  let units: TransitionUnits | null = null;
  let propertyLabels: string[] = [];
  const report = await runFunnel(cache, project, definition, {
    ...options,
    times: false,
    transitions: (u) => {
      units = u;
    },
    ...(breakdown
      ? {
          segmentations: {
            breakdowns: [breakdown],
            receive: (results) => {
              propertyLabels = results[0]?.labels ?? [];
            },
          },
        }
      : {}),
  });
  const got = units as TransitionUnits | null;
  if (!got) throw new Error('runCohorts: the funnel pass handed over no units');
  const columns = await cache.get(project);
  const range = dateRange(definition, columns);
  const end = dataEndUs(definition, columns);
  const stepNames = report.steps.map((s) => s.name);

  // Each unit's cohort: its entry period, or its property value.
  const cohortOf = new Int32Array(got.unitCount).fill(-1);
  let labels: string[];
  if (spec.property) {
    const values = got.unitValues[0] ?? new Int32Array(0);
    // Largest cohorts first; "" (no value) is "(none)".
    const sizes = new Map<number, number>();
    for (const v of values) sizes.set(v, (sizes.get(v) ?? 0) + 1);
    const order = [...sizes.keys()].sort(
      (a, b) =>
        (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0) || String(propertyLabels[a]).localeCompare(String(propertyLabels[b])),
    );
    const rowOf = new Map(order.map((v, i) => [v, i]));
    values.forEach((v, u) => {
      cohortOf[u] = rowOf.get(v) ?? -1;
    });
    labels = order.map((v) => (propertyLabels[v] ? (propertyLabels[v] as string) : '(none)'));
  } else {
    const buckets = trendBuckets(range.dateFrom, range.dateTo, spec.period, definition.timezone);
    const starts = buckets.startsUtcMs.map((ms) => ms * 1000);
    got.unitEntryUs.forEach((t, u) => {
      cohortOf[u] = bucketIndex(starts, t);
    });
    // Periods nobody entered in stay out of the table.
    const used = new Uint8Array(starts.length);
    for (const c of cohortOf) if (c >= 0) used[c] = 1;
    const rowOf = new Int32Array(starts.length).fill(-1);
    labels = [];
    buckets.labels.forEach((label, i) => {
      if (used[i] === 1) {
        rowOf[i] = labels.length;
        labels.push(label);
      }
    });
    cohortOf.forEach((c, u) => {
      cohortOf[u] = c >= 0 ? (rowOf[c] as number) : -1;
    });
  }

  const cohortUnits = { paths: got.unitPaths, entryUs: got.unitEntryUs, firstRow: got.unitFirstRow };
  const cohorts = conversionGrid(cohortUnits, cohortOf, labels, stepNames.length, {
    windowUs: definition.windowSeconds * 1e6,
    dataEndUs: end,
  });

  let retention: CohortsReport['retention'] = null;
  if (spec.retention) {
    const r = spec.retention;
    if (r.from === 'conversion' && definition.steps.at(-1)?.optional) {
      throw new FunnelscopeError(
        'invalid_argument',
        '--retention-from conversion: the last step is optional, so a path may convert without a time for it',
        { field: 'retention-from' },
      );
    }
    const rowLabelsOfProject = await rowLabels(columns, r.event.startsWith('$pageview '));
    const returningLabels = labelSet(rowLabelsOfProject, r.event, 'retention', true);
    // Returning events are matched on the labels, so a page label (`$pageview /pricing`) works too.
    const returning = new Uint8Array(rowLabelsOfProject.names.length);
    returningLabels.forEach((v, code) => {
      returning[code] = v;
    });
    // From entry, or from the time the path reached the last step (NaN for the units that did not).
    const startUs = r.from === 'entry' || stepNames.length === 1 ? got.unitEntryUs : got.unitConvertUs;
    const periodUs = retentionPeriodUs[r.period];
    const rows = retentionGrid(
      { ...columns.columns, eventCode: rowLabelsOfProject.codes },
      cohortUnits,
      cohortOf,
      labels,
      { startUs, returning, periodUs, periods: r.periods, dataEndUs: end },
    );
    const periodNames = Array.from({ length: r.periods }, (_, i) => `${r.period} ${i}`);
    retention = {
      event: r.event,
      from: r.from,
      period: r.period,
      periodSeconds: periodUs / 1e6,
      cohorts: rows,
      heatmap: heatmap(
        rows,
        (row) => row.cohort,
        periodNames,
        (row, i) => row.cells[i]?.rate ?? null,
      ),
    };
  }

  return {
    definitions: 'docs/cohorts.md',
    cohortBy: spec.property ? 'property' : spec.period,
    property: spec.property,
    dateFrom: range.dateFrom,
    dateTo: range.dateTo,
    steps: stepNames,
    cohorts,
    heatmap: heatmap(
      cohorts,
      (row) => row.cohort,
      stepNames,
      (row, k) => row.steps[k]?.rate ?? null,
    ),
    retention,
    stats: { units: got.unitCount, elapsedMs: Math.round(performance.now() - started) },
  };
}
