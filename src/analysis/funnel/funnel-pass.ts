import { type BreakdownColumns, type BreakdownValues, breakdownValues } from '../../engine/breakdown-values.js';
import {
  buildFunnelStream,
  type FunnelInputs,
  firstPersonFrom,
  type StreamSource,
} from '../../engine/funnel-stream.js';
import { GapKernel } from '../../engine/gap-kernel.js';
import { type KernelColumns, OrderedKernel, type UnitOutcome, type ValueScope } from '../../engine/ordered-kernel.js';
import { type TrendOutcome, TrendsKernel } from '../../engine/trends-kernel.js';
import { UnorderedKernel } from '../../engine/unordered-kernel.js';
import { type FunnelDefinition, secondsPerUnit } from '../../model/funnel-definition.js';
import { bucketIndex } from '../calendar.js';
import { FunnelTally, type TallyData } from './funnel-tally.js';
import { TransitionCollector, type TransitionUnits } from './transition-units.js';

interface Kernel extends UnitOutcome {
  run(begin: number, end: number, scope: ValueScope | null, unitBits?: number): unknown;
}

/** Everything one pass needs besides the columns: plain data, so it can be posted to a worker. */
export interface PassRequest {
  definition: FunnelDefinition;
  inputs: FunnelInputs;
  breakdown: BreakdownColumns | null;
  /** Only these persons (a part of a parallel run); all when null. */
  personRange: [number, number] | null;
  /** Trend period starts (µs), for the trends view. */
  trendStartsUs: number[] | null;
  /** The end of the data (µs) for right-censoring, and whether to keep censoring times (time_to_convert view). */
  censoring: { dataEndUs: number; survival: boolean } | null;
  /**
   * For "what dropped units did instead" (docs/diagnose.md): for every person unit and every step but the last
   * that its counted path reached, the store row of that step, whether the path went on to the next step, and
   * where its look at "what came next" ends. False: none collected.
   */
  transitions?: boolean;
  /**
   * More breakdowns of the same run, each one event property with `first_touch` attribution (a diagnosis): every
   * counted unit adds to the tally of its value in each, with one stream and one kernel run for all of them.
   */
  segmentations?: BreakdownColumns[] | null;
  /** The `holdConstant` property's values (one property, event scope); null when the definition holds none. */
  hold?: BreakdownColumns | null;
  /** False: count units only, without conversion times (the step reports then have no times). Default true. */
  times?: boolean;
}

export interface PassResult {
  units: number;
  total: TallyData;
  /** Per breakdown value id. */
  byValue: (TallyData | null)[];
  /** Breakdown labels when they were made during the pass (several properties); else the request's. */
  labels: (string | string[])[] | null;
  correlation: { s: Float64Array; f: Float64Array; success: number; failure: number } | null;
  /** The units asked for by `transition`, in person order. */
  transition: TransitionUnits | null;
  /** Per segmentation, per value id: its tally. */
  segments: (TallyData | null)[][] | null;
}

/** Rows per block of a blocked pass: its work arrays (about 24 bytes a row) stay in the core's cache. */
const blockRows = 1 << 15;
const emptyF64 = new Float64Array(0);
const emptyI32 = new Int32Array(0);

/**
 * Whether a pass may go block by block of persons: only when a unit is a person (other units may span persons)
 * and breakdown value ids are fixed before the pass (several properties number their tuples as they meet them).
 */
export function blockable(
  definition: FunnelDefinition,
  breakdown: BreakdownColumns | null,
  segmentations: readonly BreakdownColumns[] = [],
): boolean {
  return (
    definition.countBy.type === 'person' &&
    (!breakdown || breakdown.single !== null) &&
    segmentations.every((s) => s.single !== null)
  );
}

/**
 * The person ranges a pass walks: blocks of about `blockRows` events (whole persons), so the stream built for a
 * block is still in cache when the kernel reads it, instead of one stream of the whole range written out to
 * memory and read back; or the whole range as one block when the pass cannot be split.
 */
function* personBlocks(
  source: StreamSource,
  request: PassRequest,
  split: boolean,
): Generator<{ personRange?: readonly [number, number] }> {
  const { personStarts, personCount } = source.columns;
  const [first, end] = request.personRange ?? [0, personCount];
  if (!split) {
    yield request.personRange ? { personRange: [first, end] } : {};
    return;
  }
  let p = first;
  while (p < end) {
    // The first person whose events start at least blockRows after this block's start (at least one person).
    const next = firstPersonFrom(personStarts, p + 1, end, (personStarts[p] as number) + blockRows);
    yield { personRange: [p, next] };
    p = next;
  }
}

/** The best of several kernel runs over one unit (holding a property constant: one run per value). */
class HeldOutcome implements UnitOutcome {
  counted = false;
  pathBits = 0;
  timingCount = 0;
  readonly timings: Float64Array;
  readonly timingSteps: Int32Array;

  constructor(stepCount: number) {
    this.timings = new Float64Array(stepCount);
    this.timingSteps = new Int32Array(stepCount);
  }

  reset(): void {
    this.counted = false;
    this.pathBits = 0;
    this.timingCount = 0;
  }

  /**
   * Keeps `o` (a run whose step 0 is step `shift` of the funnel) when it goes further, or as far from an earlier
   * entry step, or as far from the same entry but reaches its furthest step sooner.
   */
  keepBetter(o: UnitOutcome, shift = 0): void {
    if (!o.counted) return;
    const bits = o.pathBits << shift;
    if (this.counted) {
      const mine = 31 - Math.clz32(this.pathBits);
      const theirs = 31 - Math.clz32(bits);
      if (theirs < mine) return;
      if (theirs === mine) {
        const myEntry = 31 - Math.clz32(this.pathBits & -this.pathBits);
        const theirEntry = 31 - Math.clz32(bits & -bits);
        if (theirEntry > myEntry) return;
        if (
          theirEntry === myEntry &&
          (o.timings[o.timingCount - 1] as number) >= (this.timings[this.timingCount - 1] as number)
        ) {
          return;
        }
      }
    }
    this.counted = true;
    this.pathBits = bits;
    this.timingCount = o.timingCount;
    for (let j = 0; j < o.timingCount; j += 1) {
      this.timings[j] = o.timings[j] as number;
      this.timingSteps[j] = (o.timingSteps[j] as number) + shift;
    }
  }
}

/** `bits` of the first `length` positions shifted down by `by`, then masked (a scratch buffer named `name`). */
function shiftedBits(
  source: StreamSource,
  name: string,
  bits: Int32Array,
  length: number,
  by: number,
  mask = -1,
): Int32Array {
  const out = source.scratch.i32(name, length);
  for (let i = 0; i < length; i += 1) out[i] = ((bits[i] as number) >>> by) & mask;
  return out;
}

/** Per step, the least and most time (µs) since the previous step (`steps[k].gap`; 0 and ∞ when not set). */
function stepGaps(definition: FunnelDefinition): { minGapUs: Float64Array; maxGapUs: Float64Array } {
  const us = (g: { amount: number; unit: keyof typeof secondsPerUnit } | null | undefined, fallback: number) =>
    g ? g.amount * secondsPerUnit[g.unit] * 1e6 : fallback;
  return {
    minGapUs: Float64Array.from(definition.steps, (s) => us(s.gap?.min, 0)),
    maxGapUs: Float64Array.from(definition.steps, (s) => us(s.gap?.max, Infinity)),
  };
}

/**
 * One pass of a funnel over a range of persons: builds the stream, walks every unit through the kernel of its
 * order mode, and adds up steps, conversion times, time to convert, trends, breakdown and correlation. Pure and
 * synchronous; a parallel run gives each worker a range of persons and adds the results.
 */
export function runFunnelPass(source: StreamSource, request: PassRequest): PassResult {
  const { definition, inputs } = request;
  const breakdown = definition.breakdown;
  const breakdownColumns = request.breakdown;
  const n = definition.steps.length;
  const strict = definition.order === 'strict';
  const streamOptions = {
    allEvents: strict || definition.correlation !== null,
    persons: breakdown?.scope === 'person' || definition.countBy.type === 'person_property',
  };
  const windowUs = definition.windowSeconds * 1e6;
  const optionalMask = definition.steps.reduce((m, s, k) => (s.optional ? m | (1 << k) : m), 0);
  // The kernels read the current block's arrays through this object.
  const columns: KernelColumns = { ts: emptyF64, steps: emptyI32, exclusions: emptyI32 };
  const gaps = definition.steps.some((s) => s.gap) ? stepGaps(definition) : null;
  const newKernel = (): Kernel =>
    definition.order === 'unordered'
      ? new UnorderedKernel(columns, { stepCount: n, windowUs })
      : gaps
        ? new GapKernel(columns, { stepCount: n, windowUs, ...gaps })
        : new OrderedKernel(columns, {
            stepCount: n,
            windowUs,
            strict,
            optionalMask,
            exclusions: definition.exclusions.length > 0,
          });

  const starts = request.trendStartsUs;
  const trend = starts ? { bucketOf: (tsUs: number) => bucketIndex(starts, tsUs) } : null;
  const bucketCount = starts?.length ?? 0;
  const { fromStep, toStep } = definition;
  const trendsKernel =
    trend && definition.order !== 'unordered'
      ? new TrendsKernel(columns, { stepCount: n, windowUs, strict, fromStep, toStep, bucketOf: trend.bucketOf })
      : null;
  const trendOut: TrendOutcome = { buckets: [], converted: [] };
  const addTrends = (
    tally: FunnelTally,
    outcome: UnitOutcome,
    begin: number,
    end: number,
    scope: ValueScope | null,
  ) => {
    if (!trend) return;
    if (trendsKernel) {
      trendsKernel.run(begin, end, scope, trendOut);
      trendOut.buckets.forEach((b, i) => {
        tally.addTrend(b, trendOut.converted[i] === true);
      });
    } else if (outcome.counted && outcome.timingCount > fromStep) {
      // Unordered: the unit's counted window, in the period of its first event.
      const b = trend.bucketOf(outcome.timings[0] as number);
      if (b >= 0) tally.addTrend(b, outcome.timingCount > toStep);
    }
  };

  const censoring = request.censoring ? { ...request.censoring, windowUs } : null;
  const kernel = newKernel();
  // Open funnels: one kernel per entry step e > 0 (not optional), over the step bits shifted down by e.
  const openEntries = definition.open ? definition.steps.flatMap((s, e) => (e > 0 && !s.optional ? [e] : [])) : [];
  const openKernels = openEntries.map((e) => {
    const shifted: KernelColumns = { ts: emptyF64, steps: emptyI32, exclusions: emptyI32 };
    return {
      entry: e,
      columns: shifted,
      kernel: new OrderedKernel(shifted, {
        stepCount: n - e,
        windowUs,
        strict,
        optionalMask: optionalMask >>> e,
        exclusions: definition.exclusions.length > 0,
      }),
    };
  });
  const times = request.times !== false;
  const total = new FunnelTally(n, bucketCount, censoring, times);
  const byValue: (FunnelTally | undefined)[] = [];
  const tallyOf = (value: number) => {
    let t = byValue[value];
    if (!t) {
      t = new FunnelTally(n, bucketCount, censoring, times);
      byValue[value] = t;
    }
    return t;
  };
  const breakdownKernel =
    breakdown && (breakdown.attribution === 'step' || breakdown.attribution === 'all_events') ? newKernel() : null;
  const candidates: number[] = [];

  // Correlation: per event name, the units (converted / dropped) that did it between entering and converting.
  const correlation = definition.correlation;
  const eventNames = source.columns.eventNames;
  const correlated = correlation
    ? (() => {
        const skip = new Uint8Array(eventNames.length);
        const names = new Set([
          ...definition.steps.flatMap((s) => s.alternatives.map((a) => a.event)),
          ...correlation.excludeEvents,
        ]);
        eventNames.forEach((name, code) => {
          if (names.has(name)) skip[code] = 1;
        });
        return {
          skip,
          seen: new Int32Array(eventNames.length).fill(-1),
          s: new Float64Array(eventNames.length),
          f: new Float64Array(eventNames.length),
          success: 0,
          failure: 0,
        };
      })()
    : null;

  const lastBit = 1 << (n - 1);
  const segmentations = request.segmentations ?? [];
  const segmentTallies: (FunnelTally | undefined)[][] = segmentations.map(() => []);
  const segmentValues = new Int32Array(segmentations.length);
  const transition =
    request.transitions && definition.countBy.type === 'person' && definition.order !== 'unordered'
      ? new TransitionCollector(
          n,
          windowUs,
          segmentations.length,
          request.personRange ? request.personRange[1] - request.personRange[0] : source.columns.personCount,
        )
      : null;
  let unitsBefore = 0;
  let labels: (string | string[])[] | null = null;
  const hold = request.hold ?? null;
  const attempts = definition.counting === 'attempts';
  const held = new HeldOutcome(n);
  const holdCandidates: number[] = [];
  for (const block of personBlocks(
    source,
    request,
    blockable(definition, breakdownColumns, hold ? [...segmentations, hold] : segmentations),
  )) {
    const stream = buildFunnelStream(source, definition, inputs, { ...streamOptions, ...block });
    columns.ts = stream.ts;
    columns.steps = stream.steps;
    columns.exclusions = stream.exclusions;
    for (const o of openKernels) {
      o.columns.ts = stream.ts;
      o.columns.steps = shiftedBits(source, `open steps ${o.entry}`, stream.steps, stream.length, o.entry);
      // An exclusion guarding the way into the entry step itself has nothing to guard for an entry there.
      o.columns.exclusions = shiftedBits(
        source,
        `open exclusions ${o.entry}`,
        stream.exclusions,
        stream.length,
        o.entry,
        ~1,
      );
    }
    const values: BreakdownValues | null = breakdownColumns
      ? breakdownValues(stream, breakdownColumns, source.scratch.i32('breakdown', stream.length))
      : null;
    if (values && !breakdownColumns?.single) labels = values.labels;
    const holdValueAt = hold ? breakdownValues(stream, hold, source.scratch.i32('hold', stream.length)).valueAt : null;
    const segmentValueAt = segmentations.map(
      (columns, s) => breakdownValues(stream, columns, source.scratch.i32(`segmentation ${s}`, stream.length)).valueAt,
    );
    for (let u = 0; u < stream.unitCount; u += 1) {
      const begin = stream.unitStarts[u] as number;
      const end = stream.unitStarts[u + 1] as number;
      const unit = unitsBefore + u;
      if (attempts) {
        // One attempt after another: each runs over the events after the previous one ended (its conversion, or
        // the end of its window), and counts as a unit of its own.
        let from = begin;
        while (from < end) {
          kernel.run(from, end, null);
          if (!kernel.counted) break;
          total.addOutcome(kernel, fromStep, toStep);
          const converted = (kernel.pathBits & lastBit) !== 0;
          const attemptEnd = converted
            ? (kernel.timings[kernel.timingCount - 1] as number)
            : (kernel.timings[0] as number) + windowUs;
          while (from < end && (stream.ts[from] as number) <= attemptEnd) from += 1;
        }
        continue;
      }
      let outcome: UnitOutcome = kernel;
      if (holdValueAt) {
        // Every path keeps one value: the unit's best path over the values its step events carry.
        holdCandidates.length = 0;
        for (let i = begin; i < end; i += 1) {
          const v = holdValueAt[i] as number;
          if (v !== 0 && stream.steps[i] !== 0 && !holdCandidates.includes(v)) holdCandidates.push(v);
        }
        held.reset();
        for (const value of holdCandidates) {
          kernel.run(begin, end, { valueAt: holdValueAt, value, onlyMatching: true, step: -1 });
          held.keepBetter(kernel);
        }
        outcome = held;
      } else if (openKernels.length > 0) {
        // Open funnel: the best path over every entry step (furthest, then entered earliest, then soonest).
        held.reset();
        kernel.run(begin, end, null, stream.unitBits[u] as number);
        held.keepBetter(kernel, 0);
        for (const o of openKernels) {
          o.kernel.run(begin, end, null);
          held.keepBetter(o.kernel, o.entry);
        }
        outcome = held;
      } else {
        kernel.run(begin, end, null, stream.unitBits[u] as number);
      }
      total.addOutcome(outcome, fromStep, toStep);
      addTrends(total, outcome, begin, end, null);
      if (outcome.counted && segmentations.length > 0) {
        // Each segmentation's value: that of the unit's first in-funnel event that has one ("" when none does).
        segmentValueAt.forEach((valueAt, s) => {
          let value = 0;
          for (let i = begin; i < end; i += 1) {
            if (!strict && stream.steps[i] === 0) continue;
            const v = valueAt[i] as number;
            if (v !== 0) {
              value = v;
              break;
            }
          }
          segmentValues[s] = value;
          const tallies = segmentTallies[s] as (FunnelTally | undefined)[];
          let tally = tallies[value];
          if (!tally) {
            tally = new FunnelTally(n, bucketCount, censoring, times);
            tallies[value] = tally;
          }
          tally.addOutcome(outcome, fromStep, toStep);
        });
      }
      if (transition && outcome.counted) transition.add(outcome, stream, begin, end, segmentValues);

      if (correlated && outcome.counted) {
        const converted = (outcome.pathBits & lastBit) !== 0;
        const t0 = outcome.timings[0] as number;
        const tEnd = converted ? (outcome.timings[outcome.timingCount - 1] as number) : t0 + windowUs;
        if (converted) correlated.success += 1;
        else correlated.failure += 1;
        for (let i = begin; i < end; i += 1) {
          const t = stream.ts[i] as number;
          if (t <= t0) continue;
          if (t >= tEnd) break;
          const code = stream.eventCode[stream.rowOf[i] as number] as number;
          if (correlated.skip[code] === 1 || correlated.seen[code] === unit) continue;
          correlated.seen[code] = unit;
          if (converted) correlated.s[code] = (correlated.s[code] as number) + 1;
          else correlated.f[code] = (correlated.f[code] as number) + 1;
        }
      }

      if (!breakdown || !values) continue;
      const valueAt = values.valueAt;
      if (breakdown.attribution === 'first_touch' || breakdown.attribution === 'last_touch') {
        // The value of the earliest (latest) event of the funnel that has one; "" when none does.
        let value = 0;
        const firstTouch = breakdown.attribution === 'first_touch';
        for (let i = firstTouch ? begin : end - 1; firstTouch ? i < end : i >= begin; i += firstTouch ? 1 : -1) {
          if (!strict && stream.steps[i] === 0) continue;
          const v = valueAt[i] as number;
          if (v !== 0) {
            value = v;
            break;
          }
        }
        if (!outcome.counted) continue;
        const tally = tallyOf(value);
        tally.addOutcome(outcome, fromStep, toStep);
        addTrends(tally, outcome, begin, end, null);
        continue;
      }
      if (!breakdownKernel) continue;
      // step / all_events: one run per candidate value, so one unit may count under several values.
      candidates.length = 0;
      const stepBit = breakdown.attribution === 'step' ? 1 << (breakdown.attributionStep ?? 0) : -1;
      for (let i = begin; i < end; i += 1) {
        if (((stream.steps[i] as number) & stepBit) === 0) continue;
        const v = valueAt[i] as number;
        if (!candidates.includes(v)) candidates.push(v);
      }
      for (const value of candidates) {
        const scope: ValueScope =
          breakdown.attribution === 'step'
            ? { valueAt, value, onlyMatching: false, step: breakdown.attributionStep ?? 0 }
            : { valueAt, value, onlyMatching: true, step: -1 };
        breakdownKernel.run(begin, end, scope);
        if (!breakdownKernel.counted) continue;
        if (breakdown.attribution === 'step' && !(breakdownKernel.pathBits & stepBit)) continue;
        const tally = tallyOf(value);
        tally.addOutcome(breakdownKernel, fromStep, toStep);
        addTrends(tally, breakdownKernel, begin, end, scope);
      }
    }
    unitsBefore += stream.unitCount;
  }

  return {
    units: unitsBefore,
    total: total.toData(),
    byValue: Array.from(byValue, (t) => (t ? t.toData() : null)),
    labels,
    correlation: correlated
      ? { s: correlated.s, f: correlated.f, success: correlated.success, failure: correlated.failure }
      : null,
    transition: transition ? transition.result() : null,
    segments:
      segmentations.length > 0
        ? segmentTallies.map((tallies) => Array.from(tallies, (t) => (t ? t.toData() : null)))
        : null,
  };
}

/**
 * Person ranges that threads take one at a time from a shared counter, so a thread that runs slower (a busier
 * core, a range of heavier persons) simply takes fewer of them.
 */
export interface PassChunks {
  ranges: [number, number][];
  /** Shared by every thread of the run: element 0 is the next range to take. */
  next: Int32Array;
}

/** The result of each range this thread took, with its index, until no range is left. */
export function runFunnelChunks(
  source: StreamSource,
  request: PassRequest,
  chunks: PassChunks,
): { index: number; result: PassResult }[] {
  const done: { index: number; result: PassResult }[] = [];
  for (
    let index = Atomics.add(chunks.next, 0, 1);
    index < chunks.ranges.length;
    index = Atomics.add(chunks.next, 0, 1)
  ) {
    const range = chunks.ranges[index] as [number, number];
    done.push({ index, result: runFunnelPass(source, { ...request, personRange: range }) });
  }
  return done;
}

/** The buffers of some results, to transfer rather than copy. */
export function transferablesOf(results: readonly PassResult[]): ArrayBuffer[] {
  const arrays: Float64Array[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const result of results) {
    const tallies = [
      result.total,
      ...[...result.byValue, ...(result.segments ?? []).flat()].filter((t): t is TallyData => t !== null),
    ];
    for (const t of tallies) {
      arrays.push(t.counts, t.open, t.censored, ...t.gaps, t.timeToConvert, t.entered, t.converted);
    }
    if (result.correlation) arrays.push(result.correlation.s, result.correlation.f);
    if (result.transition) {
      const { unitValues, unitCount: _, ...arrays } = result.transition;
      for (const array of [...unitValues, ...Object.values(arrays)]) buffers.push(array.buffer as ArrayBuffer);
    }
  }
  return [...new Set([...arrays.map((a) => a.buffer as ArrayBuffer), ...buffers])];
}
