import type { FunnelDefinition } from '../../model/funnel-definition.js';
import { sectionOf } from '../../model/funnel-stages.js';
import { kaplanMeier, survivalAt } from '../../stats/kaplan-meier.js';
import { mean, medianInPlace } from '../../stats/summary.js';
import { wilsonInterval } from '../../stats/wilson-interval.js';
import type { FunnelTally } from './funnel-tally.js';
import type {
  CorrelationEvent,
  CorrelationReport,
  StageRollup,
  StepReport,
  SurvivalReport,
  TimeToConvertReport,
  TrendPoint,
} from './report.js';

/** The per-step rows of a tally (FUNNEL-SEMANTICS §5: conversion reference, drop-off, conversion times). */
export function stepReports(tally: FunnelTally, definition: FunnelDefinition): StepReport[] {
  const first = tally.counts[0] ?? 0;
  const openFirst = tally.open[0] ?? 0;
  const settledFirst = first - openFirst;
  return definition.steps.map((step, k) => {
    const count = tally.counts[k] ?? 0;
    const previous = k === 0 ? count : (tally.counts[k - 1] ?? 0);
    const reference = definition.conversionReference === 'total' ? first : previous;
    const rate = reference > 0 ? count / reference : null;
    const fromPrevious = previous > 0 ? count / previous : null;
    const gaps = tally.gaps[k]?.values() ?? new Float64Array(0);
    return {
      index: k,
      name: step.name ?? step.event ?? 'Any event',
      event: step.event,
      stage: step.stage ?? null,
      optional: step.optional,
      count,
      conversionRate: rate,
      // A rate above 1 (optional steps) has no binomial interval.
      conversionRateInterval: rate !== null && rate <= 1 ? wilsonInterval(count, reference) : null,
      conversionFromPrevious: fromPrevious,
      conversionFromPreviousInterval:
        fromPrevious !== null && fromPrevious <= 1 ? wilsonInterval(count, previous) : null,
      dropOff: k === 0 ? 0 : previous - count,
      dropOffRate: fromPrevious === null ? null : 1 - fromPrevious,
      avgTimeToConvertSeconds: k === 0 ? null : mean(gaps),
      // Last use of the sample: the median may reorder it in place.
      medianTimeToConvertSeconds: k === 0 ? null : medianInPlace(gaps),
      stillInWindow: k === 0 ? 0 : openFirst - (tally.open[k] ?? 0),
      settledConversionRate: settledFirst > 0 ? (count - (tally.open[k] ?? 0)) / settledFirst : null,
      settledConversionRateInterval:
        settledFirst > 0 && count - (tally.open[k] ?? 0) <= settledFirst
          ? wilsonInterval(count - (tally.open[k] ?? 0), settledFirst)
          : null,
    };
  });
}

/**
 * The time-to-convert histogram: bins = clamp(ceil(cbrt(n)), 1, 60) or the definition's (1–90); from floor(min) in
 * steps of ceil((ceil(max) − floor(min)) ÷ bins) (60 s when that is 0); bins + 1 starts; a gap t falls in bin
 * floor((t − floor(min)) ÷ width), so the slowest converter sits at the closing start.
 */
export function timeToConvertReport(
  gaps: Float64Array,
  fromStep: number,
  toStep: number,
  customBins: number | null,
  survival: SurvivalReport | null = null,
): TimeToConvertReport {
  const n = gaps.length;
  if (n === 0) return { fromStep, toStep, converters: 0, bins: [], averageSeconds: null, survival };
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of gaps) {
    if (g < lo) lo = g;
    if (g > hi) hi = g;
  }
  const min = Math.floor(lo);
  const max = Math.ceil(hi);
  const binCount = customBins ?? Math.min(60, Math.max(1, Math.ceil(Math.cbrt(n))));
  const width = Math.ceil((max - min) / binCount) || 60;
  const counts = new Array<number>(binCount + 1).fill(0);
  for (const g of gaps) {
    const bin = Math.min(binCount, Math.floor((g - min) / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return {
    fromStep,
    toStep,
    converters: n,
    bins: counts.map((count, k) => ({ start: min + k * width, count })),
    averageSeconds: mean(gaps),
    survival,
  };
}

export function trendPoints(tally: FunnelTally, labels: readonly string[]): TrendPoint[] {
  return labels.map((periodStart, b) => {
    const entered = tally.entered[b] ?? 0;
    const converted = tally.converted[b] ?? 0;
    return {
      periodStart,
      entered,
      converted,
      rate: entered > 0 ? Math.round((converted / entered) * 100 * 100) / 100 : 0,
      rateInterval: wilsonInterval(converted, entered),
    };
  });
}

/**
 * Event correlation (FUNNEL-SEMANTICS §5): for each event, converted (s of S) and dropped (f of F) units that did
 * it; odds ratio ((s+1)(F−f+1)) ÷ ((S−s+1)(f+1)); events done by fewer than min(25, 2% of all units) left out; the
 * ten strongest of each direction, strongest first.
 */
export function correlationReport(
  success: number,
  failure: number,
  perEvent: ReadonlyMap<string, { s: number; f: number }>,
): CorrelationReport {
  // With nobody on one side there is nothing to compare (PostHog: no events, flagged skewed).
  if (success === 0 || failure === 0) return { success, failure, skewed: true, events: [] };
  const threshold = Math.min(25, 0.02 * (success + failure));
  const rows: CorrelationEvent[] = [];
  for (const [event, { s, f }] of perEvent) {
    if (s + f < threshold) continue;
    const oddsRatio = ((s + 1) * (failure - f + 1)) / ((success - s + 1) * (f + 1));
    rows.push({ event, successCount: s, failureCount: f, oddsRatio, type: oddsRatio > 1 ? 'success' : 'failure' });
  }
  const positive = rows
    .filter((r) => r.type === 'success')
    .sort((a, b) => b.oddsRatio - a.oddsRatio || a.event.localeCompare(b.event))
    .slice(0, 10);
  const negative = rows
    .filter((r) => r.type === 'failure')
    .sort((a, b) => a.oddsRatio - b.oddsRatio || a.event.localeCompare(b.event))
    .slice(0, 10);
  const skewed = success > 10 * failure || failure > 10 * success;
  return { success, failure, skewed, events: [...positive, ...negative] };
}

/**
 * The steps rolled up by stage (docs/funnels.md): each stage that a step names, in step order, counts the units
 * that reached its first step; its conversion is that count over the previous stage's. Null without stages.
 */
export function stageRollup(steps: readonly StepReport[]): StageRollup[] | null {
  const rollup: StageRollup[] = [];
  for (const step of steps) {
    const stage = step.stage as keyof typeof sectionOf | null;
    if (!stage || rollup.some((r) => r.stage === stage)) continue;
    const previous = rollup.at(-1);
    const rate = previous && previous.count > 0 ? step.count / previous.count : null;
    rollup.push({
      stage,
      section: sectionOf[stage],
      firstStep: step.index,
      count: step.count,
      conversionFromPrevious: rate,
      conversionFromPreviousInterval:
        previous && rate !== null && rate <= 1 ? wilsonInterval(step.count, previous.count) : null,
    });
  }
  return rollup.length > 0 ? rollup : null;
}

/** Curve points kept in a report. */
const survivalPoints = 200;

/**
 * Kaplan–Meier of the time from fromStep to toStep (STATISTICS.md): converters are events at their time to
 * convert; the others are censored when their window closed or, still in it, at the end of the data.
 */
export function survivalReport(converted: Float64Array, censored: Float64Array, windowSeconds: number): SurvivalReport {
  const times = new Float64Array(converted.length + censored.length);
  times.set(converted);
  times.set(censored, converted.length);
  const events = Array.from({ length: times.length }, (_, i) => i < converted.length);
  const curve = kaplanMeier(times, events);
  const { points } = curve;
  const keep =
    points.length <= survivalPoints
      ? points
      : Array.from(
          { length: survivalPoints },
          (_, i) => points[Math.round((i * (points.length - 1)) / (survivalPoints - 1))] as (typeof points)[number],
        );
  let atWindow: (typeof points)[number] | null = null;
  for (const p of points) {
    if (p.time > windowSeconds) break;
    atWindow = p;
  }
  return {
    units: curve.units,
    converted: curve.events,
    censored: curve.censored,
    curve: keep.map((p) => ({
      seconds: p.time,
      atRisk: p.atRisk,
      conversion: 1 - p.survival,
      lower: p.upper === null ? null : 1 - p.upper,
      upper: p.lower === null ? null : 1 - p.lower,
    })),
    conversionInWindow: 1 - survivalAt(curve, windowSeconds),
    conversionInWindowInterval:
      atWindow && atWindow.lower !== null && atWindow.upper !== null
        ? { lower: 1 - atWindow.upper, upper: 1 - atWindow.lower }
        : null,
    medianSeconds: curve.median,
  };
}
