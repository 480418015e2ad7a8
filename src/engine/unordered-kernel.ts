import type { KernelColumns, UnitOutcome, ValueScope } from './ordered-kernel.js';

/**
 * The unordered funnel of FUNNEL-SEMANTICS §2: a sliding window over the unit's events. Each step keeps a queue
 * of the events that filled it; an event joins the step (among those it matches) whose newest event is oldest
 * (an empty step first, ties to the lowest step). Before an event is added, events that fell out of the window
 * of the newest one are evicted, oldest first, and the best count seen is kept. Step k counts units that
 * completed k+1 distinct steps within one window. An exclusion (an event matching no step) clears the progress
 * so far; steps completed after it still count.
 */
export class UnorderedKernel implements UnitOutcome {
  counted = false;
  pathBits = 0;
  timingCount = 0;
  timings: Float64Array;
  timingSteps: Int32Array;

  private readonly n: number;
  private readonly windowUs: number;
  /** Per step: queue of event times, with a head index. */
  private readonly queueTs: number[][];
  private readonly head: Int32Array;
  private completed = 0;
  private maxLevel = 0;
  private readonly maxTimings: Float64Array;

  constructor(
    private readonly columns: KernelColumns,
    options: { stepCount: number; windowUs: number },
  ) {
    this.n = options.stepCount;
    this.windowUs = options.windowUs;
    this.queueTs = Array.from({ length: this.n }, () => []);
    this.head = new Int32Array(this.n);
    this.timings = new Float64Array(this.n);
    this.timingSteps = new Int32Array(this.n);
    this.maxTimings = new Float64Array(this.n);
  }

  private size(k: number): number {
    return (this.queueTs[k] as number[]).length - (this.head[k] as number);
  }

  private reset(): void {
    for (let k = 0; k < this.n; k += 1) {
      (this.queueTs[k] as number[]).length = 0;
      this.head[k] = 0;
    }
    this.completed = 0;
  }

  run(begin: number, end: number, scope: ValueScope | null): this {
    const { ts, steps: stepsAt, exclusions } = this.columns;
    this.reset();
    this.maxLevel = 0;
    const only = scope?.onlyMatching ? scope : null;
    let last = -1;
    for (let i = begin; i < end; i += 1) {
      if (only && only.valueAt[i] !== only.value) continue;
      if (((stepsAt[i] as number) | (exclusions[i] as number)) === 0) continue;
      last = i;
    }
    for (let i = begin; i <= last; i += 1) {
      if (only && only.valueAt[i] !== only.value) continue;
      const steps = stepsAt[i] as number;
      if ((steps | (exclusions[i] as number)) === 0) continue;
      this.processEvent(i, ts[i] as number, steps, scope);
      if (this.maxLevel === this.n) break;
      if (i === last) this.updateMax();
    }
    this.finish();
    return this;
  }

  private processEvent(i: number, t: number, steps: number, scope: ValueScope | null): void {
    const n = this.n;
    // Evict, oldest first, what no longer shares a window with this event (or everything once complete).
    for (;;) {
      let oldest = -1;
      let oldestTs = Infinity;
      for (let k = 0; k < n; k += 1) {
        if (this.size(k) === 0) continue;
        const front = (this.queueTs[k] as number[])[this.head[k] as number] as number;
        if (front < oldestTs) {
          oldestTs = front;
          oldest = k;
        }
      }
      if (oldest < 0) break;
      if (this.completed < n && oldestTs + this.windowUs >= t) break;
      this.updateMax();
      this.head[oldest] = (this.head[oldest] as number) + 1;
      if (this.size(oldest) === 0) this.completed -= 1;
    }
    if (steps === 0) {
      this.reset(); // an exclusion: progress so far is discarded
      return;
    }
    let chosen = -1;
    let chosenTs = Infinity;
    for (let k = 0; k < n; k += 1) {
      if (!(steps & (1 << k))) continue;
      const q = this.queueTs[k] as number[];
      const newest = this.size(k) === 0 ? -Infinity : (q[q.length - 1] as number);
      if (newest < chosenTs) {
        chosenTs = newest;
        chosen = k;
      }
    }
    if (scope && scope.step >= 0 && this.completed === scope.step && scope.valueAt[i] !== scope.value) return;
    if (this.size(chosen) === 0) this.completed += 1;
    (this.queueTs[chosen] as number[]).push(t);
  }

  private updateMax(): void {
    if (this.completed <= this.maxLevel) return;
    // The path: the oldest event of every non-empty step, in time order.
    const fronts: number[] = [];
    for (let k = 0; k < this.n; k += 1) {
      if (this.size(k) > 0) fronts.push((this.queueTs[k] as number[])[this.head[k] as number] as number);
    }
    fronts.sort((a, b) => a - b);
    fronts.forEach((t, j) => {
      this.maxTimings[j] = t;
    });
    this.maxLevel = this.completed;
  }

  private finish(): void {
    this.counted = this.maxLevel > 0;
    this.pathBits = this.maxLevel >= 31 ? -1 : (1 << this.maxLevel) - 1;
    this.timingCount = this.maxLevel;
    for (let j = 0; j < this.maxLevel; j += 1) {
      this.timings[j] = this.maxTimings[j] as number;
      this.timingSteps[j] = j;
    }
  }
}
