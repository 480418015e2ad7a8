import type { ColumnCache, EventSpan, ProjectColumns } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { FunnelBreakdown, FunnelDefinition } from '../../model/funnel-definition.js';
import { bucketIndex, trendBuckets } from '../calendar.js';
import { dataEndUs, dateRange, type RunOptions, runFunnel } from '../funnel/run-funnel.js';
import type { TransitionUnits } from '../funnel/transition-units.js';
import { labelSet, pathValues, rowLabels } from '../paths/run-paths.js';
import {
  type CohortRow,
  ConversionCounts,
  type Heatmap,
  heatmap,
  RetentionCounts,
  type RetentionRow,
} from './cohorts.js';

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

/** The periods cohorts are cut into, from the data's span. */
interface CohortFrame {
  range: { dateFrom: string; dateTo: string };
  end: number;
  starts: number[];
  labels: string[];
}

/**
 * Cohort tables of a funnel (docs/cohorts.md): one funnel pass, and the grids added up over the units it hands
 * over, batch by batch of persons when the store streams the project.
 */
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
  const r = spec.retention;
  if (r?.from === 'conversion' && definition.steps.at(-1)?.optional) {
    throw new FunnelscopeError(
      'invalid_argument',
      '--retention-from conversion: the last step is optional, so a path may convert without a time for it',
      { field: 'retention-from' },
    );
  }
  const stepCount = definition.steps.length;
  const pagePaths = r?.event.startsWith('$pageview ') ?? false;
  const conversion = new ConversionCounts(stepCount);
  const retained = r ? new RetentionCounts(r.periods) : null;
  const periodUs = r ? retentionPeriodUs[r.period] : 0;
  // Set from the data's span with the first units.
  let frame: CohortFrame | null = null;
  let unitCount = 0;
  let propertyLabels: string[] = [];
  // Each unit's cohort slot: its entry period, or its property's value id (the same in every batch). The units
  // come batch by batch of persons when the store streams the project, else all at once (runFunnel).
  const receive = async (units: TransitionUnits, batch: { project: ProjectColumns; span: EventSpan }) => {
    if (!frame) {
      const range = dateRange(definition, { span: batch.span });
      const buckets = trendBuckets(range.dateFrom, range.dateTo, spec.period, definition.timezone);
      frame = {
        range,
        end: dataEndUs(definition, { span: batch.span }),
        starts: buckets.startsUtcMs.map((ms) => ms * 1000),
        labels: buckets.labels,
      };
    }
    const slotOf = new Int32Array(units.unitCount);
    if (spec.property) slotOf.set(units.unitValues[0] ?? []);
    else {
      const starts = frame.starts;
      units.unitEntryUs.forEach((t, u) => {
        slotOf[u] = bucketIndex(starts, t);
      });
    }
    unitCount += units.unitCount;
    const cohortUnits = { paths: units.unitPaths, entryUs: units.unitEntryUs, firstRow: units.unitFirstRow };
    conversion.add(cohortUnits, slotOf, { windowUs: definition.windowSeconds * 1e6, dataEndUs: frame.end });
    if (r && retained) {
      const labels = await rowLabels(batch.project, pagePaths);
      // Returning events are matched on the labels, so a page label (`$pageview /pricing`) works too.
      const returning = new Uint8Array(labels.names.length);
      labelSet(labels, r.event, 'retention', true).forEach((v, code) => {
        returning[code] = v;
      });
      // From entry, or from the time the path reached the last step (NaN for the units that did not).
      const startUs = r.from === 'entry' || stepCount === 1 ? units.unitEntryUs : units.unitConvertUs;
      retained.add({ ...batch.project.columns, eventCode: labels.codes }, cohortUnits, slotOf, {
        startUs,
        returning,
        periodUs,
        periods: r.periods,
        dataEndUs: frame.end,
      });
    }
  };
  const report = await runFunnel(cache, project, definition, {
    ...options,
    times: false,
    unitsPerBatch: { values: pagePaths ? [pathValues] : [], receive },
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
  const framed = frame as CohortFrame | null;
  if (!framed) throw new Error('runCohorts: the funnel pass handed over no units');
  const stepNames = report.steps.map((s) => s.name);

  // The cohorts' rows: by property, the largest first ("" — no value — is "(none)"); by period, the periods in
  // order, leaving out those nobody entered in.
  let slots: number[];
  let labels: string[];
  if (spec.property) {
    slots = propertyLabels.map((_, v) => v).filter((v) => conversion.size(v) > 0);
    slots.sort(
      (a, b) =>
        conversion.size(b) - conversion.size(a) || String(propertyLabels[a]).localeCompare(String(propertyLabels[b])),
    );
    labels = slots.map((v) => (propertyLabels[v] ? (propertyLabels[v] as string) : '(none)'));
  } else {
    slots = framed.labels.map((_, i) => i).filter((i) => conversion.size(i) > 0);
    labels = slots.map((i) => framed.labels[i] as string);
  }
  const cohorts = conversion.rows(slots, labels);

  let retention: CohortsReport['retention'] = null;
  if (r && retained) {
    const rows = retained.rows(slots, labels);
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
  const range = framed.range;

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
    stats: { units: unitCount, elapsedMs: Math.round(performance.now() - started) },
  };
}
