/**
 * How a lead-scoring model is read (docs/scoring.md): the calibration table (predicted against observed per
 * probability bin), lift by decile (the leads ranked by score in ten equal groups, each group's conversion against
 * the overall rate), and each column's mean over the training rows (the average lead explanations measure against,
 * train-model.ts). Pure.
 */

export interface CalibrationRow {
  lower: number;
  upper: number;
  units: number;
  meanPredicted: number | null;
  observedRate: number | null;
}

export function calibrationTable(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): CalibrationRow[] {
  const rows = Array.from({ length: bins }, (_, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    units: 0,
    predicted: 0,
    observed: 0,
  }));
  for (let i = 0; i < p.length; i += 1) {
    const row = rows[Math.min(bins - 1, Math.floor((p[i] as number) * bins))] as (typeof rows)[number];
    row.units += 1;
    row.predicted += p[i] as number;
    row.observed += y[i] as number;
  }
  return rows.map((r) => ({
    lower: r.lower,
    upper: r.upper,
    units: r.units,
    meanPredicted: r.units > 0 ? r.predicted / r.units : null,
    observedRate: r.units > 0 ? r.observed / r.units : null,
  }));
}

export interface DecileRow {
  /** 1: the highest scores. */
  decile: number;
  units: number;
  conversions: number;
  rate: number;
  /** rate ÷ the overall rate. */
  lift: number | null;
}

/** Leads sorted by score (highest first, ties in input order) and cut into ten groups as equal as they come. */
export function liftByDecile(p: ArrayLike<number>, y: ArrayLike<number>): DecileRow[] {
  const n = p.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (p[b] as number) - (p[a] as number) || a - b);
  const overall = Array.from(y as ArrayLike<number>).reduce((s, v) => s + v, 0) / n;
  return Array.from({ length: 10 }, (_, d) => {
    const from = Math.floor((d * n) / 10);
    const to = Math.floor(((d + 1) * n) / 10);
    let conversions = 0;
    for (let k = from; k < to; k += 1) conversions += y[order[k] as number] as number;
    const units = to - from;
    const rate = units > 0 ? conversions / units : 0;
    return { decile: d + 1, units, conversions, rate, lift: overall > 0 ? rate / overall : null };
  });
}

/** Each column's mean over the training matrix (the average lead an explanation is measured against). */
export function columnMeans(x: Float64Array, p: number): Float64Array {
  const n = x.length / p;
  const means = new Float64Array(p);
  for (let i = 0; i < n; i += 1)
    for (let j = 0; j < p; j += 1) means[j] = (means[j] as number) + (x[i * p + j] as number) / n;
  return means;
}
