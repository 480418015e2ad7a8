/**
 * Forecasts of a regular series and how good they are (docs/forecasting.md): the ETS model chosen by AICc, the
 * seasonal naive and drift baselines, and a rolling-origin backtest — refit at each of the last origins, forecast the
 * next `horizon` values — scored by MAPE, sMAPE and MASE (errors scaled by the in-sample seasonal naive error, or
 * the naive one without seasons), with the share of actual values inside the 80% and 95% intervals. Pure.
 */
import { type EtsFit, forecastEts, selectEts, simulateIntervals } from '../../stats/ets.js';

export interface Accuracy {
  mape: number | null;
  smape: number | null;
  mase: number | null;
}

/** Each value as the same season's last one (the last value itself when there is no full season yet). */
export const seasonalNaive = (y: readonly number[], m: number, h: number) =>
  m > 1 && y.length >= m
    ? Array.from({ length: h }, (_, i) => y[y.length - m + (i % m)] as number)
    : new Array<number>(h).fill(y[y.length - 1] as number);

export const drift = (y: readonly number[], h: number) => {
  const slope = y.length > 1 ? ((y[y.length - 1] as number) - (y[0] as number)) / (y.length - 1) : 0;
  return Array.from({ length: h }, (_, i) => (y[y.length - 1] as number) + slope * (i + 1));
};

/** In-sample mean absolute error of the seasonal naive forecast (lag m; lag 1 without seasons). */
export function maseScale(y: readonly number[], m: number): number {
  const lag = m > 1 && y.length > m ? m : 1;
  let total = 0;
  for (let i = lag; i < y.length; i += 1) total += Math.abs((y[i] as number) - (y[i - lag] as number));
  return total / (y.length - lag);
}

export function accuracy(actual: readonly number[], forecast: readonly number[], scale: number): Accuracy {
  const n = actual.length;
  if (n === 0) return { mape: null, smape: null, mase: null };
  let ape = 0;
  let sape = 0;
  let ae = 0;
  let apeCount = 0;
  for (let i = 0; i < n; i += 1) {
    const a = actual[i] as number;
    const f = forecast[i] as number;
    ae += Math.abs(a - f);
    if (a !== 0) {
      ape += Math.abs((a - f) / a);
      apeCount += 1;
    }
    sape += Math.abs(a) + Math.abs(f) === 0 ? 0 : (2 * Math.abs(a - f)) / (Math.abs(a) + Math.abs(f));
  }
  return {
    mape: apeCount > 0 ? (ape / apeCount) * 100 : null,
    smape: (sape / n) * 100,
    mase: scale > 0 ? ae / n / scale : null,
  };
}

export interface Backtest {
  origins: number;
  horizon: number;
  models: { model: string; accuracy: Accuracy }[];
  /** Share of held-out values inside the chosen model's 80% and 95% intervals. */
  coverage: { level: number; share: number }[];
}

/** Rolling origin: the last `origins` cut points, each forecasting `horizon` values ahead (fewer at the end). */
export function backtest(y: readonly number[], period: number, horizon: number, origins: number): Backtest {
  const actual: number[] = [];
  const forecasts: Record<string, number[]> = { chosen: [], 'seasonal naive': [], drift: [] };
  const inside = new Map<number, number>([
    [0.8, 0],
    [0.95, 0],
  ]);
  const scaleParts: number[] = [];
  for (let o = origins; o >= 1; o -= 1) {
    const cut = y.length - o;
    const train = y.slice(0, cut);
    const test = y.slice(cut, cut + horizon);
    const [best] = selectEts(train, period);
    if (!best) continue;
    const point = forecastEts(best, test.length);
    const intervals = simulateIntervals(best, test.length, [0.8, 0.95], 1000, o);
    for (const band of intervals) {
      test.forEach((v, i) => {
        if (v >= (band.lower[i] as number) && v <= (band.upper[i] as number))
          inside.set(band.level, (inside.get(band.level) ?? 0) + 1);
      });
    }
    actual.push(...test);
    forecasts.chosen?.push(...point);
    forecasts['seasonal naive']?.push(...seasonalNaive(train, period, test.length));
    forecasts.drift?.push(...drift(train, test.length));
    for (let i = 0; i < test.length; i += 1) scaleParts.push(maseScale(train, period));
  }
  const scale = scaleParts.length > 0 ? scaleParts.reduce((a, b) => a + b, 0) / scaleParts.length : 0;
  return {
    origins,
    horizon,
    models: Object.entries(forecasts).map(([model, f]) => ({ model, accuracy: accuracy(actual, f, scale) })),
    coverage: [...inside].map(([level, count]) => ({ level, share: actual.length > 0 ? count / actual.length : 0 })),
  };
}

export interface SeriesForecast {
  model: string;
  fit: EtsFit;
  points: number[];
  intervals: { level: number; lower: number[]; upper: number[] }[];
  baselines: { 'seasonal naive': number[]; drift: number[] };
  candidates: { model: string; aicc: number }[];
}

export function forecastSeries(y: readonly number[], period: number, horizon: number): SeriesForecast | null {
  const fits = selectEts(y, period);
  const best = fits[0];
  if (!best) return null;
  return {
    model: best.name,
    fit: best,
    points: forecastEts(best, horizon),
    intervals: simulateIntervals(best, horizon),
    baselines: { 'seasonal naive': seasonalNaive(y, period, horizon), drift: drift(y, horizon) },
    candidates: fits.map((f) => ({ model: f.name, aicc: f.aicc })),
  };
}
