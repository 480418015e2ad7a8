/**
 * Anomalies in a daily series (docs/monitoring.md): each day is judged against a baseline from the days before it,
 * never from itself or later days, so a day's verdict does not change when later data arrives.
 *
 * Counts (conversions, leads, spend): the expected value is a level times a weekday factor. Over the history
 * window (the `history` days before, less days already judged anomalous), a weekday's factor is the median, over
 * its days, of the day's value over the mean of the 7 days centred on it (scaled so the factors average 1); the
 * level is the median of the last `levelDays` days divided by their factors.
 * Noise is Poisson with overdispersion φ: the mean over the window of each day's squared one-step error over its
 * expectation (each from the `levelDays` days before it), at least 1 (a median-based estimate runs low: the errors'
 * scale differs from weekday to weekday). The band is expected ± z √(φ · expected).
 *
 * Rates (a step's conversion per day): the expected rate is the pooled rate of the last 2 × `levelDays` days of the
 * window; the band on the day's conversions is n·p ± z √(φ · n·p·(1 − p)), a binomial interval widened by the
 * overdispersion φ found as for counts.
 *
 * A day is not judged during the warm-up (fewer than `warmUp` days before it, or fewer than half the window left
 * once anomalous days are taken out) or below the minimum volume: an
 * expected count under `minExpected`, or for a rate fewer than `minTrials` trials or fewer than 5 expected
 * conversions or non-conversions, so that small days do not cry wolf. Pure.
 */

export interface AnomalyOptions {
  /** Days before a day that its baseline reads (default 56: eight weeks). */
  history: number;
  /** Days the level is read from (default 14). */
  levelDays: number;
  /** Half-width of the band in standard deviations (default 3.5). */
  z: number;
  /** Counts: an expected value below this is not judged (default 10). */
  minExpected: number;
  /** Rates: fewer trials than this are not judged (default 30). */
  minTrials: number;
  /** Days of history a day needs before it is judged (default 56: the whole window). */
  warmUp: number;
}

export const defaultAnomalyOptions: AnomalyOptions = {
  history: 56,
  levelDays: 14,
  z: 3.5,
  minExpected: 10,
  minTrials: 30,
  warmUp: 56,
};

export interface DayJudgement {
  /** The day's value: a count, or a rate (conversions ÷ trials). */
  value: number;
  /** The baseline: an expected count, or an expected rate; null when not judged. */
  expected: number | null;
  lower: number | null;
  upper: number | null;
  /** (value − expected) in standard deviations of the band. */
  z: number | null;
  anomaly: 'high' | 'low' | null;
  /** Why the day is not judged. */
  notJudged: 'warm-up' | 'low volume' | null;
}

const mean = (values: number[]) => (values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const notJudged = (value: number, reason: 'warm-up' | 'low volume'): DayJudgement => ({
  value,
  expected: null,
  lower: null,
  upper: null,
  z: null,
  anomaly: null,
  notJudged: reason,
});

/** The window's usable days before `t`: within `history`, not anomalous. */
function windowBefore(t: number, history: number, flagged: Uint8Array): number[] {
  const days: number[] = [];
  for (let d = Math.max(0, t - history); d < t; d += 1) if (flagged[d] === 0) days.push(d);
  return days;
}

/**
 * Weekday factors: each window day over the mean of the 7 consecutive days centred on it (one of each weekday, so
 * free of the weekly pattern and of a trend), the median of those ratios per weekday, scaled to average 1. A
 * weekday without such days gets 1.
 */
function weekdayFactors(days: number[], values: ArrayLike<number>, weekdays: ArrayLike<number>): number[] {
  const ratios: number[][] = Array.from({ length: 7 }, () => []);
  for (let k = 3; k + 3 < days.length; k += 1) {
    // Seven consecutive calendar days only (a flagged day leaves a gap).
    if ((days[k + 3] as number) - (days[k - 3] as number) !== 6) continue;
    let sum = 0;
    for (let j = k - 3; j <= k + 3; j += 1) sum += values[days[j] as number] as number;
    if (sum > 0) ratios[weekdays[days[k] as number] as number]?.push(((values[days[k] as number] as number) * 7) / sum);
  }
  const raw = ratios.map((r) => (r.length > 0 ? median(r) : Number.NaN));
  const known = raw.filter((f) => Number.isFinite(f) && f > 0);
  const scale = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  return raw.map((f) => (Number.isFinite(f) && f > 0 ? f / scale : 1));
}

/** Judges each day of a daily count series; `weekdays[i]` is day i's weekday (0–6). */
export function countAnomalies(
  values: ArrayLike<number>,
  weekdays: ArrayLike<number>,
  options: AnomalyOptions = defaultAnomalyOptions,
): DayJudgement[] {
  const n = values.length;
  const flagged = new Uint8Array(n);
  const out: DayJudgement[] = [];
  for (let t = 0; t < n; t += 1) {
    const y = values[t] as number;
    const days = windowBefore(t, options.history, flagged);
    if (t < options.warmUp || days.length < options.history / 2) {
      out.push(notJudged(y, 'warm-up'));
      continue;
    }
    const factor = weekdayFactors(days, values, weekdays);
    const deseasonalised = (d: number) => (values[d] as number) / (factor[weekdays[d] as number] as number);
    // The level from the last levelDays usable days before d (the one-step forecast of d).
    const levelBefore = (position: number) =>
      median(days.slice(Math.max(0, position - options.levelDays), position).map(deseasonalised));
    const level = levelBefore(days.length);
    const expected = level * (factor[weekdays[t] as number] as number);
    if (!(expected >= options.minExpected)) {
      out.push(notJudged(y, 'low volume'));
      continue;
    }
    const ratios: number[] = [];
    for (let k = options.levelDays; k < days.length; k += 1) {
      const d = days[k] as number;
      const mu = levelBefore(k) * (factor[weekdays[d] as number] as number);
      if (mu > 0) ratios.push(((values[d] as number) - mu) ** 2 / mu);
    }
    const phi = Math.max(1, mean(ratios) || 1);
    const sd = Math.sqrt(phi * expected);
    const z = (y - expected) / sd;
    const anomaly = z > options.z ? 'high' : z < -options.z ? 'low' : null;
    if (anomaly) flagged[t] = 1;
    out.push({
      value: y,
      expected,
      lower: Math.max(0, expected - options.z * sd),
      upper: expected + options.z * sd,
      z,
      anomaly,
      notJudged: null,
    });
  }
  return out;
}

/** Judges each day's rate (conversions of trials). */
export function rateAnomalies(
  conversions: ArrayLike<number>,
  trials: ArrayLike<number>,
  options: AnomalyOptions = defaultAnomalyOptions,
): DayJudgement[] {
  const n = conversions.length;
  const flagged = new Uint8Array(n);
  const out: DayJudgement[] = [];
  const rate = (d: number) => ((trials[d] as number) > 0 ? (conversions[d] as number) / (trials[d] as number) : 0);
  const pooled = (days: number[]) => {
    let x = 0;
    let m = 0;
    for (const d of days) {
      x += conversions[d] as number;
      m += trials[d] as number;
    }
    return m > 0 ? x / m : Number.NaN;
  };
  const span = 2 * options.levelDays;
  const judgeable = (m: number, p: number) => m >= options.minTrials && m * p >= 5 && m * (1 - p) >= 5;
  for (let t = 0; t < n; t += 1) {
    const days = windowBefore(t, options.history, flagged);
    if (t < options.warmUp || days.length < options.history / 2) {
      out.push(notJudged(rate(t), 'warm-up'));
      continue;
    }
    const p = pooled(days.slice(-span));
    const m = trials[t] as number;
    if (!judgeable(m, p)) {
      out.push(notJudged(rate(t), 'low volume'));
      continue;
    }
    const ratios: number[] = [];
    for (let k = span; k < days.length; k += 1) {
      const d = days[k] as number;
      const q = pooled(days.slice(k - span, k));
      const md = trials[d] as number;
      if (judgeable(md, q)) ratios.push(((conversions[d] as number) - md * q) ** 2 / (md * q * (1 - q)));
    }
    const phi = Math.max(1, mean(ratios) || 1);
    const sd = Math.sqrt(phi * m * p * (1 - p));
    const z = ((conversions[t] as number) - m * p) / sd;
    const anomaly = z > options.z ? 'high' : z < -options.z ? 'low' : null;
    if (anomaly) flagged[t] = 1;
    out.push({
      value: rate(t),
      expected: p,
      lower: Math.max(0, (m * p - options.z * sd) / m),
      upper: Math.min(1, (m * p + options.z * sd) / m),
      z,
      anomaly,
      notJudged: null,
    });
  }
  return out;
}

/**
 * Judges each day's cost per acquisition (spend ÷ customers) through its customers: given the day's spend, the
 * expected customers are spend × r, r the pooled customers per unit of spend of the last 2 × `levelDays` window days;
 * the band is expected ± z √(φ · expected) (Poisson with overdispersion φ, found as for counts, at least 1). Few
 * customers for the spend is a `high` CAC, many a `low` one. The value and the band are given as CAC (spend over
 * customers; the band's ends swap). A day whose expected customers are under `minExpected` is not judged.
 */
export function cacAnomalies(
  spend: ArrayLike<number>,
  customers: ArrayLike<number>,
  options: AnomalyOptions = defaultAnomalyOptions,
): DayJudgement[] {
  const n = spend.length;
  const flagged = new Uint8Array(n);
  const out: DayJudgement[] = [];
  const cac = (s: number, c: number) => (c > 0 ? s / c : Number.NaN);
  const perSpend = (days: number[]) => {
    let c = 0;
    let s = 0;
    for (const d of days) {
      c += customers[d] as number;
      s += spend[d] as number;
    }
    return s > 0 ? c / s : Number.NaN;
  };
  const span = 2 * options.levelDays;
  for (let t = 0; t < n; t += 1) {
    const value = cac(spend[t] as number, customers[t] as number);
    const days = windowBefore(t, options.history, flagged);
    if (t < options.warmUp || days.length < options.history / 2) {
      out.push(notJudged(value, 'warm-up'));
      continue;
    }
    const r = perSpend(days.slice(-span));
    const expected = (spend[t] as number) * r;
    if (!(expected >= options.minExpected)) {
      out.push(notJudged(value, 'low volume'));
      continue;
    }
    const ratios: number[] = [];
    for (let k = span; k < days.length; k += 1) {
      const d = days[k] as number;
      const mu = (spend[d] as number) * perSpend(days.slice(k - span, k));
      if (mu >= options.minExpected) ratios.push(((customers[d] as number) - mu) ** 2 / mu);
    }
    const phi = Math.max(1, mean(ratios) || 1);
    const sd = Math.sqrt(phi * expected);
    const z = ((customers[t] as number) - expected) / sd;
    // Few customers for the spend: a high CAC.
    const anomaly = z < -options.z ? 'high' : z > options.z ? 'low' : null;
    if (anomaly) flagged[t] = 1;
    const fewest = Math.max(0, expected - options.z * sd);
    out.push({
      value,
      expected: cac(spend[t] as number, expected),
      lower: cac(spend[t] as number, expected + options.z * sd),
      upper: fewest > 0 ? cac(spend[t] as number, fewest) : Number.POSITIVE_INFINITY,
      z: -z,
      anomaly,
      notJudged: null,
    });
  }
  return out;
}
