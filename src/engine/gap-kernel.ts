import type { KernelColumns, UnitOutcome, ValueScope } from './ordered-kernel.js';

/**
 * Ordered funnels with limits on the time between consecutive steps (`steps[k].gap`, docs/funnels.md): step k
 * must follow step k−1 of the same path by at least `minGapUs[k]` and at most `maxGapUs[k]`, on top of the
 * window from entry. The slot machine of OrderedKernel keeps one entry per step, which is exact for the window
 * alone but not once gaps matter (a later step k−1 event can be the only one close enough to step k), so this
 * kernel solves each unit exactly by dynamic programming over its events:
 *
 *   start[k][j] = the latest entry time of a valid path whose step k is event j (−∞: none), where step 0 at j
 *   starts at t_j, and step k at j extends step k−1 at any other event i with t_i ≤ t_j, the gap t_j − t_i within
 *   [min, max] and t_j − start ≤ window.
 *
 * A later entry is never worse (the window only looks back to it), so keeping the latest start per (step, event)
 * loses no path. The unit reaches the furthest k with a valid path; the path that counts is the one reaching it
 * first (earliest step-k event, ties by position), traced back through the parents that gave the latest start.
 * O(n · m²) for a unit of m events: for units of a few hundred events, as opt-in options are used.
 */
export interface GapKernelOptions {
  stepCount: number;
  windowUs: number;
  /** Per step (index k: the gap from step k−1 to step k; index 0 unused), µs. */
  minGapUs: Float64Array;
  maxGapUs: Float64Array;
}

export class GapKernel implements UnitOutcome {
  counted = false;
  pathBits = 0;
  timingCount = 0;
  readonly timings: Float64Array;
  readonly timingSteps: Int32Array;

  private start = new Float64Array(0);
  private parent = new Int32Array(0);
  private positions = new Int32Array(0);

  constructor(
    private readonly columns: KernelColumns,
    private readonly options: GapKernelOptions,
  ) {
    this.timings = new Float64Array(options.stepCount);
    this.timingSteps = new Int32Array(options.stepCount);
  }

  /** Runs one unit over positions [begin, end) (positions outside the scope's value take no part). */
  run(begin: number, end: number, scope: ValueScope | null): this {
    const { ts, steps } = this.columns;
    const { stepCount: n, windowUs, minGapUs, maxGapUs } = this.options;
    // The unit's positions that can fill some step.
    let m = 0;
    if (this.positions.length < end - begin) this.positions = new Int32Array(end - begin);
    for (let i = begin; i < end; i += 1) {
      if ((steps[i] as number) === 0) continue;
      if (scope?.onlyMatching && scope.valueAt[i] !== scope.value) continue;
      this.positions[m++] = i;
    }
    if (this.start.length < n * m) {
      this.start = new Float64Array(n * m);
      this.parent = new Int32Array(n * m);
    }
    const start = this.start;
    const parent = this.parent;
    const pos = this.positions;
    const fills = (j: number, k: number) => {
      const i = pos[j] as number;
      if (!((steps[i] as number) & (1 << k))) return false;
      return !(scope && scope.step === k && scope.valueAt[i] !== scope.value);
    };
    let level = -1;
    for (let k = 0; k < n; k += 1) {
      let any = false;
      for (let j = 0; j < m; j += 1) {
        const at = k * m + j;
        start[at] = -Infinity;
        parent[at] = -1;
        if (!fills(j, k)) continue;
        const t = ts[pos[j] as number] as number;
        if (k === 0) {
          start[at] = t;
          any = true;
          continue;
        }
        const minGap = minGapUs[k] as number;
        const maxGap = maxGapUs[k] as number;
        for (let i = 0; i < m; i += 1) {
          if (i === j) continue;
          const from = start[(k - 1) * m + i] as number;
          if (from === -Infinity) continue;
          const ti = ts[pos[i] as number] as number;
          const gap = t - ti;
          if (gap < 0 || gap < minGap || gap > maxGap || t - from > windowUs) continue;
          // The same event cannot fill two steps of one path: i's own path must not use j.
          if (this.uses(k - 1, i, j, m)) continue;
          if (from > (start[at] as number)) {
            start[at] = from;
            parent[at] = i;
          }
        }
        if (start[at] !== -Infinity) any = true;
      }
      if (!any) break;
      level = k;
    }

    this.counted = level >= 0;
    this.pathBits = level < 0 ? 0 : -1 >>> (31 - level);
    this.timingCount = level + 1;
    if (level < 0) return this;
    // The path that counts: the first to reach the furthest step.
    let best = -1;
    for (let j = 0; j < m; j += 1) {
      if (start[level * m + j] === -Infinity) continue;
      if (best < 0 || (ts[pos[j] as number] as number) < (ts[pos[best] as number] as number)) best = j;
    }
    for (let k = level, j = best; k >= 0; k -= 1) {
      this.timings[k] = ts[pos[j] as number] as number;
      this.timingSteps[k] = k;
      j = parent[k * m + j] as number;
    }
    return this;
  }

  /** Whether the best path whose step `k` is event `i` uses event `j` at some step. */
  private uses(k: number, i: number, j: number, m: number): boolean {
    for (let s = k, x = i; s >= 0 && x >= 0; s -= 1) {
      if (x === j) return true;
      x = this.parent[s * m + x] as number;
    }
    return false;
  }
}
