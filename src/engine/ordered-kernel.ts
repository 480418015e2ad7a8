/**
 * The ordered and strict funnel state machine of FUNNEL-SEMANTICS §2–3, run over one unit's events at a time.
 *
 * Slot s (1 … n) holds the entry that has reached step s−1; slot 0 is a virtual slot reset to the time of each
 * group of same-timestamp events, so a step-0 event always (re)opens an entry. An event tries its steps from the
 * highest down; step k advances from the nearest earlier slot (walking back over optional steps) when that entry
 * began at most `windowUs` before. An exclusion guarding step k taints the entry that holds step k−1 and has not
 * yet reached step k. The unit's result is the furthest path; if that path is tainted the unit drops out.
 *
 * A path is a chain of nodes (time, position, step, bits, parent) in a per-unit pool, so advancing an entry is
 * O(1) and a 10M-event pass allocates nothing. The common case (ordered, no optional steps, no exclusions, no
 * breakdown rule, no two events of the unit at one instant) takes a plain path instead: slot s keeps the times
 * of its entry's steps, since without optional steps an entry at slot s has used exactly steps 0 … s−1.
 */
export interface KernelColumns {
  ts: Float64Array;
  steps: Int32Array;
  exclusions: Int32Array;
}

export interface KernelOptions {
  stepCount: number;
  windowUs: number;
  strict: boolean;
  /** Bit k set = step k is optional. */
  optionalMask: number;
  /** Whether the definition has exclusions (without, an ordered run may take the plain path). */
  exclusions: boolean;
}

/** Restricts a run to one breakdown value. */
export interface ValueScope {
  /** Value id per position. */
  valueAt: Int32Array;
  value: number;
  /** `all_events`: only positions carrying the value take part. */
  onlyMatching: boolean;
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
}

const UNSET = -Infinity;

export class OrderedKernel implements UnitOutcome {
  counted = false;
  pathBits = 0;
  timingCount = 0;
  readonly timings: Float64Array;
  readonly timingSteps: Int32Array;

  private readonly n: number;
  private readonly windowUs: number;
  private readonly strict: boolean;
  private readonly optionalMask: number;
  private readonly start: Float64Array;
  private readonly excluded: Uint8Array;
  private readonly node: Int32Array;
  private nodeTs = new Float64Array(256);
  private nodePos = new Int32Array(256);
  private nodeStep = new Int32Array(256);
  private nodeBits = new Int32Array(256);
  private nodeParent = new Int32Array(256);
  private nodes = 0;
  private maxLevel = 0;
  private maxStart = UNSET;
  private maxExcluded = false;
  private maxNode = -1;
  /** Plain path: the step times of slot s's entry at [s·n, s·n + s), and of the furthest entry. */
  private readonly slotTimes: Float64Array;
  private readonly plain: boolean;

  constructor(
    private readonly columns: KernelColumns,
    options: KernelOptions,
  ) {
    const n = options.stepCount;
    this.n = n;
    this.windowUs = options.windowUs;
    this.strict = options.strict;
    this.optionalMask = options.optionalMask;
    this.start = new Float64Array(n + 1);
    this.excluded = new Uint8Array(n + 1);
    this.node = new Int32Array(n + 1);
    this.timings = new Float64Array(n);
    this.timingSteps = new Int32Array(n);
    this.plain = !options.strict && options.optionalMask === 0 && !options.exclusions;
    this.slotTimes = new Float64Array(this.plain ? (n + 1) * n : 0);
  }

  /** Runs one unit over positions [begin, end) and leaves its outcome in this object's fields. */
  /** `unitBits`: the OR of the unit's step and exclusion bits when the caller knows it (−1: work it out). */
  run(begin: number, end: number, scope: ValueScope | null, unitBits = -1): this {
    const { ts, steps, exclusions } = this.columns;
    const n = this.n;
    const strict = this.strict;
    // The common case (no optional steps, no strict resets, no breakdown rule) inlines the advance below.
    const simple = scope === null && !strict && this.optionalMask === 0;
    const windowUs = this.windowUs;

    if (simple) {
      // A unit whose events can only fill step 0 has entered and gone no further: its first event is the path.
      let bits = unitBits;
      if (bits < 0) {
        bits = 0;
        for (let j = begin; j < end; j += 1) bits |= (steps[j] as number) | (exclusions[j] as number);
      }
      if (bits === 1) {
        let first = begin;
        while ((steps[first] as number) === 0) first += 1; // strict funnels and correlation see other events too
        this.counted = true;
        this.pathBits = 1;
        this.timingCount = 1;
        this.timings[0] = ts[first] as number;
        this.timingSteps[0] = 0;
        return this;
      }
      if (this.plain && this.runPlain(begin, end)) return this;
    }

    const start = this.start;
    const excluded = this.excluded;
    const node = this.node;
    for (let s = 0; s <= n; s += 1) {
      start[s] = UNSET;
      excluded[s] = 0;
      node[s] = -1;
    }
    this.nodes = 0;
    this.maxLevel = 0;
    this.maxStart = UNSET;
    this.maxExcluded = false;
    this.maxNode = -1;
    const only = scope?.onlyMatching ? scope : null;

    let i = begin;
    while (i < end) {
      const t = ts[i] as number;
      start[0] = t;
      if (i + 1 === end || ts[i + 1] !== t) {
        const stepBits = steps[i] as number;
        const exclusionBits = exclusions[i] as number;
        if (simple && exclusionBits === 0) {
          for (let m = stepBits; m !== 0; ) {
            const k = 31 - Math.clz32(m);
            m ^= 1 << k;
            const pStart = start[k] as number;
            if (t - pStart > windowUs || start[k + 1] === pStart) continue;
            const created = this.newNode(t, i, k, node[k] as number);
            const tainted = excluded[k] === 1;
            if (!tainted) {
              start[k + 1] = pStart;
              excluded[k + 1] = 0;
              node[k + 1] = created;
            }
            if (k + 1 > this.maxLevel || (k + 1 === this.maxLevel && this.maxExcluded)) {
              this.maxLevel = k + 1;
              this.maxStart = pStart;
              this.maxExcluded = tainted;
              this.maxNode = created;
            }
          }
        } else if (!this.skips(i, only, strict)) {
          this.processEvent(i, t, stepBits, exclusionBits, false, scope);
        }
        i += 1;
      } else {
        let groupEnd = i + 1;
        while (groupEnd < end && ts[groupEnd] === t) groupEnd += 1;
        this.processGroup(i, groupEnd, t, only, scope);
        i = groupEnd;
      }
      if (start[n] !== UNSET) break; // converted: nothing later can change the result
    }
    this.finish();
    return this;
  }

  /**
   * The plain path (see the class comment): the same advances as the general loop, with step times kept per slot
   * rather than as a chain of nodes. False when two of the unit's events share a timestamp before it converts: then
   * the general loop runs the unit from the start.
   */
  private runPlain(begin: number, end: number): boolean {
    const { ts, steps } = this.columns;
    const n = this.n;
    const windowUs = this.windowUs;
    const start = this.start;
    const times = this.slotTimes;
    for (let s = 1; s <= n; s += 1) start[s] = UNSET;
    let maxLevel = 0;
    for (let i = begin; i < end; i += 1) {
      const t = ts[i] as number;
      if (i + 1 < end && ts[i + 1] === t) return false;
      for (let m = steps[i] as number; m !== 0; ) {
        const k = 31 - Math.clz32(m);
        m ^= 1 << k;
        const pStart = k === 0 ? t : (start[k] as number);
        if (t - pStart > windowUs || start[k + 1] === pStart) continue;
        start[k + 1] = pStart;
        const to = (k + 1) * n;
        const from = k * n;
        for (let j = 0; j < k; j += 1) times[to + j] = times[from + j] as number;
        times[to + k] = t;
        if (k + 1 > maxLevel) {
          // The first entry to reach a new furthest step is the path that counts (later ones may replace the slot).
          maxLevel = k + 1;
          for (let j = 0; j <= k; j += 1) this.timings[j] = times[to + j] as number;
        }
      }
      if (start[n] !== UNSET) break; // converted: nothing later can change the result
    }
    this.counted = maxLevel > 0;
    this.pathBits = maxLevel === 0 ? 0 : -1 >>> (32 - maxLevel);
    this.timingCount = maxLevel;
    for (let j = 0; j < maxLevel; j += 1) this.timingSteps[j] = j;
    return true;
  }

  /** Events sharing one timestamp. */
  private processGroup(
    i: number,
    groupEnd: number,
    t: number,
    only: ValueScope | null,
    scope: ValueScope | null,
  ): void {
    const { steps, exclusions } = this.columns;
    const strict = this.strict;
    let members = 0;
    let sameSteps = true;
    let steps0 = 0;
    let exclusions0 = 0;
    for (let g = i; g < groupEnd; g += 1) {
      if (this.skips(g, only, strict)) continue;
      if (members === 0) {
        steps0 = steps[g] as number;
        exclusions0 = exclusions[g] as number;
      } else if (steps[g] !== steps0 || exclusions[g] !== exclusions0) sameSteps = false;
      members += 1;
    }
    if (members === 1 || sameSteps) {
      for (let g = i; g < groupEnd; g += 1) {
        if (!this.skips(g, only, strict))
          this.processEvent(g, t, steps[g] as number, exclusions[g] as number, false, scope);
      }
    } else if (members > 1) {
      // Different events at one instant: taken in funnel order, each event used at most once per path;
      // exclusions and strict resets do not apply inside the group.
      for (let k = 0; k < this.n; k += 1) {
        for (let g = i; g < groupEnd; g += 1) {
          if (this.skips(g, only, strict)) continue;
          if ((steps[g] as number) & (1 << k)) this.processEvent(g, t, 1 << k, 0, true, scope);
        }
      }
    }
  }

  /** Positions outside this run: another breakdown value, or (outside strict funnels) events of no step. */
  private skips(i: number, only: ValueScope | null, strict: boolean): boolean {
    if (only !== null && only.valueAt[i] !== only.value) return true;
    return !strict && ((this.columns.steps[i] as number) | (this.columns.exclusions[i] as number)) === 0;
  }

  /** The nearest slot an event may advance from into slot s: s−1, or further back over empty optional steps. */
  private predecessor(s: number, t: number): number {
    let p = s - 1;
    let pt = this.start[p] as number;
    let inWindow = t - pt <= this.windowUs;
    while (p > 0 && !inWindow && this.optionalMask & (1 << (p - 1))) {
      p -= 1;
      pt = this.start[p] as number;
      inWindow = t - pt <= this.windowUs;
    }
    return inWindow ? p : -1;
  }

  private processEvent(
    i: number,
    t: number,
    steps: number,
    exclusions: number,
    multiple: boolean,
    scope: ValueScope | null,
  ): void {
    const n = this.n;
    // Exclusions first, then steps from the highest down (an event moves a path at most one step).
    for (let m = exclusions; m !== 0; ) {
      const k = 31 - Math.clz32(m);
      m &= ~(1 << k);
      const s = k + 1;
      if (s > n) continue;
      const p = this.predecessor(s, t);
      if (p < 0) continue;
      if (this.start[s] === this.start[p]) continue; // this entry is already past the guarded step
      if (this.excluded[p] === 0) {
        this.excluded[p] = 1;
        if (this.maxLevel === p && t - this.maxStart <= this.windowUs) this.maxExcluded = true;
      }
    }
    for (let m = steps; m !== 0; ) {
      const k = 31 - Math.clz32(m);
      m &= ~(1 << k);
      const s = k + 1;
      const p = this.predecessor(s, t);
      if (p < 0) continue;
      const pStart = this.start[p] as number;
      if (this.start[s] === pStart) continue; // this entry already has step k
      // Step attribution: the event that fills step N must carry the value.
      if (scope !== null && scope.step === k && scope.valueAt[i] !== scope.value) continue;
      const parent = this.node[p] as number;
      if (multiple && this.used(parent, i)) continue;
      const created = this.newNode(t, i, k, parent);
      const tainted = this.excluded[p] === 1;
      if (!tainted) {
        this.start[s] = pStart;
        this.excluded[s] = 0;
        this.node[s] = created;
      }
      if (s > this.maxLevel || (s === this.maxLevel && this.maxExcluded)) {
        this.maxLevel = s;
        this.maxStart = pStart;
        this.maxExcluded = tainted;
        this.maxNode = created;
      }
    }
    if (this.strict && !multiple) {
      for (let s = 1; s <= n; s += 1) {
        if (!(steps & (1 << (s - 1)))) {
          this.start[s] = UNSET;
          this.excluded[s] = 0;
          this.node[s] = -1;
        }
      }
    }
  }

  private newNode(t: number, i: number, k: number, parent: number): number {
    if (this.nodes === this.nodeTs.length) this.grow();
    const id = this.nodes++;
    this.nodeTs[id] = t;
    this.nodePos[id] = i;
    this.nodeStep[id] = k;
    this.nodeParent[id] = parent;
    this.nodeBits[id] = (parent >= 0 ? (this.nodeBits[parent] as number) : 0) | (1 << k);
    return id;
  }

  private grow(): void {
    const size = this.nodeTs.length * 2;
    const resize = <T extends Float64Array | Int32Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.nodeTs = resize(this.nodeTs, new Float64Array(size));
    this.nodePos = resize(this.nodePos, new Int32Array(size));
    this.nodeStep = resize(this.nodeStep, new Int32Array(size));
    this.nodeBits = resize(this.nodeBits, new Int32Array(size));
    this.nodeParent = resize(this.nodeParent, new Int32Array(size));
  }

  /** Whether the path ending at `node` already used position i for a (non-optional) step. */
  private used(node: number, i: number): boolean {
    for (let x = node; x >= 0; x = this.nodeParent[x] as number) {
      if (this.nodePos[x] === i && !(this.optionalMask & (1 << (this.nodeStep[x] as number)))) return true;
    }
    return false;
  }

  private finish(): void {
    this.counted = this.maxLevel > 0 && !this.maxExcluded;
    this.timingCount = 0;
    this.pathBits = 0;
    if (!this.counted) return;
    this.pathBits = this.nodeBits[this.maxNode] as number;
    let count = 0;
    for (let x = this.maxNode; x >= 0; x = this.nodeParent[x] as number) {
      if (!(this.optionalMask & (1 << (this.nodeStep[x] as number)))) count += 1;
    }
    this.timingCount = count;
    for (let x = this.maxNode; x >= 0; x = this.nodeParent[x] as number) {
      const k = this.nodeStep[x] as number;
      if (this.optionalMask & (1 << k)) continue;
      count -= 1;
      this.timings[count] = this.nodeTs[x] as number;
      this.timingSteps[count] = k;
    }
  }
}
