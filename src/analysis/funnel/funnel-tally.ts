import type { UnitOutcome } from '../../engine/ordered-kernel.js';

/**
 * What a set of unit outcomes adds up to: counts per step, conversion gaps per step, time-to-convert gaps and
 * trend counts per period. One tally per breakdown value; tallies merge into "Other".
 */
export class FunnelTally {
  readonly counts: Float64Array;
  /** Seconds from the previous non-optional step, per step, over units whose path reached it (gaps > 0 only). */
  readonly gaps: number[][];
  /** Seconds from `fromStep` to `toStep` per converting unit. */
  readonly timeToConvert: number[] = [];
  readonly entered: Float64Array;
  readonly converted: Float64Array;

  constructor(
    readonly stepCount: number,
    bucketCount: number,
  ) {
    this.counts = new Float64Array(stepCount);
    this.gaps = Array.from({ length: stepCount }, () => []);
    this.entered = new Float64Array(bucketCount);
    this.converted = new Float64Array(bucketCount);
  }

  addOutcome(outcome: UnitOutcome, fromStep: number, toStep: number): void {
    if (!outcome.counted) return;
    for (let k = 0; k < this.stepCount; k += 1) {
      if (outcome.pathBits & (1 << k)) this.counts[k] = (this.counts[k] as number) + 1;
    }
    let fromTs = Number.NaN;
    let toTs = Number.NaN;
    for (let j = 0; j < outcome.timingCount; j += 1) {
      const step = outcome.timingSteps[j] as number;
      const t = outcome.timings[j] as number;
      if (j > 0) {
        const gap = (t - (outcome.timings[j - 1] as number)) / 1e6;
        if (gap > 0) (this.gaps[step] as number[]).push(gap);
      }
      if (step === fromStep) fromTs = t;
      if (step === toStep) toTs = t;
    }
    if (!Number.isNaN(fromTs) && !Number.isNaN(toTs)) this.timeToConvert.push((toTs - fromTs) / 1e6);
  }

  addTrend(bucket: number, converted: boolean): void {
    this.entered[bucket] = (this.entered[bucket] as number) + 1;
    if (converted) this.converted[bucket] = (this.converted[bucket] as number) + 1;
  }

  merge(other: FunnelTally): void {
    for (let k = 0; k < this.stepCount; k += 1) {
      this.counts[k] = (this.counts[k] as number) + (other.counts[k] as number);
      for (const g of other.gaps[k] as number[]) (this.gaps[k] as number[]).push(g);
    }
    for (const t of other.timeToConvert) this.timeToConvert.push(t);
    for (let b = 0; b < this.entered.length; b += 1) {
      this.entered[b] = (this.entered[b] as number) + (other.entered[b] as number);
      this.converted[b] = (this.converted[b] as number) + (other.converted[b] as number);
    }
  }
}
