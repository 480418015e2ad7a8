import type { KernelColumns, ValueScope } from './ordered-kernel.js';

/**
 * Conversion trends for ordered and strict funnels (FUNNEL-SEMANTICS §5): each step-0 event opens (or, while it
 * has not progressed, restarts) an entry for the period it falls in; an entry converts when it reaches `toStep`
 * within the window. A unit counts once per period as entered (it reached `fromStep`) and once as converted. As in
 * the steps view, an entry whose progress an exclusion tainted does not count, and a tainted furthest path drops
 * the unit's unconverted entries.
 *
 * A unit's open periods live in flat typed arrays (period p's slots at p·(n+1) …), reused from unit to unit.
 */
export interface TrendOutcome {
  /** Periods the unit entered, and whether it converted there (parallel arrays). */
  buckets: number[];
  converted: boolean[];
}

const UNSET = -Infinity;
/** maxExcluded values: clean, tainted before progressing further (partial), progressed while tainted (full). */
const CLEAN = 0;
const PARTIAL = 1;
const FULL = 2;

export class TrendsKernel {
  private readonly n: number;
  private capacity = 8;
  private bucket = new Int32Array(8);
  private open = new Uint8Array(8);
  private start: Float64Array;
  private excluded: Uint8Array;
  private maxStep = new Int32Array(8);
  private maxTs = new Float64Array(8);
  private maxExcluded = new Uint8Array(8);
  private periods = 0;
  /** Result per period: 0 none yet, 1 converted, 2 entered only. */
  private result = new Uint8Array(8);

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
    this.start = new Float64Array(8 * (this.n + 1));
    this.excluded = new Uint8Array(8 * (this.n + 1));
  }

  private grow(): void {
    const size = this.capacity * 2;
    const slots = this.n + 1;
    const copy = <T extends Float64Array | Int32Array | Uint8Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.bucket = copy(this.bucket, new Int32Array(size));
    this.open = copy(this.open, new Uint8Array(size));
    this.start = copy(this.start, new Float64Array(size * slots));
    this.excluded = copy(this.excluded, new Uint8Array(size * slots));
    this.maxStep = copy(this.maxStep, new Int32Array(size));
    this.maxTs = copy(this.maxTs, new Float64Array(size));
    this.maxExcluded = copy(this.maxExcluded, new Uint8Array(size));
    this.result = copy(this.result, new Uint8Array(size));
    this.capacity = size;
  }

  /** The period record for a bucket (created closed when new). */
  private periodOf(bucket: number): number {
    for (let p = 0; p < this.periods; p += 1) if (this.bucket[p] === bucket) return p;
    if (this.periods === this.capacity) this.grow();
    const p = this.periods++;
    this.bucket[p] = bucket;
    this.open[p] = 0;
    this.result[p] = 0;
    return p;
  }

  run(begin: number, end: number, scope: ValueScope | null, out: TrendOutcome): void {
    const { ts, steps: stepsAt, exclusions: exclusionsAt } = this.columns;
    const { windowUs, strict } = this.options;
    const n = this.n;
    const slots = n + 1;
    const toSlot = this.options.toStep + 1;
    const fromSlot = this.options.fromStep + 1;
    this.periods = 0;
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
        for (let m = mask; m !== 0; ) {
          const k = 31 - Math.clz32(m);
          m ^= 1 << k;
          const s = k + 1;
          const unmatched = scope !== null && scope.step === k && scope.valueAt[i] !== scope.value;
          if (s === 1) {
            if (exclusion) continue;
            const bucket = this.options.bucketOf(t);
            if (unmatched || bucket < 0) continue;
            const p = this.periodOf(bucket);
            if (this.result[p] === 1) continue; // converted there already
            const base = p * slots;
            if (this.open[p] === 0 || (this.maxStep[p] === 1 && this.maxExcluded[p] !== CLEAN)) {
              this.start.fill(UNSET, base, base + slots);
              this.excluded.fill(0, base, base + slots);
              this.open[p] = 1;
              this.maxStep[p] = 1;
              this.maxTs[p] = t;
              this.maxExcluded[p] = CLEAN;
            }
            this.start[base + 1] = t;
            this.excluded[base + 1] = 0;
            continue;
          }
          for (let p = 0; p < this.periods; p += 1) {
            if (this.open[p] === 0) continue;
            const base = p * slots;
            const previous = this.start[base + s - 1] as number;
            if (t - previous > windowUs || this.start[base + s] === previous) continue;
            const previousExcluded = this.excluded[base + s - 1] === 1;
            if (exclusion) {
              if (!previousExcluded) {
                this.excluded[base + s - 1] = 1;
                if (this.maxStep[p] === s - 1 && t - (this.maxTs[p] as number) <= windowUs)
                  this.maxExcluded[p] = PARTIAL;
              }
              continue;
            }
            if (unmatched) continue;
            if (!previousExcluded) {
              this.start[base + s] = previous;
              this.excluded[base + s] = 0;
            }
            if (this.start[base + toSlot] !== UNSET) {
              this.result[p] = 1;
              this.open[p] = 0;
            } else if (s > (this.maxStep[p] as number) || (s === this.maxStep[p] && this.maxExcluded[p] === PARTIAL)) {
              this.maxStep[p] = s;
              this.maxTs[p] = t;
              this.maxExcluded[p] = previousExcluded ? FULL : CLEAN;
            }
          }
        }
      }
      if (strict) {
        for (let p = 0; p < this.periods; p += 1) {
          if (this.open[p] === 0) continue;
          const base = p * slots;
          for (let s = 1; s <= n; s += 1) {
            if (!(steps & (1 << (s - 1)))) {
              this.start[base + s] = UNSET;
              this.excluded[base + s] = 0;
            }
          }
        }
      }
    }

    let fullyExcluded = false;
    for (let p = 0; p < this.periods; p += 1)
      if (this.open[p] === 1 && this.maxExcluded[p] === FULL) fullyExcluded = true;
    for (let p = 0; p < this.periods; p += 1) {
      if (this.result[p] === 1) {
        out.buckets.push(this.bucket[p] as number);
        out.converted.push(true);
      } else if (
        !fullyExcluded &&
        this.open[p] === 1 &&
        (this.maxStep[p] as number) >= fromSlot &&
        this.maxExcluded[p] !== PARTIAL
      ) {
        out.buckets.push(this.bucket[p] as number);
        out.converted.push(false);
      }
    }
  }
}
