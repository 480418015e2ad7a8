/**
 * The ordered and strict funnel state machine of FUNNEL-SEMANTICS §2–3, run over one unit's events at a time.
 *
 * Slot s (1 … n) holds the entry that has reached step s−1; slot 0 is a virtual slot reset to the time of each
 * group of same-timestamp events, so a step-0 event always (re)opens an entry. An event tries its steps from the
 * highest down; step k advances from the nearest earlier slot (walking back over optional steps) when that entry
 * began at most `windowUs` before. An exclusion guarding step i taints the entry that holds step i−1 and has not
 * yet reached step i. The unit's result is the furthest path; if that path is tainted the unit drops out.
 *
 * All state lives in preallocated typed arrays so a 10M-event pass allocates nothing per event.
 */
export interface KernelColumns {
  tsUs: Float64Array;
  stepMask: Int32Array;
  exclusionMask: Int32Array;
}

export interface KernelOptions {
  stepCount: number;
  windowUs: number;
  strict: boolean;
  /** Bit k set = step k is optional. */
  optionalMask: number;
}

/** Restricts a run to one breakdown value: per row value ids, and how they are used. */
export interface ValueScope {
  rowValue: Int32Array;
  value: number;
  /** `all_events`: only rows carrying the value take part. */
  onlyMatchingRows: boolean;
  /** `step`: the event that fills this step must carry the value (-1: no such rule). */
  step: number;
}

/** The outcome of one unit: the path that counts, or nothing. */
export interface UnitOutcome {
  /** False when the unit entered no step, or its furthest path was tainted by an exclusion. */
  counted: boolean;
  /** Bit k = the counted path used step k. */
  pathBits: number;
  /** Times (µs) of the counted path's non-optional steps, in step order, and which step each is. */
  timingCount: number;
  timings: Float64Array;
  timingSteps: Int32Array;
  /** First row of the counted path (its step-0 event). */
  firstRow: number;
}

const UNSET = -Infinity;

export class OrderedKernel implements UnitOutcome {
  counted = false;
  pathBits = 0;
  timingCount = 0;
  timings: Float64Array;
  timingSteps: Int32Array;
  firstRow = -1;

  private readonly n: number;
  private readonly windowUs: number;
  private readonly strict: boolean;
  private readonly optionalSlot: Uint8Array;
  private readonly start: Float64Array;
  private readonly excluded: Uint8Array;
  private readonly bits: Int32Array;
  private readonly length: Int32Array;
  private readonly slotTimings: Float64Array;
  private readonly slotRows: Int32Array;
  private readonly slotSteps: Int32Array;
  private readonly maxSlot: number;
  private readonly tmpSlot: number;
  private maxLevel = 0;

  constructor(
    private readonly columns: KernelColumns,
    options: KernelOptions,
  ) {
    const n = options.stepCount;
    this.n = n;
    this.windowUs = options.windowUs;
    this.strict = options.strict;
    this.optionalSlot = new Uint8Array(n + 1);
    for (let k = 0; k < n; k += 1) this.optionalSlot[k + 1] = options.optionalMask & (1 << k) ? 1 : 0;
    const slots = n + 3;
    this.maxSlot = n + 1;
    this.tmpSlot = n + 2;
    this.start = new Float64Array(slots);
    this.excluded = new Uint8Array(slots);
    this.bits = new Int32Array(slots);
    this.length = new Int32Array(slots);
    this.slotTimings = new Float64Array(slots * n);
    this.slotRows = new Int32Array(slots * n);
    this.slotSteps = new Int32Array(slots * n);
    this.timings = new Float64Array(n);
    this.timingSteps = new Int32Array(n);
  }

  private clear(slot: number): void {
    this.start[slot] = UNSET;
    this.excluded[slot] = 0;
    this.bits[slot] = 0;
    this.length[slot] = 0;
  }

  private copy(from: number, to: number): void {
    const n = this.n;
    this.start[to] = this.start[from] as number;
    this.excluded[to] = this.excluded[from] as number;
    this.bits[to] = this.bits[from] as number;
    const len = this.length[from] as number;
    this.length[to] = len;
    for (let j = 0; j < len; j += 1) {
      this.slotTimings[to * n + j] = this.slotTimings[from * n + j] as number;
      this.slotRows[to * n + j] = this.slotRows[from * n + j] as number;
      this.slotSteps[to * n + j] = this.slotSteps[from * n + j] as number;
    }
  }

  /** Runs one unit over rows[begin … end) and leaves its outcome in this object's fields. */
  run(rows: Int32Array, begin: number, end: number, scope: ValueScope | null): this {
    const { tsUs, stepMask, exclusionMask } = this.columns;
    const n = this.n;
    for (let s = 0; s <= this.tmpSlot; s += 1) this.clear(s);
    this.maxLevel = 0;
    const onlyValue = scope?.onlyMatchingRows ? scope : null;

    let i = begin;
    while (i < end) {
      const first = rows[i] as number;
      const t = tsUs[first] as number;
      // The group of events sharing this timestamp (among the rows this run may see).
      let groupEnd = i + 1;
      while (groupEnd < end && tsUs[rows[groupEnd] as number] === t) groupEnd += 1;
      this.start[0] = t;
      this.excluded[0] = 0;
      this.bits[0] = 0;
      this.length[0] = 0;

      let members = 0;
      let sameSteps = true;
      let steps0 = 0;
      let exclusions0 = 0;
      for (let g = i; g < groupEnd; g += 1) {
        const row = rows[g] as number;
        if (this.skips(row, onlyValue)) continue;
        if (members === 0) {
          steps0 = stepMask[row] as number;
          exclusions0 = exclusionMask[row] as number;
        } else if (stepMask[row] !== steps0 || exclusionMask[row] !== exclusions0) sameSteps = false;
        members += 1;
      }
      if (members > 0) {
        if (members === 1 || sameSteps) {
          for (let g = i; g < groupEnd; g += 1) {
            const row = rows[g] as number;
            if (this.skips(row, onlyValue)) continue;
            this.processEvent(row, t, stepMask[row] as number, exclusionMask[row] as number, false, scope);
          }
        } else {
          // Different events at one instant: taken in funnel order, each event used at most once per path;
          // exclusions and strict resets do not apply inside the group.
          for (let k = 0; k < n; k += 1) {
            for (let g = i; g < groupEnd; g += 1) {
              const row = rows[g] as number;
              if (this.skips(row, onlyValue)) continue;
              if ((stepMask[row] as number) & (1 << k)) this.processEvent(row, t, 1 << k, 0, true, scope);
            }
          }
        }
      }
      i = groupEnd;
      if (this.start[n] !== UNSET) break; // converted: nothing later can change the result
    }
    this.finish();
    return this;
  }

  /** Rows outside this run: another breakdown value, or (outside strict funnels) events of no step or exclusion. */
  private skips(row: number, onlyValue: ValueScope | null): boolean {
    if (onlyValue && onlyValue.rowValue[row] !== onlyValue.value) return true;
    return !this.strict && ((this.columns.stepMask[row] as number) | (this.columns.exclusionMask[row] as number)) === 0;
  }

  /** The nearest slot an event may advance from into slot s: s−1, or further back over empty optional steps. */
  private predecessor(s: number, t: number): number {
    let p = s - 1;
    let pt = this.start[p] as number;
    let inWindow = pt !== UNSET && t - pt <= this.windowUs;
    while (p > 0 && !inWindow && this.optionalSlot[p] === 1) {
      p -= 1;
      pt = this.start[p] as number;
      inWindow = pt !== UNSET && t - pt <= this.windowUs;
    }
    return inWindow ? p : -1;
  }

  private processEvent(
    row: number,
    t: number,
    steps: number,
    exclusions: number,
    multiple: boolean,
    scope: ValueScope | null,
  ): void {
    const n = this.n;
    if (exclusions !== 0) {
      for (let s = n; s >= 1; s -= 1) {
        if (!(exclusions & (1 << (s - 1)))) continue;
        const p = this.predecessor(s, t);
        if (p < 0) continue;
        if (this.start[s] === this.start[p] && this.start[s] !== UNSET) continue; // already past the guarded step
        if (this.excluded[p] === 0) {
          this.excluded[p] = 1;
          if (this.maxLevel === p && t - (this.start[this.maxSlot] as number) <= this.windowUs) {
            this.excluded[this.maxSlot] = 1;
          }
        }
      }
    }
    if (steps !== 0) {
      for (let s = n; s >= 1; s -= 1) {
        const k = s - 1;
        if (!(steps & (1 << k))) continue;
        const p = this.predecessor(s, t);
        if (p < 0) continue;
        if (this.start[s] === this.start[p] && this.start[s] !== UNSET) continue; // this entry already has step k
        if (scope && scope.step >= 0 && p === scope.step && scope.rowValue[row] !== scope.value) continue;
        if (multiple && this.usedBy(p, row)) continue;
        const tmp = this.tmpSlot;
        this.copy(p, tmp);
        if (this.optionalSlot[s] === 0) {
          const at = tmp * n + (this.length[tmp] as number);
          this.slotTimings[at] = t;
          this.slotRows[at] = row;
          this.slotSteps[at] = k;
          this.length[tmp] = (this.length[tmp] as number) + 1;
        }
        this.bits[tmp] = (this.bits[tmp] as number) | (1 << k);
        if (this.excluded[p] === 0) this.copy(tmp, s);
        if (s > this.maxLevel || (s === this.maxLevel && this.excluded[this.maxSlot] === 1)) {
          this.copy(tmp, this.maxSlot);
          this.maxLevel = s;
        }
      }
    }
    if (this.strict && !multiple) {
      for (let s = 1; s <= n; s += 1) if (!(steps & (1 << (s - 1)))) this.clear(s);
    }
  }

  private usedBy(slot: number, row: number): boolean {
    const n = this.n;
    const len = this.length[slot] as number;
    for (let j = 0; j < len; j += 1) if (this.slotRows[slot * n + j] === row) return true;
    return false;
  }

  private finish(): void {
    const m = this.maxSlot;
    const n = this.n;
    this.counted = this.maxLevel > 0 && this.excluded[m] === 0;
    this.pathBits = this.counted ? (this.bits[m] as number) : 0;
    const len = this.counted ? (this.length[m] as number) : 0;
    this.timingCount = len;
    for (let j = 0; j < len; j += 1) {
      this.timings[j] = this.slotTimings[m * n + j] as number;
      this.timingSteps[j] = this.slotSteps[m * n + j] as number;
    }
    this.firstRow = len > 0 ? (this.slotRows[m * n] as number) : -1;
  }
}
