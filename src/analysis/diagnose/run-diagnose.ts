import type { ColumnCache } from '../../engine/column-cache.js';
import { exposureEventNames, identityEventNames } from '../../model/bookkeeping-events.js';
import type { FunnelBreakdown, FunnelDefinition } from '../../model/funnel-definition.js';
import { endOfDayUtcMs, localDate, trendBuckets, utcDayMs } from '../calendar.js';
import type { BreakdownEntry, StepReport } from '../funnel/report.js';
import { dataEndUs, dateRange, type RunOptions, runFunnel } from '../funnel/run-funnel.js';
import { entriesByStep, type TransitionUnits } from '../funnel/transition-units.js';
import { labelMask, rowLabels } from '../paths/run-paths.js';
import { type DroppedInstead, droppedInstead } from './instead.js';
import { type LeakReport, rankLeaks, type SegmentCounts } from './leaks.js';
import { type DimensionValues, type DurationReport, rankDurations } from './slowest.js';

export interface DiagnoseSpec {
  /** The funnel (its own breakdown, view and correlation are ignored). */
  definition: FunnelDefinition;
  dimensions: string[];
  /** Also every pair of dimensions as one segment (e.g. device × channel). */
  pairs: boolean;
  alpha: number;
  minUnits: number;
  top: number;
  /** Events after the step in the dropped units' paths, and sequences / next events listed. */
  insteadDepth: number;
  insteadTop: number;
  /** Periods of the duration trend, and how many of the latest it looks at. */
  period: 'week' | 'month';
  recentPeriods: number;
}

export interface DiagnoseReport {
  definitions: string;
  unit: string;
  dateFrom: string;
  dateTo: string;
  dimensions: string[];
  pairs: boolean;
  steps: StepReport[];
  leaks: LeakReport;
  /** Per transition, what the units that dropped there did next; empty for unordered funnels or other units. */
  instead: DroppedInstead[];
  /** How long each transition takes: overall, per recent period (trend) and per segment against the rest. */
  durations: DurationReport;
  stats: { funnelRuns: number; elapsedMs: number };
}

/** A breakdown limit no real dimension reaches: every value is its own segment (none folded into "Other"). */
const everyValue = 1_000_000;

function breakdownOf(properties: string[]): FunnelBreakdown {
  return {
    properties,
    scope: 'event',
    groupType: null,
    // Each unit in exactly one segment per dimension: the value of its first in-funnel event that has one.
    attribution: 'first_touch',
    attributionStep: null,
    limit: everyValue,
    normalizeUrl: properties.includes('path'),
  };
}

/**
 * Runs the funnel once per dimension (and per pair) broken down by it, and ranks the leaks over all their
 * segments. The runs go one after another through the column cache, so each loads only its property columns.
 */
export async function runDiagnose(
  cache: ColumnCache,
  project: string,
  spec: DiagnoseSpec,
  options: RunOptions = {},
): Promise<DiagnoseReport> {
  const started = performance.now();
  const base: FunnelDefinition = { ...spec.definition, view: 'steps', correlation: null, breakdown: null };
  const segments: SegmentCounts[] = [];
  const segmentCounts = (properties: string[], entries: readonly BreakdownEntry[]) => {
    for (const entry of entries) {
      const values = Array.isArray(entry.value) ? entry.value : [entry.value];
      segments.push({ dimensions: properties, values, counts: entry.steps.map((s) => s.count) });
    }
  };
  // One run for every dimension: each a first-touch segmentation of the same pass, which also hands over every
  // unit's steps and segments (what the dropped did instead, the time between steps).
  let units: TransitionUnits | null = null;
  const byDimension: DimensionValues[] = [];
  const report = await runFunnel(cache, project, base, {
    ...options,
    times: false, // the leaks read counts; durations come from the units handed over
    transitions: (u) => {
      units = u;
    },
    segmentations: {
      breakdowns: spec.dimensions.map((d) => breakdownOf([d])),
      receive: (results) => {
        results.forEach(({ labels, entries }, i) => {
          const dimension = spec.dimensions[i] as string;
          segmentCounts([dimension], entries);
          byDimension.push({ dimensions: [dimension], labels, values: i });
        });
      },
    },
  });
  const steps: StepReport[] = report.steps;
  const unit = report.unit;
  let funnelRuns = 1;
  if (spec.pairs) {
    // A pair's values are numbered as the pass meets them: one run each, broken down by both.
    for (const [i, a] of spec.dimensions.entries()) {
      for (const b of spec.dimensions.slice(i + 1)) {
        const pair = await runFunnel(
          cache,
          project,
          { ...base, breakdown: breakdownOf([a, b]) },
          { ...options, times: false },
        );
        segmentCounts([a, b], pair.breakdown ?? []);
        funnelRuns += 1;
      }
    }
  }
  const columns = await cache.get(project);
  const range = dateRange(base, columns);
  const periodDays = (utcDayMs(range.dateTo, 'dateTo') - utcDayMs(range.dateFrom, 'dateFrom')) / 86_400_000 + 1;
  const leaks = rankLeaks(segments, {
    steps: steps.map((s) => ({ name: s.name, optional: s.optional })),
    unit,
    alpha: spec.alpha,
    minUnits: spec.minUnits,
    top: spec.top,
    periodDays,
  });
  const transitionUnits = units as TransitionUnits | null;
  const instead: DroppedInstead[] = [];
  if (transitionUnits) {
    // Page views by their path (the landing-page dimension's column, already loaded when it is a dimension).
    const labels = await rowLabels(columns, true);
    const excluded = labelMask(labels, [...identityEventNames, ...exposureEventNames]);
    const entries = entriesByStep(transitionUnits, base.steps.length);
    for (const t of leaks.transitions) {
      const transition = { fromStep: t.from, toStep: t.to, fromName: t.fromName, toName: t.toName };
      const at = entries[t.from];
      if (!at) continue;
      instead.push(
        droppedInstead(columns.columns, labels, at, transition, {
          depth: spec.insteadDepth,
          top: spec.insteadTop,
          stepEvents: base.steps.flatMap((s) => s.alternatives.flatMap((a) => (a.event === null ? [] : [a.event]))),
          excluded,
        }),
      );
    }
  }
  // With an entry-only range later steps may land after dateTo: the periods run to the end of the data.
  const end = dataEndUs(base, columns);
  const periodsTo = base.entryDateRange ? localDate(end / 1000, base.timezone) : range.dateTo;
  const buckets = trendBuckets(range.dateFrom, periodsTo, spec.period, base.timezone);
  const durations = rankDurations(transitionUnits, byDimension, {
    transitions: leaks.transitions,
    tsUs: columns.columns.tsUs,
    dataEndUs: end,
    windowUs: base.windowSeconds * 1e6,
    periods: {
      startsUs: buckets.startsUtcMs.map((ms) => ms * 1000),
      labels: buckets.labels,
      endUs: endOfDayUtcMs(periodsTo, base.timezone) * 1000,
    },
    recentPeriods: spec.recentPeriods,
    unit,
    alpha: spec.alpha,
    minUnits: spec.minUnits,
    top: spec.top,
  });
  return {
    definitions: 'docs/diagnose.md',
    unit,
    dateFrom: range.dateFrom,
    dateTo: range.dateTo,
    dimensions: spec.dimensions,
    pairs: spec.pairs,
    steps,
    leaks,
    instead,
    durations,
    stats: { funnelRuns, elapsedMs: Math.round(performance.now() - started) },
  };
}
