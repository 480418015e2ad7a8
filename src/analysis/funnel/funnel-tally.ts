import type { UnitOutcome } from '../../engine/ordered-kernel.js';
import { Sample } from '../../stats/summary.js';

/** A tally as plain arrays, to cross a worker boundary (the buffers can be transferred). */
export interface TallyData {
  counts: Float64Array;
  open: Float64Array;
  censored: Float64Array;
  gaps: Float64Array[];
  timeToConvert: Float64Array;
  entered: Float64Array;
  converted: Float64Array;
}

/**
 * Where the data ends, for units whose conversion window is still open there (FUNNEL-SEMANTICS §6, right-
 * censoring); `survival` also keeps the censoring time of every unit that reached `fromStep` and not `toStep`.
 */
export interface Censoring {
  dataEndUs: number;
  windowUs: number;
  survival: boolean;
}

/**
 * What a set of unit outcomes adds up to: counts per step, conversion gaps per step, time-to-convert gaps and
 * trend counts per period. One tally per breakdown value; tallies merge into "Other".
 */
export class FunnelTally {
  private readonly stepCounts: Float64Array;
  /** Seconds from the previous non-optional step, per step, over units whose path reached it (gaps > 0 only). */
  readonly gaps: Sample[];
  /** Seconds from `fromStep` to `toStep` per converting unit. */
  timeToConvert = new Sample();
  readonly entered: Float64Array;
  readonly converted: Float64Array;
  /** Per step: counted units whose window (from their first step) is still open at the end of the data. */
  readonly open: Float64Array;
  /** Seconds from `fromStep` to the end of the window or of the data, per unit that reached it and not `toStep`. */
  censored = new Sample();

  constructor(
    readonly stepCount: number,
    bucketCount: number,
    private readonly censoring: Censoring | null = null,
    /** False: counts only, no conversion times (gaps, time to convert) kept. */
    private readonly times = true,
  ) {
    this.stepCounts = new Float64Array(stepCount);
    this.open = new Float64Array(stepCount);
    this.paths = stepCount <= 10 ? new Float64Array(1 << stepCount) : null;
    this.gaps = Array.from({ length: stepCount }, () => new Sample());
    this.entered = new Float64Array(bucketCount);
    this.converted = new Float64Array(bucketCount);
  }

  /** Units per path shape (bit k = step k used), for funnels of up to 10 steps; folded into `counts` on read. */
  private readonly paths: Float64Array | null;

  addOutcome(outcome: UnitOutcome, fromStep: number, toStep: number): void {
    if (!outcome.counted) return;
    if (this.paths) {
      this.paths[outcome.pathBits] = (this.paths[outcome.pathBits] as number) + 1;
    } else {
      for (let k = 0; k < this.stepCount; k += 1) {
        if (outcome.pathBits & (1 << k)) this.counts[k] = (this.counts[k] as number) + 1;
      }
    }
    const censoring = this.censoring;
    if (censoring && outcome.timingCount > 0) {
      // The window runs from the counted path's first step.
      const windowEnd = (outcome.timings[0] as number) + censoring.windowUs;
      if (windowEnd > censoring.dataEndUs) {
        for (let k = 0; k < this.stepCount; k += 1) {
          if (outcome.pathBits & (1 << k)) this.open[k] = (this.open[k] as number) + 1;
        }
      }
      if (censoring.survival && !(outcome.pathBits & (1 << toStep)) && outcome.pathBits & (1 << fromStep)) {
        for (let j = 0; j < outcome.timingCount; j += 1) {
          if (outcome.timingSteps[j] === fromStep) {
            const until = Math.min(windowEnd, censoring.dataEndUs);
            this.censored.push(Math.max(0, until - (outcome.timings[j] as number)) / 1e6);
            break;
          }
        }
      }
    }
    if (!this.times || (outcome.timingCount < 2 && fromStep !== toStep)) return;
    let fromTs = Number.NaN;
    let toTs = Number.NaN;
    for (let j = 0; j < outcome.timingCount; j += 1) {
      const step = outcome.timingSteps[j] as number;
      const t = outcome.timings[j] as number;
      if (j > 0) {
        const gap = (t - (outcome.timings[j - 1] as number)) / 1e6;
        if (gap > 0) (this.gaps[step] as Sample).push(gap);
      }
      if (step === fromStep) fromTs = t;
      if (step === toStep) toTs = t;
    }
    if (!Number.isNaN(fromTs) && !Number.isNaN(toTs)) this.timeToConvert.push((toTs - fromTs) / 1e6);
  }

  /** Units whose counted path reached (used) each step. */
  get counts(): Float64Array {
    if (this.paths) {
      for (let bits = 1; bits < this.paths.length; bits += 1) {
        const units = this.paths[bits] as number;
        if (units === 0) continue;
        for (let k = 0; k < this.stepCount; k += 1) {
          if (bits & (1 << k)) this.stepCounts[k] = (this.stepCounts[k] as number) + units;
        }
        this.paths[bits] = 0;
      }
    }
    return this.stepCounts;
  }

  addTrend(bucket: number, converted: boolean): void {
    this.entered[bucket] = (this.entered[bucket] as number) + 1;
    if (converted) this.converted[bucket] = (this.converted[bucket] as number) + 1;
  }

  /** The sum of several tallies' data, concatenating each sample once (a single part is taken over as is). */
  static fromData(stepCount: number, bucketCount: number, parts: readonly TallyData[]): FunnelTally {
    const tally = new FunnelTally(stepCount, bucketCount);
    const concat = (arrays: Float64Array[]) => {
      if (arrays.length === 1) return arrays[0] as Float64Array;
      const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
      let at = 0;
      for (const a of arrays) {
        out.set(a, at);
        at += a.length;
      }
      return out;
    };
    const counts = tally.counts;
    for (const part of parts) {
      for (let k = 0; k < stepCount; k += 1) {
        counts[k] = (counts[k] as number) + (part.counts[k] as number);
        tally.open[k] = (tally.open[k] as number) + (part.open[k] as number);
      }
      for (let b = 0; b < bucketCount; b += 1) {
        tally.entered[b] = (tally.entered[b] as number) + (part.entered[b] as number);
        tally.converted[b] = (tally.converted[b] as number) + (part.converted[b] as number);
      }
    }
    for (let k = 0; k < stepCount; k += 1)
      tally.gaps[k] = Sample.of(concat(parts.map((p) => p.gaps[k] as Float64Array)));
    tally.timeToConvert = Sample.of(concat(parts.map((p) => p.timeToConvert)));
    tally.censored = Sample.of(concat(parts.map((p) => p.censored)));
    return tally;
  }

  toData(): TallyData {
    return {
      counts: this.counts.slice(),
      open: this.open.slice(),
      censored: this.censored.values(),
      gaps: this.gaps.map((g) => g.values()),
      timeToConvert: this.timeToConvert.values(),
      entered: this.entered.slice(),
      converted: this.converted.slice(),
    };
  }

  merge(other: FunnelTally): void {
    const mine = this.counts;
    const theirs = other.counts;
    for (let k = 0; k < this.stepCount; k += 1) {
      mine[k] = (mine[k] as number) + (theirs[k] as number);
      this.open[k] = (this.open[k] as number) + (other.open[k] as number);
      (this.gaps[k] as Sample).pushAll(other.gaps[k] as Sample);
    }
    this.timeToConvert.pushAll(other.timeToConvert);
    this.censored.pushAll(other.censored);
    for (let b = 0; b < this.entered.length; b += 1) {
      this.entered[b] = (this.entered[b] as number) + (other.entered[b] as number);
      this.converted[b] = (this.converted[b] as number) + (other.converted[b] as number);
    }
  }
}
