import { personOf } from '../../engine/funnel-stream.js';
import { type Interval, wilsonInterval } from '../../stats/wilson-interval.js';
import type { EventColumns } from '../../store/event-columns.js';

/**
 * Cohort tables (docs/cohorts.md): the funnel's units grouped by when they entered (or by a property), with the
 * conversion to each step per cohort, and the retention of a returning event over the periods after each unit's
 * start. Pure: the runner hands over the units of one funnel pass.
 */

export interface CohortStep {
  /** Units of the cohort whose counted path reached the step. */
  count: number;
  /** count ÷ the cohort's units (conversion from entry), with its 95% Wilson interval. */
  rate: number | null;
  interval: Interval | null;
}

export interface CohortRow {
  cohort: string;
  units: number;
  /** Units whose conversion window had not ended by the end of the data (their later steps may still come). */
  stillInWindow: number;
  steps: CohortStep[];
}

/** A grid ready for a heatmap: `data` holds [x index, y index, value] with value null where nothing is known. */
export interface Heatmap {
  x: string[];
  y: string[];
  data: [number, number, number | null][];
}

export interface RetentionCell {
  /** Units whose period had ended by the end of the data (the denominator). */
  units: number;
  /** Of those, the units that did the returning event in the period. */
  retained: number;
  rate: number | null;
  interval: Interval | null;
}

export interface RetentionRow {
  cohort: string;
  /** Units of the cohort with a start (all of them from entry; the converted ones from conversion). */
  units: number;
  /** Per period 0, 1, …; null when the period of no unit had ended by the end of the data. */
  cells: (RetentionCell | null)[];
}

/** The units of a funnel pass as the cohort tables read them (per counted unit, in person order). */
export interface CohortUnits {
  /** Steps the counted path used (bit k = step k). */
  paths: Int32Array;
  /** The path's first step time (µs). */
  entryUs: Float64Array;
  /** A store row of the unit's person (its first path event), to find the person's events. */
  firstRow: Int32Array;
}

/** Grows a list of per-slot arrays (or counters) to `size` slots. */
function ensureSlots<T>(list: T[], size: number, make: () => T): void {
  while (list.length < size) list.push(make());
}

/**
 * The conversion grid, added up unit by unit (one pass, or batch after batch of persons): per cohort slot
 * (cohortOf[u]; -1 = in none), the units reaching each step. A unit is still in window when entry + window > the
 * end of the data. `rows` turns the slots into the cohorts' rows, in the order asked.
 */
export class ConversionCounts {
  private readonly counts: Float64Array[] = [];
  private readonly sizes: number[] = [];
  private readonly open: number[] = [];

  constructor(private readonly stepCount: number) {}

  add(units: CohortUnits, cohortOf: Int32Array, window: { windowUs: number; dataEndUs: number }): void {
    for (let u = 0; u < cohortOf.length; u += 1) {
      const c = cohortOf[u] as number;
      if (c < 0) continue;
      ensureSlots(this.counts, c + 1, () => new Float64Array(this.stepCount));
      ensureSlots(this.sizes, c + 1, () => 0);
      ensureSlots(this.open, c + 1, () => 0);
      this.sizes[c] = (this.sizes[c] as number) + 1;
      if ((units.entryUs[u] as number) + window.windowUs > window.dataEndUs) {
        this.open[c] = (this.open[c] as number) + 1;
      }
      const path = units.paths[u] as number;
      const row = this.counts[c] as Float64Array;
      for (let k = 0; k < this.stepCount; k += 1) if (path & (1 << k)) row[k] = (row[k] as number) + 1;
    }
  }

  /** Units in a slot so far. */
  size(slot: number): number {
    return this.sizes[slot] ?? 0;
  }

  rows(slots: readonly number[], labels: readonly string[]): CohortRow[] {
    return slots.map((slot, i) => {
      const n = this.size(slot);
      const counts = this.counts[slot] ?? new Float64Array(this.stepCount);
      return {
        cohort: labels[i] as string,
        units: n,
        stillInWindow: this.open[slot] ?? 0,
        steps: Array.from(counts, (count) => ({
          count,
          rate: n > 0 ? count / n : null,
          interval: wilsonInterval(count, n),
        })),
      };
    });
  }
}

export interface RetentionOptions {
  /** Per unit: when its retention starts (µs), or NaN when it has none (e.g. not converted). */
  startUs: Float64Array;
  /** Event codes that count as returning (1 = returning). */
  returning: Uint8Array;
  periodUs: number;
  /** Periods 0 … periods − 1. */
  periods: number;
  dataEndUs: number;
}

/**
 * The retention grid, added up as the conversion grid is: for each unit with a start, period i is
 * [start + i·P, start + (i+1)·P); the unit is retained in it when it did a returning event strictly after its start
 * inside it. A cell counts only the units whose period had ended by the end of the data, so recent cohorts are not
 * diluted by periods still to come.
 */
export class RetentionCounts {
  private readonly observed: Float64Array[] = [];
  private readonly retained: Float64Array[] = [];
  private readonly sizes: number[] = [];

  constructor(private readonly periods: number) {}

  /** The units of one pass (or batch) over `columns`, whose rows `units.firstRow` points into. */
  add(
    columns: Pick<EventColumns, 'personStarts' | 'personCount' | 'tsUs' | 'eventCode'>,
    units: CohortUnits,
    cohortOf: Int32Array,
    options: RetentionOptions,
  ): void {
    const { personStarts, personCount, tsUs, eventCode } = columns;
    const periods = this.periods;
    const seen = new Uint8Array(periods);
    let person = 0;
    for (let u = 0; u < cohortOf.length; u += 1) {
      const c = cohortOf[u] as number;
      const start = options.startUs[u] as number;
      if (c < 0 || Number.isNaN(start) || (units.firstRow[u] as number) < 0) continue;
      ensureSlots(this.observed, c + 1, () => new Float64Array(periods));
      ensureSlots(this.retained, c + 1, () => new Float64Array(periods));
      ensureSlots(this.sizes, c + 1, () => 0);
      this.sizes[c] = (this.sizes[c] as number) + 1;
      seen.fill(0);
      person = personOf(personStarts, personCount, units.firstRow[u] as number, person);
      const end = personStarts[person + 1] as number;
      const horizon = start + periods * options.periodUs;
      for (let row = units.firstRow[u] as number; row < end; row += 1) {
        const t = tsUs[row] as number;
        if (t <= start) continue;
        if (t >= horizon) break;
        if (options.returning[eventCode[row] as number] === 1) seen[Math.floor((t - start) / options.periodUs)] = 1;
      }
      const o = this.observed[c] as Float64Array;
      const r = this.retained[c] as Float64Array;
      for (let i = 0; i < periods; i += 1) {
        if (start + (i + 1) * options.periodUs > options.dataEndUs) break;
        o[i] = (o[i] as number) + 1;
        r[i] = (r[i] as number) + (seen[i] as number);
      }
    }
  }

  rows(slots: readonly number[], labels: readonly string[]): RetentionRow[] {
    return slots.map((slot, i) => ({
      cohort: labels[i] as string,
      units: this.sizes[slot] ?? 0,
      cells: Array.from(this.observed[slot] ?? new Float64Array(this.periods), (n, p) => {
        if (n === 0) return null;
        const x = (this.retained[slot] as Float64Array)[p] as number;
        return { units: n, retained: x, rate: x / n, interval: wilsonInterval(x, n) };
      }),
    }));
  }
}

/** A heatmap of rows × columns from a value per cell. */
export function heatmap<R>(
  rows: readonly R[],
  rowLabel: (row: R) => string,
  columns: readonly string[],
  value: (row: R, column: number) => number | null,
): Heatmap {
  const data: [number, number, number | null][] = [];
  rows.forEach((row, y) => {
    columns.forEach((_, x) => {
      data.push([x, y, value(row, x)]);
    });
  });
  return { x: [...columns], y: rows.map(rowLabel), data };
}
