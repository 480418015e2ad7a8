import type { FunnelStream } from '../../engine/funnel-stream.js';
import type { UnitOutcome } from '../../engine/ordered-kernel.js';

/**
 * The person units of a funnel run for "what dropped units did instead" and the time between steps
 * (docs/diagnose.md): per counted unit its breakdown value, and per unit and step it reached (the last step
 * excepted) one entry of parallel arrays.
 */
export interface TransitionUnits {
  /** Counted units. */
  unitCount: number;
  /** Per segmentation of the run (`PassRequest.segmentations`), per counted unit in person order: its value id. */
  unitValues: Int32Array[];
  /** Per counted unit: the steps its counted path used (bit k = step k). */
  unitPaths: Int32Array;
  /** Per counted unit: the time of its path's first step (µs), where its window starts. */
  unitEntryUs: Float64Array;
  /** Per counted unit: the store row of its path's first event. */
  unitFirstRow: Int32Array;
  /** Per counted unit: the time its path reached the last step (µs); NaN when it did not (or the step is optional). */
  unitConvertUs: Float64Array;
  /** Per entry: the counted unit (an index into `unitValues`). */
  unit: Int32Array;
  /** The step reached (the transition goes from it to the next). */
  step: Uint8Array;
  /** The store row of the step's event on the unit's counted path. */
  rows: Int32Array;
  /** 1: the unit reached the next step. */
  converted: Uint8Array;
  /** The end (µs, exclusive) of what counts as "before converting": the next step's time, else the window's end. */
  endUs: Float64Array;
}

/** The per-entry arrays. */
export type TransitionEntries = Pick<TransitionUnits, 'unit' | 'step' | 'rows' | 'converted' | 'endUs'>;

/** Grows a typed array to `size`, keeping its contents. */
function grown<T extends Int32Array | Uint8Array | Float64Array>(a: T, size: number): T {
  const bigger = new (a.constructor as new (n: number) => T)(size);
  bigger.set(a);
  return bigger;
}

/**
 * Collects the units of a pass into typed arrays that double as they fill (no boxed numbers; plain fields rather
 * than a wrapper per array, so the hot `add` stays monomorphic).
 */
export class TransitionCollector {
  private units = 0;
  private unitValues: Int32Array[];
  private unitPaths: Int32Array;
  private unitEntryUs: Float64Array;
  private unitFirstRow: Int32Array;
  private unitConvertUs: Float64Array;
  private length = 0;
  private unit: Int32Array;
  private step: Uint8Array;
  private rows: Int32Array;
  private converted: Uint8Array;
  private endUs: Float64Array;

  /** `capacity`: the units expected (the persons of the pass's range), so the arrays rarely grow. */
  constructor(
    private readonly stepCount: number,
    private readonly windowUs: number,
    segmentations: number,
    capacity: number,
  ) {
    const size = Math.max(16, capacity);
    this.unitValues = Array.from({ length: segmentations }, () => new Int32Array(size));
    this.unitPaths = new Int32Array(size);
    this.unitEntryUs = new Float64Array(size);
    this.unitFirstRow = new Int32Array(size);
    this.unitConvertUs = new Float64Array(size);
    // An entry per step reached but the last: about one and a half per unit in a typical funnel.
    const entries = Math.max(16, Math.ceil(size * 1.5));
    this.unit = new Int32Array(entries);
    this.step = new Uint8Array(entries);
    this.rows = new Int32Array(entries);
    this.converted = new Uint8Array(entries);
    this.endUs = new Float64Array(entries);
  }

  private growEntries(): void {
    const size = this.unit.length * 2;
    this.unit = grown(this.unit, size);
    this.step = grown(this.step, size);
    this.rows = grown(this.rows, size);
    this.converted = grown(this.converted, size);
    this.endUs = grown(this.endUs, size);
  }

  /**
   * Adds a counted unit with its value in each segmentation, and an entry for each step but the last on its path:
   * the row of that step's event (the first event at the step's time that matches the step), whether the path
   * reached the next step, and the end of the look-ahead (the next step's time, else the window's end).
   */
  add(
    kernel: UnitOutcome,
    stream: Pick<FunnelStream, 'ts' | 'steps' | 'rowOf'>,
    begin: number,
    end: number,
    segmentValues: Int32Array,
  ): void {
    const unit = this.units++;
    if (unit === this.unitPaths.length) {
      this.unitPaths = grown(this.unitPaths, unit * 2);
      this.unitEntryUs = grown(this.unitEntryUs, unit * 2);
      this.unitFirstRow = grown(this.unitFirstRow, unit * 2);
      this.unitConvertUs = grown(this.unitConvertUs, unit * 2);
    }
    // Times are kept for non-optional steps: the last one's is the conversion time when it is the last step.
    const lastTiming = kernel.timingCount - 1;
    this.unitConvertUs[unit] =
      lastTiming >= 0 && kernel.timingSteps[lastTiming] === this.stepCount - 1
        ? (kernel.timings[lastTiming] as number)
        : Number.NaN;
    this.unitPaths[unit] = kernel.pathBits;
    this.unitEntryUs[unit] = kernel.timings[0] as number;
    this.unitFirstRow[unit] = -1;
    for (let s = 0; s < this.unitValues.length; s += 1) {
      let values = this.unitValues[s] as Int32Array;
      if (unit === values.length) {
        values = grown(values, values.length * 2);
        this.unitValues[s] = values;
      }
      values[unit] = segmentValues[s] as number;
    }
    const windowEnd = (kernel.timings[0] as number) + this.windowUs;
    let i = begin;
    for (let j = 0; j < kernel.timingCount; j += 1) {
      const step = kernel.timingSteps[j] as number;
      const bit = 1 << step;
      const t = kernel.timings[j] as number;
      // The step's event: the first at its time that matches it. Path times never decrease, so the search goes
      // on from where the previous step's ended.
      while (i < end && (stream.ts[i] as number) < t) i += 1;
      let row = -1;
      for (let r = i; r < end && stream.ts[r] === t; r += 1) {
        if ((stream.steps[r] as number) & bit) {
          row = stream.rowOf[r] as number;
          break;
        }
      }
      if (j === 0) this.unitFirstRow[unit] = row;
      if (step >= this.stepCount - 1 || row < 0) continue;
      const converted = (kernel.pathBits & (bit << 1)) !== 0;
      let next = windowEnd;
      if (converted) {
        for (let m = j + 1; m < kernel.timingCount; m += 1) {
          if (kernel.timingSteps[m] === step + 1) next = kernel.timings[m] as number;
        }
      }
      if (this.length === this.unit.length) this.growEntries();
      const at = this.length++;
      this.unit[at] = unit;
      this.step[at] = step;
      this.rows[at] = row;
      this.converted[at] = converted ? 1 : 0;
      this.endUs[at] = next;
    }
  }

  /** The collected arrays (trimmed copies, so their buffers can be transferred). */
  result(): TransitionUnits {
    const n = this.length;
    return {
      unitCount: this.units,
      unitValues: this.unitValues.map((v) => v.slice(0, this.units)),
      unitPaths: this.unitPaths.slice(0, this.units),
      unitEntryUs: this.unitEntryUs.slice(0, this.units),
      unitFirstRow: this.unitFirstRow.slice(0, this.units),
      unitConvertUs: this.unitConvertUs.slice(0, this.units),
      unit: this.unit.slice(0, n),
      step: this.step.slice(0, n),
      rows: this.rows.slice(0, n),
      converted: this.converted.slice(0, n),
      endUs: this.endUs.slice(0, n),
    };
  }
}

/** The parts one after another (the parts are in person order); unit indices shift by the units before. */
export function concatTransitions(parts: readonly TransitionUnits[], segmentations: number): TransitionUnits {
  const units = parts.reduce((sum, p) => sum + p.unitCount, 0);
  const length = parts.reduce((sum, p) => sum + p.rows.length, 0);
  const out: TransitionUnits = {
    unitCount: units,
    unitValues: Array.from({ length: segmentations }, () => new Int32Array(units)),
    unitPaths: new Int32Array(units),
    unitEntryUs: new Float64Array(units),
    unitFirstRow: new Int32Array(units),
    unitConvertUs: new Float64Array(units),
    unit: new Int32Array(length),
    step: new Uint8Array(length),
    rows: new Int32Array(length),
    converted: new Uint8Array(length),
    endUs: new Float64Array(length),
  };
  let at = 0;
  let unitsBefore = 0;
  for (const part of parts) {
    part.unitValues.forEach((values, s) => {
      out.unitValues[s]?.set(values, unitsBefore);
    });
    out.unitPaths.set(part.unitPaths, unitsBefore);
    out.unitEntryUs.set(part.unitEntryUs, unitsBefore);
    out.unitFirstRow.set(part.unitFirstRow, unitsBefore);
    out.unitConvertUs.set(part.unitConvertUs, unitsBefore);
    for (let i = 0; i < part.unit.length; i += 1) out.unit[at + i] = (part.unit[i] as number) + unitsBefore;
    out.step.set(part.step, at);
    out.rows.set(part.rows, at);
    out.converted.set(part.converted, at);
    out.endUs.set(part.endUs, at);
    at += part.rows.length;
    unitsBefore += part.unitCount;
  }
  return out;
}

/** The entries of each step, `stepCount` groups in one pass. */
export function entriesByStep(units: TransitionUnits, stepCount: number): TransitionEntries[] {
  const counts = new Int32Array(stepCount);
  for (let i = 0; i < units.step.length; i += 1) {
    const step = units.step[i] as number;
    if (step < stepCount) counts[step] = (counts[step] as number) + 1;
  }
  const out: TransitionEntries[] = Array.from(counts, (count, step) => ({
    unit: new Int32Array(count),
    step: new Uint8Array(count).fill(step),
    rows: new Int32Array(count),
    converted: new Uint8Array(count),
    endUs: new Float64Array(count),
  }));
  const at = new Int32Array(stepCount);
  for (let i = 0; i < units.step.length; i += 1) {
    const step = units.step[i] as number;
    if (step >= stepCount) continue;
    const e = out[step] as TransitionEntries;
    const j = at[step] as number;
    at[step] = j + 1;
    e.unit[j] = units.unit[i] as number;
    e.rows[j] = units.rows[i] as number;
    e.converted[j] = units.converted[i] as number;
    e.endUs[j] = units.endUs[i] as number;
  }
  return out;
}
