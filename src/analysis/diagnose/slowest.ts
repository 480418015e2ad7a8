import { benjaminiHochberg } from '../../stats/multiple-testing.js';
import { quantileIntervalOf, quantileOf } from '../../stats/quantiles.js';
import { radixOrder } from '../../stats/radix-order.js';
import { countBelow, kendallTauB, mannWhitney, sortedMidRanks } from '../../stats/rank-tests.js';
import type { Interval } from '../../stats/wilson-interval.js';
import { bucketIndex } from '../calendar.js';
import { formatCount, formatDuration } from '../format.js';
import type { TransitionUnits } from '../funnel/transition-units.js';
import { segmentLabel } from './leaks.js';

/**
 * Slowest steps (docs/diagnose.md): how long units take from step k to step k+1 — over everyone, per segment
 * against everyone else (Mann–Whitney, Benjamini–Hochberg over all cells), and per recent period with a trend test
 * (Kendall's τ-b). Durations are those of the units that made the transition; pure.
 */

/** One segmentation of the run: which of `TransitionUnits.unitValues` holds its values, and their labels. */
export interface DimensionValues {
  dimensions: string[];
  /** The index into `unitValues`. */
  values: number;
  /** Value id → label ("" = missing). */
  labels: readonly string[];
}

export interface DurationSpec {
  transitions: { from: number; to: number; fromName: string; toName: string }[];
  /** Event time per store row (µs). */
  tsUs: Float64Array;
  /** The end of the data and the conversion window (µs): a unit is settled once its step k time + window ≤ end. */
  dataEndUs: number;
  windowUs: number;
  /** Period starts (µs) and labels over the data, and where the last period ends, for the trend. */
  periods: { startsUs: number[]; labels: string[]; endUs: number };
  /** How many of the latest periods with settled units the trend looks at. */
  recentPeriods: number;
  unit: string;
  alpha: number;
  /** A segment (and the rest) needs this many durations at a transition to be compared. */
  minUnits: number;
  top: number;
}

export interface DurationFigures {
  /** Units that made the transition (durations). */
  units: number;
  meanSeconds: number | null;
  medianSeconds: number | null;
  /** Distribution-free 95% interval (order statistics); null when too few durations. */
  medianInterval: Interval | null;
  p80Seconds: number | null;
  p80Interval: Interval | null;
}

export interface PeriodDurations extends DurationFigures {
  period: string;
}

export interface TransitionDurations extends DurationFigures {
  from: number;
  to: number;
  fromName: string;
  toName: string;
  /** The latest periods (by the time of step k), settled units only. */
  periods: PeriodDurations[];
  /** Kendall's τ-b between period and duration over those units; null when fewer than 3 periods qualify. */
  trend: {
    tau: number;
    z: number;
    pValue: number;
    /** Benjamini–Hochberg over the transitions' trend tests. */
    qValue: number;
    /** The last period's median over the first's, minus 1. */
    change: number | null;
    growing: boolean;
    sentence: string | null;
  } | null;
}

export interface SlowSegment {
  dimensions: string[];
  values: string[];
  segment: string;
  from: number;
  to: number;
  fromName: string;
  toName: string;
  segmentDurations: DurationFigures;
  restDurations: DurationFigures;
  /** Mann–Whitney: positive z when the segment's durations tend to be longer. */
  z: number;
  pValue: number;
  qValue: number;
  /** (segment median − rest median) × segment units, in days: the size the findings are ranked by. */
  extraDays: number;
  sentence: string;
}

export interface DurationReport {
  transitions: TransitionDurations[];
  /** Segments significantly slower than everyone else, the largest `extraDays` first. */
  findings: SlowSegment[];
  cellsTested: number;
  cellsNotEnoughData: number;
  significantSlower: number;
  significantFaster: number;
  summary: string[];
}

/** Period trend groups need at least this many durations each. */
const minPerPeriod = 5;

/** The figures of a sample of `n` durations given by its order statistics and its sum. */
function figuresOf(n: number, at: (i: number) => number, sum: number): DurationFigures {
  return {
    units: n,
    meanSeconds: n > 0 ? sum / n : null,
    medianSeconds: quantileOf(n, at, 0.5),
    medianInterval: quantileIntervalOf(n, at, 0.5),
    p80Seconds: quantileOf(n, at, 0.8),
    p80Interval: quantileIntervalOf(n, at, 0.8),
  };
}

function sumOf(a: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += a[i] as number;
  return sum;
}

function figures(sorted: Float64Array): DurationFigures {
  return figuresOf(sorted.length, (i) => sorted[i] as number, sumOf(sorted));
}

/**
 * The figures of everyone else: the pooled sorted sample without the segment's sorted values. The (j+1)-th
 * smallest of the rest is the first pooled value with j+1 rest values at or below it (a binary search).
 */
function restFigures(all: Float64Array, segment: Float64Array, allSum: number): DurationFigures {
  const n = all.length - segment.length;
  const restAtMost = (i: number) => {
    const x = all[i] as number;
    return countBelow(all, x, false) - countBelow(segment, x, false);
  };
  const at = (j: number) => {
    let lo = 0;
    let hi = all.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (restAtMost(mid) >= j + 1) hi = mid;
      else lo = mid + 1;
    }
    return all[lo] as number;
  };
  return figuresOf(n, at, allSum - sumOf(segment));
}

/** Per step, the durations (whole µs) of the units that reached the next step, with their start and unit. */
interface StepDurations {
  us: Float64Array;
  /** The time of the step (µs). */
  starts: Float64Array;
  /** The counted unit (an index into each dimension's `unitValues`). */
  units: Int32Array;
}

function durationsByStep(units: TransitionUnits, tsUs: Float64Array, stepCount: number): StepDurations[] {
  const counts = new Int32Array(stepCount);
  for (let i = 0; i < units.step.length; i += 1) {
    const step = units.step[i] as number;
    if (units.converted[i] === 1 && step < stepCount) counts[step] = (counts[step] as number) + 1;
  }
  const out = Array.from(counts, (c) => ({
    us: new Float64Array(c),
    starts: new Float64Array(c),
    units: new Int32Array(c),
  }));
  const at = new Int32Array(stepCount);
  for (let i = 0; i < units.step.length; i += 1) {
    const step = units.step[i] as number;
    if (units.converted[i] !== 1 || step >= stepCount) continue;
    const target = out[step] as StepDurations;
    const j = at[step] as number;
    at[step] = j + 1;
    const start = tsUs[units.rows[i] as number] as number;
    target.us[j] = Math.round((units.endUs[i] as number) - start); // to the microsecond
    target.starts[j] = start;
    target.units[j] = units.unit[i] as number;
  }
  return out;
}

const qText = (q: number) => (q < 0.001 ? q.toExponential(1) : q.toPrecision(2));

/**
 * The latest periods with settled units: the durations grouped by the period of the step's time, each group
 * ascending (taken in the sorted order).
 */
function trendOf(
  spec: DurationSpec,
  durations: StepDurations | null,
  order: Int32Array,
): { periods: PeriodDurations[]; groups: Float64Array[] } {
  const periodOf = new Int32Array(order.length).fill(-1);
  const sizes = new Int32Array(spec.periods.startsUs.length);
  if (durations) {
    for (let i = 0; i < durations.starts.length; i += 1) {
      const t = durations.starts[i] as number;
      if (t + spec.windowUs > spec.dataEndUs) continue; // not settled: a slow conversion may still come
      if (t >= spec.periods.endUs) continue;
      const p = bucketIndex(spec.periods.startsUs, t);
      if (p < 0) continue;
      periodOf[i] = p;
      sizes[p] = (sizes[p] as number) + 1;
    }
  }
  const recent: number[] = [];
  sizes.forEach((size, p) => {
    if (size >= minPerPeriod) recent.push(p);
  });
  const kept = recent.slice(-spec.recentPeriods);
  const groupOf = new Int32Array(sizes.length + 1).fill(-1); // period + 1 → group (-1: not kept)
  kept.forEach((p, g) => {
    groupOf[p + 1] = g;
  });
  const groups = kept.map((p) => new Float64Array(sizes[p] as number));
  const filled = new Int32Array(kept.length);
  for (let k = 0; k < order.length; k += 1) {
    const i = order[k] as number;
    const g = groupOf[(periodOf[i] as number) + 1] as number;
    if (g < 0) continue;
    (groups[g] as Float64Array)[filled[g] as number] = (durations?.us[i] as number) / 1e6;
    filled[g] = (filled[g] as number) + 1;
  }
  return {
    periods: kept.map((p, g) => ({ period: spec.periods.labels[p] ?? '', ...figures(groups[g] as Float64Array) })),
    groups,
  };
}

/** The durations of every transition, overall, per recent period and per segment, with their tests. */
export function rankDurations(
  units: TransitionUnits | null,
  dimensions: readonly DimensionValues[],
  spec: DurationSpec,
): DurationReport {
  const stepCount = Math.max(0, ...spec.transitions.map((t) => t.to + 1));
  if (!units) {
    return {
      transitions: [],
      findings: [],
      cellsTested: 0,
      cellsNotEnoughData: 0,
      significantSlower: 0,
      significantFaster: 0,
      summary: ['Time between steps is measured for ordered and strict funnels counted by person.'],
    };
  }
  const byStep = durationsByStep(units, spec.tsUs, stepCount);
  // One sort per step, for every dimension.
  const shared = byStep.map((d) => {
    const order = radixOrder(d.us);
    const sorted = new Float64Array(order.length);
    for (let i = 0; i < order.length; i += 1) sorted[i] = (d.us[order[i] as number] as number) / 1e6;
    return { order, sorted };
  });
  const transitions: TransitionDurations[] = [];
  const trendTests: { index: number; test: NonNullable<ReturnType<typeof kendallTauB>>; change: number | null }[] = [];
  for (const t of spec.transitions) {
    const overall = byStep[t.from] ?? null;
    const { order, sorted } = shared[t.from] ?? { order: new Int32Array(0), sorted: new Float64Array(0) };
    const trend = trendOf(spec, overall, order);
    transitions.push({ ...t, ...figures(sorted), periods: trend.periods, trend: null });
    const test = trend.groups.length >= 3 ? kendallTauB(trend.groups, true) : null;
    if (test) {
      const a = trend.periods[0]?.medianSeconds ?? null;
      const b = trend.periods.at(-1)?.medianSeconds ?? null;
      trendTests.push({
        index: transitions.length - 1,
        test,
        change: a !== null && b !== null && a > 0 ? b / a - 1 : null,
      });
    }
  }
  const trendQ = benjaminiHochberg(trendTests.map((x) => x.test.pValue));
  trendTests.forEach(({ index, test, change }, i) => {
    const t = transitions[index] as TransitionDurations;
    const qValue = trendQ[i] as number;
    const growing = qValue <= spec.alpha && test.tau > 0;
    const firstPeriod = t.periods[0];
    const lastPeriod = t.periods.at(-1);
    t.trend = {
      tau: test.tau,
      z: test.z,
      pValue: test.pValue,
      qValue,
      change,
      growing,
      sentence:
        growing && firstPeriod && lastPeriod
          ? `${t.fromName} → ${t.toName} is getting slower: median ${formatDuration(firstPeriod.medianSeconds ?? 0)} ` +
            `in the period of ${firstPeriod.period}, ${formatDuration(lastPeriod.medianSeconds ?? 0)} in that of ` +
            `${lastPeriod.period} (Kendall τ = ${test.tau.toFixed(3)} over ${formatCount(t.periods.reduce((s, p) => s + p.units, 0))} ` +
            `settled ${spec.unit}s, q = ${qText(qValue)}).`
          : null,
    };
  });

  // Segment cells: every value of every dimension at every transition, against everyone else. The tests need only
  // each value's size and rank sum, read front to back in unit order; the durations of a segment are gathered and
  // sorted only for the cells that become findings.
  interface Cell {
    dimension: DimensionValues;
    transition: (typeof spec.transitions)[number];
    value: number;
    size: number;
    z: number;
    pValue: number;
  }
  const cells: Cell[] = [];
  const perTransition = new Map<number, { sorted: Float64Array; allSum: number }>();
  let notEnough = 0;
  for (const t of spec.transitions) {
    const durations = byStep[t.from];
    const n = durations?.us.length ?? 0;
    if (!durations || n === 0) continue;
    const { order, sorted } = shared[t.from] as { order: Int32Array; sorted: Float64Array };
    perTransition.set(t.from, { sorted, allSum: sumOf(sorted) });
    // Shared by every dimension: the rank of each duration, in unit order.
    const { ranks, tieTerm } = sortedMidRanks(sorted);
    const rankOf = new Float64Array(n);
    for (let i = 0; i < n; i += 1) rankOf[order[i] as number] = ranks[i] as number;
    for (const d of dimensions) {
      const unitValues = units?.unitValues[d.values];
      if (!unitValues) continue;
      let valueCount = d.labels.length;
      for (let j = 0; j < n; j += 1) {
        const v = unitValues[durations.units[j] as number] as number;
        if (v >= valueCount) valueCount = v + 1;
      }
      const sizes = new Int32Array(valueCount);
      const rankSums = new Float64Array(valueCount);
      for (let j = 0; j < n; j += 1) {
        const v = unitValues[durations.units[j] as number] as number;
        sizes[v] = (sizes[v] as number) + 1;
        rankSums[v] = (rankSums[v] as number) + (rankOf[j] as number);
      }
      for (let value = 0; value < valueCount; value += 1) {
        const size = sizes[value] as number;
        if (size === 0) continue;
        if (size < spec.minUnits || n - size < spec.minUnits) {
          notEnough += 1;
          continue;
        }
        const test = mannWhitney(rankSums[value] as number, size, n, tieTerm);
        if (test) cells.push({ dimension: d, transition: t, value, size, z: test.z, pValue: test.pValue });
      }
    }
  }
  const q = benjaminiHochberg(cells.map((c) => c.pValue));
  const significant = cells.map((c, i) => ({ ...c, qValue: q[i] as number })).filter((c) => c.qValue <= spec.alpha);
  const slowerCells = significant.filter((c) => c.z > 0);
  // The durations of each slower segment, gathered in one pass per transition and dimension that has any.
  const segmentsOf = new Map<string, Map<number, { values: Float64Array; filled: number }>>();
  for (const c of slowerCells) {
    const key = `${c.transition.from} ${c.dimension.values}`;
    const wanted = segmentsOf.get(key) ?? new Map<number, { values: Float64Array; filled: number }>();
    wanted.set(c.value, { values: new Float64Array(c.size), filled: 0 });
    segmentsOf.set(key, wanted);
  }
  for (const [key, wanted] of segmentsOf) {
    const [from, dimension] = key.split(' ').map(Number) as [number, number];
    const durations = byStep[from] as StepDurations;
    const unitValues = units.unitValues[dimension] as Int32Array;
    for (let j = 0; j < durations.us.length; j += 1) {
      const segment = wanted.get(unitValues[durations.units[j] as number] as number);
      if (segment) segment.values[segment.filled++] = (durations.us[j] as number) / 1e6;
    }
    for (const segment of wanted.values()) segment.values.sort();
  }
  const slower = slowerCells
    .map((c): Omit<SlowSegment, 'sentence'> => {
      const t = c.transition;
      const { sorted, allSum } = perTransition.get(t.from) as { sorted: Float64Array; allSum: number };
      const segment = segmentsOf.get(`${t.from} ${c.dimension.values}`)?.get(c.value)?.values as Float64Array;
      const segmentDurations = figures(segment);
      const restDurations = restFigures(sorted, segment, allSum);
      const labelValues = [c.dimension.labels[c.value] ?? ''];
      return {
        dimensions: c.dimension.dimensions,
        values: labelValues,
        segment: segmentLabel(c.dimension.dimensions, labelValues),
        ...t,
        segmentDurations,
        restDurations,
        z: c.z,
        pValue: c.pValue,
        qValue: c.qValue,
        extraDays: (((segmentDurations.medianSeconds ?? 0) - (restDurations.medianSeconds ?? 0)) * c.size) / 86_400,
      };
    })
    .sort((a, b) => b.extraDays - a.extraDays || a.segment.localeCompare(b.segment) || a.from - b.from);
  const findings = slower.slice(0, spec.top).map((c) => ({ ...c, sentence: slowSentence(c, spec.unit) }));
  const growing = transitions.flatMap((t) => (t.trend?.sentence ? [t.trend.sentence] : []));
  const summary = [
    ...(cells.length === 0
      ? [
          `Not enough data to compare durations: no segment had ${spec.minUnits} conversions at a step next to everyone else.`,
        ]
      : findings.length === 0
        ? [`No segment is significantly slower than everyone else (${formatCount(cells.length)} cells tested).`]
        : findings.map((f) => f.sentence)),
    ...growing,
  ];
  return {
    transitions,
    findings,
    cellsTested: cells.length,
    cellsNotEnoughData: notEnough,
    significantSlower: slower.length,
    significantFaster: significant.length - slower.length,
    summary,
  };
}

function slowSentence(c: Omit<SlowSegment, 'sentence'>, unit: string): string {
  const interval = c.segmentDurations.medianInterval
    ? ` (95% CI ${formatDuration(c.segmentDurations.medianInterval.lower)}–${formatDuration(c.segmentDurations.medianInterval.upper)})`
    : '';
  return (
    `${unit === 'person' ? 'People' : `Units (${unit})`} with ${c.segment} take a median ` +
    `${formatDuration(c.segmentDurations.medianSeconds ?? 0)}${interval} from ${c.fromName} to ${c.toName} vs ` +
    `${formatDuration(c.restDurations.medianSeconds ?? 0)} for everyone else; 80% within ` +
    `${formatDuration(c.segmentDurations.p80Seconds ?? 0)} vs ${formatDuration(c.restDurations.p80Seconds ?? 0)} ` +
    `(${formatCount(c.segmentDurations.units)} conversions, q = ${qText(c.qValue)}).`
  );
}
