import { benjaminiHochberg } from '../../stats/multiple-testing.js';
import { newcombeInterval, twoProportionZTest } from '../../stats/two-proportions.js';
import { type Interval, wilsonInterval } from '../../stats/wilson-interval.js';
import { formatCount, formatPercent } from '../format.js';

/**
 * Leak ranking (docs/diagnose.md): for every step transition k → k+1 and every segment (a value of a dimension, or
 * of a pair of dimensions), the segment's conversion against everyone else's who reached step k, the conversions
 * the segment lost relative to them, a two-sided z-test, and Benjamini–Hochberg over every tested cell. Pure.
 */

/** Units of one segment reaching each step (a funnel breakdown entry). */
export interface SegmentCounts {
  /** The dimension(s) the segment is a value of, e.g. ["device_type"] or ["device_type", "channel"]. */
  dimensions: string[];
  /** Its value per dimension; "" = the value is missing. */
  values: string[];
  counts: number[];
}

export interface LeakSpec {
  steps: { name: string; optional: boolean }[];
  /** What a unit is, for the sentences ("person", "group:company", …). */
  unit: string;
  /** False discovery rate for the findings (Benjamini–Hochberg). */
  alpha: number;
  /** A cell is tested only when both the segment and the rest have this many units at step k. */
  minUnits: number;
  /** Findings kept (the largest losses first). */
  top: number;
  /** Days the data covers, to turn losses into losses per month; null when unknown. */
  periodDays: number | null;
}

export interface Transition {
  from: number;
  to: number;
  fromName: string;
  toName: string;
  entered: number;
  converted: number;
  rate: number | null;
  rateInterval: Interval | null;
  dropped: number;
}

export interface LeakFinding {
  dimensions: string[];
  values: string[];
  segment: string;
  from: number;
  to: number;
  fromName: string;
  toName: string;
  segmentUnits: number;
  segmentConverted: number;
  segmentRate: number;
  segmentRateInterval: Interval;
  restUnits: number;
  restConverted: number;
  restRate: number;
  restRateInterval: Interval;
  /** Segment rate − rest rate, with the Newcombe 95% interval. */
  difference: number;
  differenceInterval: Interval;
  /** (rest rate − segment rate) × segment units: conversions the segment would have had at the rest's rate. */
  lostConversions: number;
  lostConversionsInterval: Interval;
  lostPerMonth: number | null;
  lostPerMonthInterval: Interval | null;
  /**
   * The lost conversions carried to the funnel's last step at everyone's rate from step `to` onwards: what the
   * findings are ranked by, so a loss early in the funnel weighs what it would have become.
   */
  lostFinalConversions: number;
  lostFinalConversionsInterval: Interval;
  z: number;
  pValue: number;
  /** Benjamini–Hochberg adjusted p-value over every tested cell. */
  qValue: number;
  sentence: string;
}

export interface LeakReport {
  alpha: number;
  minUnits: number;
  periodDays: number | null;
  transitions: Transition[];
  /** Cells (segment × transition) tested, and those left out for too little data. */
  cellsTested: number;
  cellsNotEnoughData: number;
  /** Cells whose segment converts significantly better than the rest (not leaks; counted, not listed). */
  significantBetter: number;
  /** Significant leaks, the largest loss of last-step conversions first, at most `top`. */
  findings: LeakFinding[];
  /** Significant leaks in all (before `top`). */
  significantLeaks: number;
  /** One plain sentence per finding, or why there is none. */
  summary: string[];
}

/** An average Gregorian month in days. */
export const daysPerMonth = 365.2425 / 12;

/** A normal approximation is trusted when each arm has ≥ 5 expected conversions and ≥ 5 expected drops. */
function enoughData(x1: number, n1: number, x0: number, n0: number, minUnits: number): boolean {
  if (n1 < minUnits || n0 < minUnits) return false;
  const pooled = (x1 + x0) / (n1 + n0);
  return Math.min(n1, n0) * Math.min(pooled, 1 - pooled) >= 5;
}

export function segmentLabel(dimensions: readonly string[], values: readonly string[]): string {
  return dimensions.map((d, i) => `${d} = ${values[i] === '' ? '(none)' : values[i]}`).join(', ');
}

const pct = (x: number) => `${formatPercent(x)}%`;
const points = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${formatPercent(Math.abs(x))}`;

const qText = (q: number) => (q < 0.001 ? q.toExponential(1) : q.toPrecision(2));

function sentence(f: Omit<LeakFinding, 'sentence'>, unit: string, lastName: string): string {
  const loss =
    f.lostPerMonth !== null && f.lostPerMonthInterval
      ? `about ${formatCount(Math.round(f.lostPerMonth))} ${f.toName} a month are lost there (95% CI ` +
        `${formatCount(Math.round(Math.max(0, f.lostPerMonthInterval.lower)))}–${formatCount(Math.round(f.lostPerMonthInterval.upper))})`
      : `about ${formatCount(Math.round(f.lostConversions))} ${f.toName} are lost there (95% CI ` +
        `${formatCount(Math.round(Math.max(0, f.lostConversionsInterval.lower)))}–${formatCount(Math.round(f.lostConversionsInterval.upper))})`;
  const final =
    f.toName === lastName ? '' : ` (≈ ${formatCount(Math.round(f.lostFinalConversions))} ${lastName} in all)`;
  const who = unit === 'person' ? 'People' : 'Units';
  return (
    `${who} with ${f.segment} convert ${f.fromName} → ${f.toName} at ${pct(f.segmentRate)} vs ${pct(f.restRate)} ` +
    `for everyone else (${points(f.difference)} points, 95% CI ${points(f.differenceInterval.lower)} to ` +
    `${points(f.differenceInterval.upper)}; ${formatCount(f.segmentUnits)} units, q = ${qText(f.qValue)}); ${loss}${final}.`
  );
}

export function rankLeaks(segments: readonly SegmentCounts[], spec: LeakSpec): LeakReport {
  const stepCount = spec.steps.length;
  // Each dimension (or pair) partitions the units: its segments add up to everyone.
  const totals = new Map<string, number[]>();
  for (const s of segments) {
    const key = JSON.stringify(s.dimensions);
    const sum = totals.get(key) ?? new Array<number>(stepCount).fill(0);
    s.counts.forEach((c, i) => {
      sum[i] = (sum[i] as number) + c;
    });
    totals.set(key, sum);
  }
  const overall = totals.values().next().value ?? new Array<number>(stepCount).fill(0);
  const pairs: { from: number; to: number }[] = [];
  for (let k = 0; k + 1 < stepCount; k += 1) {
    // Around an optional step, "reached k" does not contain "reached k + 1": no transition to judge.
    if (!spec.steps[k]?.optional && !spec.steps[k + 1]?.optional) pairs.push({ from: k, to: k + 1 });
  }
  const name = (i: number) => spec.steps[i]?.name ?? `step ${i}`;
  const last = stepCount - 1;
  // Of everyone who reached step i, the share that reached the last step.
  const onwards = (i: number) => ((overall[i] as number) > 0 ? (overall[last] as number) / (overall[i] as number) : 0);
  const transitions: Transition[] = pairs.map(({ from, to }) => {
    const entered = overall[from] as number;
    const converted = overall[to] as number;
    return {
      from,
      to,
      fromName: name(from),
      toName: name(to),
      entered,
      converted,
      rate: entered > 0 ? converted / entered : null,
      rateInterval: wilsonInterval(converted, entered),
      dropped: entered - converted,
    };
  });

  type Cell = Omit<LeakFinding, 'qValue' | 'sentence'>;
  const cells: Cell[] = [];
  let notEnough = 0;
  for (const s of segments) {
    const total = totals.get(JSON.stringify(s.dimensions)) as number[];
    for (const { from, to } of pairs) {
      const n1 = s.counts[from] as number;
      const x1 = s.counts[to] as number;
      const n0 = (total[from] as number) - n1;
      const x0 = (total[to] as number) - x1;
      if (!enoughData(x1, n1, x0, n0, spec.minUnits)) {
        notEnough += 1;
        continue;
      }
      const test = twoProportionZTest(x1, n1, x0, n0);
      const difference = newcombeInterval(x1, n1, x0, n0);
      if (!test || !difference) {
        notEnough += 1;
        continue;
      }
      const segmentRate = x1 / n1;
      const restRate = x0 / n0;
      const lost = (restRate - segmentRate) * n1;
      const lostInterval = { lower: -difference.upper * n1, upper: -difference.lower * n1 };
      const perMonth = spec.periodDays && spec.periodDays > 0 ? daysPerMonth / spec.periodDays : null;
      const carried = onwards(to);
      cells.push({
        dimensions: s.dimensions,
        values: s.values,
        segment: segmentLabel(s.dimensions, s.values),
        from,
        to,
        fromName: name(from),
        toName: name(to),
        segmentUnits: n1,
        segmentConverted: x1,
        segmentRate,
        segmentRateInterval: wilsonInterval(x1, n1) as Interval,
        restUnits: n0,
        restConverted: x0,
        restRate,
        restRateInterval: wilsonInterval(x0, n0) as Interval,
        difference: segmentRate - restRate,
        differenceInterval: difference,
        lostConversions: lost,
        lostConversionsInterval: lostInterval,
        lostPerMonth: perMonth === null ? null : lost * perMonth,
        lostPerMonthInterval:
          perMonth === null ? null : { lower: lostInterval.lower * perMonth, upper: lostInterval.upper * perMonth },
        lostFinalConversions: lost * carried,
        lostFinalConversionsInterval: { lower: lostInterval.lower * carried, upper: lostInterval.upper * carried },
        z: test.z,
        pValue: test.pValue,
      });
    }
  }
  const q = benjaminiHochberg(cells.map((c) => c.pValue));
  const significant = cells.map((c, i) => ({ ...c, qValue: q[i] as number })).filter((c) => c.qValue <= spec.alpha);
  const leaks = significant
    .filter((c) => c.difference < 0)
    .sort(
      (a, b) =>
        b.lostFinalConversions - a.lostFinalConversions ||
        b.lostConversions - a.lostConversions ||
        a.segment.localeCompare(b.segment) ||
        a.from - b.from,
    );
  const findings = leaks.slice(0, spec.top).map((c) => ({ ...c, sentence: sentence(c, spec.unit, name(last)) }));
  const summary =
    cells.length === 0
      ? [
          `Not enough data: no segment had ${spec.minUnits} units (and 5 expected conversions and drops) at a step ` +
            'next to everyone else.',
        ]
      : findings.length === 0
        ? [
            `No segment converts significantly worse than everyone else (${formatCount(cells.length)} cells tested, ` +
              `false discovery rate ${pct(spec.alpha)}).`,
          ]
        : findings.map((f) => f.sentence);
  return {
    alpha: spec.alpha,
    minUnits: spec.minUnits,
    periodDays: spec.periodDays,
    transitions,
    cellsTested: cells.length,
    cellsNotEnoughData: notEnough,
    significantBetter: significant.length - leaks.length,
    findings,
    significantLeaks: leaks.length,
    summary,
  };
}
