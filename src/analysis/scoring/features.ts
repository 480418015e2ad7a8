/**
 * Turning records into a design matrix for lead scoring (docs/scoring.md): numeric columns standardised (mean 0,
 * sd 1, from the training rows), categorical ones one-hot with the first level seen as the reference. The encoder is
 * learnt on the training rows and applied unchanged to others (an unseen level is all zeros). Pure.
 */
import { mulberry32 } from '../../stats/random.js';

export interface FeatureEncoder {
  numeric: { name: string; mean: number; sd: number }[];
  categorical: { name: string; levels: string[] }[];
  /** Column names of the matrix, in order. */
  columns: string[];
}

export type Row = Record<string, string | number | null>;

export function learnEncoder(
  rows: readonly Row[],
  numeric: readonly string[],
  categorical: readonly string[],
): FeatureEncoder {
  const stats = numeric.map((name) => {
    let sum = 0;
    let sq = 0;
    let n = 0;
    for (const r of rows) {
      const v = Number(r[name]);
      if (!Number.isFinite(v)) continue;
      sum += v;
      sq += v * v;
      n += 1;
    }
    const mean = n > 0 ? sum / n : 0;
    const sd = n > 1 ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 1;
    return { name, mean, sd: sd > 0 ? sd : 1 };
  });
  const levels = categorical.map((name) => {
    const seen: string[] = [];
    for (const r of rows) {
      const v = r[name] === null || r[name] === undefined ? '(missing)' : String(r[name]);
      if (!seen.includes(v)) seen.push(v);
    }
    return { name, levels: seen.sort() };
  });
  return {
    numeric: stats,
    categorical: levels,
    columns: [...stats.map((s) => s.name), ...levels.flatMap((c) => c.levels.slice(1).map((l) => `${c.name}=${l}`))],
  };
}

/** The rows as a row-major matrix of the encoder's columns. */
export function encode(encoder: FeatureEncoder, rows: readonly Row[]): Float64Array {
  const p = encoder.columns.length;
  const x = new Float64Array(rows.length * p);
  const offsets: number[] = [];
  let at = encoder.numeric.length;
  for (const c of encoder.categorical) {
    offsets.push(at);
    at += c.levels.length - 1;
  }
  rows.forEach((r, i) => {
    const base = i * p;
    encoder.numeric.forEach((s, j) => {
      const v = Number(r[s.name]);
      x[base + j] = Number.isFinite(v) ? (v - s.mean) / s.sd : 0;
    });
    encoder.categorical.forEach((c, k) => {
      const v = r[c.name] === null || r[c.name] === undefined ? '(missing)' : String(r[c.name]);
      const level = c.levels.indexOf(v);
      if (level > 0) x[base + (offsets[k] as number) + level - 1] = 1;
    });
  });
  return x;
}

/** Stratified k folds in a seeded shuffled order: fold of each row. */
export function stratifiedFolds(y: ArrayLike<number>, k: number, seed: number): Int32Array {
  const uniform = mulberry32(seed);
  const fold = new Int32Array(y.length);
  for (const cls of [0, 1]) {
    const members = Array.from({ length: y.length }, (_, i) => i).filter((i) => y[i] === cls);
    for (let i = members.length - 1; i > 0; i -= 1) {
      const j = Math.floor(uniform() * (i + 1));
      [members[i], members[j]] = [members[j] as number, members[i] as number];
    }
    members.forEach((row, i) => {
      fold[row] = i % k;
    });
  }
  return fold;
}
