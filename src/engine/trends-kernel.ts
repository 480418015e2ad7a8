import type { KernelColumns, ValueScope } from './ordered-kernel.js';

/**
 * Conversion trends for ordered and strict funnels (FUNNEL-SEMANTICS §5): each step-0 event opens (or, while it
 * has not progressed, restarts) an entry for the period it falls in; an entry converts when it reaches `toStep`
 * within the window. A unit counts once per period as entered (it reached `fromStep`) and once as converted. As in
 * the steps view, an entry whose progress an exclusion tainted does not count, and a tainted furthest path drops
 * the unit's unconverted entries.
 */
interface Period {
  bucket: number;
  /** start[s] = start time of the entry that has reached step s−1 (slot 0 unused); -Infinity when none. */
  start: Float64Array;
  excluded: Uint8Array;
  maxStep: number;
  maxTs: number;
  /** 0 clean, 1 tainted before progressing further (partial), 2 progressed while tainted (full). */
  maxExcluded: 0 | 1 | 2;
}

export interface TrendOutcome {
  /** Periods the unit entered, and whether it converted there (parallel arrays). */
  buckets: number[];
  converted: boolean[];
}

export class TrendsKernel {
  private readonly n: number;

  constructor(
    private readonly columns: KernelColumns,
    private readonly options: {
      stepCount: number;
      windowUs: number;
      strict: boolean;
      fromStep: number;
      toStep: number;
      bucketOf: (tsUs: number) => number;
    },
  ) {
    this.n = options.stepCount;
  }

  run(begin: number, end: number, scope: ValueScope | null, out: TrendOutcome): void {
    const { ts, steps: stepsAt, exclusions: exclusionsAt } = this.columns;
    const { windowUs, strict } = this.options;
    const n = this.n;
    const toSlot = this.options.toStep + 1;
    const fromSlot = this.options.fromStep + 1;
    const periods = new Map<number, Period>();
    const results = new Map<number, boolean>();
    out.buckets.length = 0;
    out.converted.length = 0;

    for (let i = begin; i < end; i += 1) {
      if (scope?.onlyMatching && scope.valueAt[i] !== scope.value) continue;
      const steps = stepsAt[i] as number;
      const exclusions = exclusionsAt[i] as number;
      if (!strict && (steps | exclusions) === 0) continue;
      const t = ts[i] as number;
      // Exclusions first, then steps from the highest down (as in the steps view).
      for (let pass = 0; pass < 2; pass += 1) {
        const mask = pass === 0 ? exclusions : steps;
        const exclusion = pass === 0;
        for (let s = n; s >= 1; s -= 1) {
          if (!(mask & (1 << (s - 1)))) continue;
          if (exclusion && s === 1) continue;
          const unmatched = scope !== null && scope.step === s - 1 && scope.valueAt[i] !== scope.value;
          if (s === 1 && !exclusion) {
            const bucket = this.options.bucketOf(t);
            if (unmatched || bucket < 0 || results.has(bucket)) continue;
            const period = periods.get(bucket);
            if (!period || (period.maxStep === 1 && period.maxExcluded !== 0)) {
              const fresh: Period = {
                bucket,
                start: new Float64Array(n + 1).fill(-Infinity),
                excluded: new Uint8Array(n + 1),
                maxStep: 1,
                maxTs: t,
                maxExcluded: 0,
              };
              fresh.start[1] = t;
              periods.set(bucket, fresh);
            } else {
              period.start[1] = t;
              period.excluded[1] = 0;
            }
            continue;
          }
          for (const period of periods.values()) {
            const previous = period.start[s - 1] as number;
            const inWindow = previous !== -Infinity && t - previous <= windowUs;
            if (!inWindow || period.start[s] === previous) continue;
            const previousExcluded = period.excluded[s - 1] === 1;
            if (exclusion) {
              if (!previousExcluded) {
                period.excluded[s - 1] = 1;
                if (period.maxStep === s - 1 && t - period.maxTs <= windowUs) period.maxExcluded = 1;
              }
              continue;
            }
            if (unmatched) continue;
            if (!previousExcluded) {
              period.start[s] = previous;
              period.excluded[s] = 0;
            }
            if (period.start[toSlot] !== -Infinity) {
              results.set(period.bucket, true);
              periods.delete(period.bucket);
            } else if (s > period.maxStep || (s === period.maxStep && period.maxExcluded === 1)) {
              period.maxStep = s;
              period.maxTs = t;
              period.maxExcluded = previousExcluded ? 2 : 0;
            }
          }
        }
      }
      if (strict) {
        for (const period of periods.values()) {
          for (let s = 1; s <= n; s += 1) {
            if (!(steps & (1 << (s - 1)))) {
              period.start[s] = -Infinity;
              period.excluded[s] = 0;
            }
          }
        }
      }
    }

    let fullyExcluded = false;
    for (const period of periods.values()) if (period.maxExcluded === 2) fullyExcluded = true;
    if (!fullyExcluded) {
      for (const period of periods.values()) {
        if (!results.has(period.bucket) && period.maxStep >= fromSlot && period.maxExcluded !== 1) {
          results.set(period.bucket, false);
        }
      }
    }
    for (const [bucket, converted] of results) {
      out.buckets.push(bucket);
      out.converted.push(converted);
    }
  }
}
