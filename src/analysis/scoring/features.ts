/**
 * Turning feature columns into a design matrix for lead scoring (docs/scoring.md): numeric columns standardised
 * (mean 0, sd 1, from the training rows; counts on a log scale first), categorical ones one-hot against their most
 * frequent level. The encoder is learnt on the training rows and applied unchanged to others. And the folds of
 * cross-validation. Pure.
 */
import { mulberry32 } from '../../stats/random.js';

export interface FeatureEncoder {
  /** `log`: the value is taken as log(1 + max(0, x)) before standardising (counts). */
  numeric: { name: string; mean: number; sd: number; log?: boolean }[];
  categorical: { name: string; levels: string[] }[];
  /** Column names of the matrix, in order. */
  columns: string[];
}

/** Named feature columns (one value per row): what lead features are built as, without a row object per lead. */
export interface FeatureFrame {
  rows: number;
  numeric: Map<string, Float64Array>;
  categorical: Map<string, (string | null)[]>;
}

/** Levels beyond this many (by frequency) are pooled as "(other)". */
const maxLevels = 20;
const other = '(other)';

const levelOf = (v: string | null | undefined) => (v === null || v === undefined ? '(missing)' : v);

/**
 * An encoder learnt on a frame's rows (`subset`, else all): numeric columns standardised (those `logScale` names on
 * a log scale first), categorical ones one-hot against their most frequent level, at most 20 levels kept (the rest
 * pooled as "(other)").
 */
export function learnFrameEncoder(
  frame: FeatureFrame,
  logScale: (name: string) => boolean,
  subset?: Int32Array,
): FeatureEncoder {
  const rows = subset ?? Int32Array.from({ length: frame.rows }, (_, i) => i);
  const numeric = [...frame.numeric].map(([name, values]) => {
    const log = logScale(name);
    let sum = 0;
    let sq = 0;
    let n = 0;
    for (const i of rows) {
      const raw = values[i] as number;
      if (!Number.isFinite(raw)) continue;
      const v = log ? Math.log1p(Math.max(0, raw)) : raw;
      sum += v;
      sq += v * v;
      n += 1;
    }
    const mean = n > 0 ? sum / n : 0;
    const sd = n > 1 ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 1;
    return { name, mean, sd: sd > 1e-12 ? sd : 1, ...(log ? { log: true } : {}) };
  });
  const categorical = [...frame.categorical].map(([name, values]) => {
    const counts = new Map<string, number>();
    for (const i of rows) {
      const v = levelOf(values[i]);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([v]) => v);
    const levels = ranked.length > maxLevels ? [...ranked.slice(0, maxLevels - 1), other] : ranked;
    return { name, levels };
  });
  return {
    numeric,
    categorical,
    columns: [
      ...numeric.map((s) => s.name),
      ...categorical.flatMap((c) => c.levels.slice(1).map((l) => `${c.name}=${l}`)),
    ],
  };
}

/**
 * The frame's rows (`subset`, else all) as a row-major matrix of the encoder's columns (`allocate` makes the array,
 * e.g. over shared memory for worker threads).
 */
export function encodeFrame(
  encoder: FeatureEncoder,
  frame: FeatureFrame,
  subset?: Int32Array,
  allocate: (length: number) => Float64Array = (length) => new Float64Array(length),
): Float64Array {
  const n = subset ? subset.length : frame.rows;
  const p = encoder.columns.length;
  const x = allocate(n * p);
  encoder.numeric.forEach((s, j) => {
    const values = frame.numeric.get(s.name);
    if (!values) return;
    for (let k = 0; k < n; k += 1) {
      const raw = values[subset ? (subset[k] as number) : k] as number;
      if (!Number.isFinite(raw)) continue;
      const v = s.log ? Math.log1p(Math.max(0, raw)) : raw;
      x[k * p + j] = (v - s.mean) / s.sd;
    }
  });
  let at = encoder.numeric.length;
  for (const c of encoder.categorical) {
    const values = frame.categorical.get(c.name);
    const index = new Map(c.levels.map((l, i) => [l, i]));
    const pooled = index.get(other);
    if (values) {
      for (let k = 0; k < n; k += 1) {
        const level = index.get(levelOf(values[subset ? (subset[k] as number) : k])) ?? pooled;
        if (level !== undefined && level > 0) x[k * p + at + level - 1] = 1;
      }
    }
    at += c.levels.length - 1;
  }
  return x;
}

/** The source feature of each encoded column (a categorical column's levels all map to its name). */
export function sourceOfColumns(encoder: FeatureEncoder): string[] {
  return [
    ...encoder.numeric.map((s) => s.name),
    ...encoder.categorical.flatMap((c) => c.levels.slice(1).map(() => c.name)),
  ];
}

/**
 * Folds by group (a person's rows stay together), stratified: groups with a positive row and the others are each
 * shuffled (seeded) and dealt round-robin. Fold of each row.
 */
export function groupedFolds(groups: Int32Array, y: ArrayLike<number>, k: number, seed: number): Int32Array {
  const positive = new Map<number, boolean>();
  for (let i = 0; i < groups.length; i += 1) {
    const g = groups[i] as number;
    positive.set(g, (positive.get(g) ?? false) || y[i] === 1);
  }
  const uniform = mulberry32(seed);
  const foldOf = new Map<number, number>();
  for (const cls of [true, false]) {
    const members = [...positive].filter(([, p]) => p === cls).map(([g]) => g);
    members.sort((a, b) => a - b);
    for (let i = members.length - 1; i > 0; i -= 1) {
      const j = Math.floor(uniform() * (i + 1));
      [members[i], members[j]] = [members[j] as number, members[i] as number];
    }
    members.forEach((g, i) => {
      foldOf.set(g, i % k);
    });
  }
  return Int32Array.from(groups, (g) => foldOf.get(g) as number);
}
