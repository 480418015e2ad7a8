/**
 * Exponential smoothing state-space models, ETS (Hyndman, Koehler, Ord & Snyder, "Forecasting with Exponential
 * Smoothing", 2008; the models of R's forecast::ets and statsmodels' ETSModel), written here because no maintained
 * JavaScript package offers them (the registry has ARIMA, not ETS).
 *
 * A model is error (A additive, M multiplicative) × trend (N, A, Ad damped) × season (N, A, M) with period m. With
 * the one-step forecast μ = (ℓ + φb) ⊕ s (⊕: + or × by the season) and r = y − μ the states move as
 *   ℓ' = ℓ + φb + α r / S,   b' = φb + β r / S,   s' = s + γ r / T
 * where S = s for a multiplicative season (1 otherwise) and T = ℓ + φb for a multiplicative season (1 otherwise);
 * φ = 1 without damping, b = 0 without trend. The error type changes the likelihood: additive errors r, with
 * −2 log L = n log(Σ r² / n) + n (1 + log 2π); multiplicative errors ε = r / μ, with
 * −2 log L = n log(Σ ε² / n) + 2 Σ log |μ| + n (1 + log 2π). Parameters (α, β ≤ α, γ ≤ 1 − α, φ ∈ [0.8, 0.98])
 * and the initial states are fitted by maximum likelihood (Nelder–Mead over bounded transforms, from the heuristic
 * start of forecast::ets), and models are compared by AICc with k = parameters + initial states + 1.
 */
import { quantileSorted } from './quantiles.js';
import { mulberry32, standardNormal } from './random.js';

export type ErrorType = 'A' | 'M';
export type TrendType = 'N' | 'A' | 'Ad';
export type SeasonType = 'N' | 'A' | 'M';

export interface EtsSpec {
  error: ErrorType;
  trend: TrendType;
  season: SeasonType;
  period: number;
}

/** The smoothing parameters: level α, trend β, season γ, damping φ (1 without damping). */
export interface Smoothing {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

export interface EtsFit extends Smoothing {
  spec: EtsSpec;
  name: string;
  /** States after the last observation: level, trend, and the last `period` seasonal values (oldest first). */
  level: number;
  trend: number;
  season: number[];
  /** Variance of the errors (r for additive, ε for multiplicative). */
  sigma2: number;
  logLikelihood: number;
  aicc: number;
  /** One-step fitted values. */
  fitted: number[];
}

export const modelName = (s: EtsSpec) => `ETS(${s.error},${s.trend},${s.season})`;

/** The models worth trying on a series (positive data for multiplicative parts; A errors with M seasons left out as unstable). */
export function candidateSpecs(y: readonly number[], period: number): EtsSpec[] {
  const positive = y.every((v) => v > 0);
  const seasonal = period > 1 && y.length >= 2 * period + 2;
  const specs: EtsSpec[] = [];
  for (const error of ['A', 'M'] as const) {
    if (error === 'M' && !positive) continue;
    for (const trend of ['N', 'A', 'Ad'] as const) {
      for (const season of ['N', 'A', 'M'] as const) {
        if (season !== 'N' && !seasonal) continue;
        if (season === 'M' && (!positive || error === 'A')) continue;
        specs.push({ error, trend, season, period: season === 'N' ? 1 : period });
      }
    }
  }
  return specs;
}

interface Params extends Smoothing {
  level: number;
  trend: number;
  /** Initial seasonal values s_{1−m} … s_0. */
  season: number[];
}

/** Runs the model over the series: the states after it, the fitted values and −2 log L (Infinity when invalid). */
function filter(y: readonly number[], spec: EtsSpec, p: Params) {
  const m = spec.period;
  const hasTrend = spec.trend !== 'N';
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  let level = p.level;
  let trend = hasTrend ? p.trend : 0;
  const season = spec.season === 'N' ? [] : [...p.season];
  const fitted: number[] = [];
  let sum = 0;
  let logs = 0;
  for (let t = 0; t < y.length; t += 1) {
    const base = level + phi * trend;
    const s = spec.season === 'N' ? 0 : (season[t % m] as number);
    const mu = spec.season === 'M' ? base * s : spec.season === 'A' ? base + s : base;
    if (!Number.isFinite(mu) || (spec.error === 'M' && mu <= 0)) return { ok: false as const };
    fitted.push(mu);
    const r = (y[t] as number) - mu;
    if (spec.error === 'A') sum += r * r;
    else {
      sum += (r / mu) ** 2;
      logs += Math.log(Math.abs(mu));
    }
    const S = spec.season === 'M' ? s : 1;
    const T = spec.season === 'M' ? base : 1;
    level = base + (p.alpha * r) / S;
    trend = hasTrend ? phi * trend + (p.beta * r) / S : 0;
    if (spec.season !== 'N') season[t % m] = s + (p.gamma * r) / T;
    if (spec.season === 'M' && (level <= 0 || !Number.isFinite(level))) return { ok: false as const };
  }
  const n = y.length;
  const sigma2 = sum / n;
  const minus2LogL = n * Math.log(sigma2) + 2 * logs + n * (1 + Math.log(2 * Math.PI));
  // The seasonal states in calendar order after the series (the next period's first value first).
  const last = spec.season === 'N' ? [] : Array.from({ length: m }, (_, i) => season[(n + i) % m] as number);
  return { ok: true as const, level, trend, season: last, fitted, sigma2, minus2LogL };
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/** forecast::ets's starting states: a classical decomposition of the first years (or the first values). */
function initialStates(y: readonly number[], spec: EtsSpec): { level: number; trend: number; season: number[] } {
  const m = spec.period;
  let season: number[] = [];
  let adjusted = [...y];
  if (spec.season !== 'N') {
    const years = Math.min(Math.floor(y.length / m), 3);
    const span = y.slice(0, years * m);
    // Centred moving average of the first years, and each position's average ratio (or difference) to it.
    const trendLine: (number | null)[] = span.map((_, i) => {
      if (i < Math.floor(m / 2) || i + Math.ceil(m / 2) >= span.length) return null;
      let total = 0;
      for (let j = i - Math.floor(m / 2); j <= i + Math.floor(m / 2); j += 1) {
        const w = m % 2 === 0 && (j === i - m / 2 || j === i + m / 2) ? 0.5 : 1;
        total += w * (span[j] as number);
      }
      return total / m;
    });
    season = Array.from({ length: m }, (_, k) => {
      const values: number[] = [];
      for (let i = k; i < span.length; i += m) {
        const c = trendLine[i];
        if (c === null || c === undefined) continue;
        values.push(spec.season === 'M' ? (span[i] as number) / c : (span[i] as number) - c);
      }
      return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : spec.season === 'M' ? 1 : 0;
    });
    const mean = season.reduce((a, b) => a + b, 0) / m;
    season = season.map((s) => (spec.season === 'M' ? s / mean : s - mean));
    adjusted = y.map((v, i) => (spec.season === 'M' ? v / (season[i % m] as number) : v - (season[i % m] as number)));
  }
  // Level and trend from a line through the first ten (deseasonalised) values.
  const k = Math.min(10, adjusted.length);
  const xs = Array.from({ length: k }, (_, i) => i + 1);
  const xm = xs.reduce((a, b) => a + b, 0) / k;
  const ym = adjusted.slice(0, k).reduce((a, b) => a + b, 0) / k;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < k; i += 1) {
    sxy += ((xs[i] as number) - xm) * ((adjusted[i] as number) - ym);
    sxx += ((xs[i] as number) - xm) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return {
    level: spec.trend === 'N' ? ym : ym - slope * xm,
    trend: spec.trend === 'N' ? 0 : slope,
    season,
  };
}

/** Nelder–Mead minimisation (standard coefficients), from `start` with steps `scale`. */
export function nelderMead(f: (x: number[]) => number, start: number[], scale: number[], iterations = 4000): number[] {
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (j === i ? v + (scale[i] as number) : v)))];
  let values = simplex.map(f);
  for (let it = 0; it < iterations; it += 1) {
    const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
    simplex = order.map((i) => simplex[i] as number[]);
    values = order.map((i) => values[i] as number);
    if (Math.abs((values[n] as number) - (values[0] as number)) < 1e-10 * (Math.abs(values[0] as number) + 1e-10))
      break;
    const centroid = Array.from(
      { length: n },
      (_, j) => simplex.slice(0, n).reduce((s, p) => s + (p[j] as number), 0) / n,
    );
    const worst = simplex[n] as number[];
    const at = (t: number) => centroid.map((c, j) => c + t * (c - (worst[j] as number)));
    const reflected = at(1);
    const fr = f(reflected);
    if (fr < (values[0] as number)) {
      const expanded = at(2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? expanded : reflected;
      values[n] = Math.min(fe, fr);
    } else if (fr < (values[n - 1] as number)) {
      simplex[n] = reflected;
      values[n] = fr;
    } else {
      const contracted = fr < (values[n] as number) ? at(0.5) : at(-0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, values[n] as number)) {
        simplex[n] = contracted;
        values[n] = fc;
      } else {
        const best = simplex[0] as number[];
        simplex = simplex.map((p, i) =>
          i === 0 ? p : p.map((v, j) => (best[j] as number) + 0.5 * (v - (best[j] as number))),
        );
        values = simplex.map(f);
      }
    }
  }
  const best = values.indexOf(Math.min(...values));
  return simplex[best] as number[];
}

/** Fits one model by maximum likelihood; null when no valid fit is found. */
export function fitEts(y: readonly number[], spec: EtsSpec): EtsFit | null {
  const m = spec.period;
  const init = initialStates(y, spec);
  const hasTrend = spec.trend !== 'N';
  const damped = spec.trend === 'Ad';
  const seasonal = spec.season !== 'N';
  // Free parameters: smoothing (as logits of their shares of the room left), φ, level, trend, m − 1 seasons.
  const unpack = (x: number[]): Params => {
    let i = 0;
    const alpha = logistic(x[i++] as number) * 0.9998 + 0.0001;
    const beta = hasTrend ? alpha * logistic(x[i++] as number) : 0;
    const gamma = seasonal ? (1 - alpha) * logistic(x[i++] as number) : 0;
    const phi = damped ? 0.8 + 0.18 * logistic(x[i++] as number) : 1;
    const scaleLevel = Math.abs(init.level) || 1;
    const level = init.level + (x[i++] as number) * scaleLevel;
    const trend = hasTrend ? init.trend + (x[i++] as number) * scaleLevel * 0.01 : 0;
    let season: number[] = [];
    if (seasonal) {
      const free = Array.from({ length: m - 1 }, (_, j) => (init.season[j] as number) + (x[i + j] as number));
      // The last seasonal state keeps the set normalised (sum 0, or mean 1).
      const last = spec.season === 'M' ? m - free.reduce((a, b) => a + b, 0) : -free.reduce((a, b) => a + b, 0);
      season = [...free, last];
    }
    return { alpha, beta, gamma, phi, level, trend, season };
  };
  const start = [
    logit(0.5 / 0.9998),
    ...(hasTrend ? [logit(0.1)] : []),
    ...(seasonal ? [logit(0.1)] : []),
    ...(damped ? [logit((0.95 - 0.8) / 0.18)] : []),
    0,
    ...(hasTrend ? [0] : []),
    ...(seasonal ? new Array<number>(m - 1).fill(0) : []),
  ];
  const scale: number[] = start.map((_, i) =>
    i < start.length - (seasonal ? m - 1 : 0) - (hasTrend ? 1 : 0) - 1 ? 1 : 0.02,
  );
  if (seasonal) {
    const spread = spec.season === 'M' ? 0.05 : Math.abs(init.level) * 0.02 || 1;
    for (let j = 0; j < m - 1; j += 1) scale[scale.length - (m - 1) + j] = spread;
  }
  const objective = (x: number[]) => {
    const p = unpack(x);
    if (spec.season === 'M' && p.season.some((s) => s <= 0)) return Number.POSITIVE_INFINITY;
    const run = filter(y, spec, p);
    return run.ok && Number.isFinite(run.minus2LogL) ? run.minus2LogL : Number.POSITIVE_INFINITY;
  };
  let x = nelderMead(objective, start, scale);
  // Restart from the optimum once (Nelder–Mead stalls on long simplices).
  x = nelderMead(
    objective,
    x,
    scale.map((s) => s / 2),
  );
  const p = unpack(x);
  const run = filter(y, spec, p);
  if (!run.ok || !Number.isFinite(run.minus2LogL)) return null;
  const k =
    1 +
    (hasTrend ? 1 : 0) +
    (seasonal ? 1 : 0) +
    (damped ? 1 : 0) +
    1 +
    (hasTrend ? 1 : 0) +
    (seasonal ? m - 1 : 0) +
    1;
  const n = y.length;
  const aicc = run.minus2LogL + 2 * k + (n - k - 1 > 0 ? (2 * k * (k + 1)) / (n - k - 1) : Number.POSITIVE_INFINITY);
  return {
    spec,
    name: modelName(spec),
    alpha: p.alpha,
    beta: p.beta,
    gamma: p.gamma,
    phi: p.phi,
    level: run.level,
    trend: run.trend,
    season: run.season,
    sigma2: run.sigma2,
    logLikelihood: -run.minus2LogL / 2,
    aicc,
    fitted: run.fitted,
  };
}

/** Every candidate fitted, the lowest AICc first. */
export function selectEts(y: readonly number[], period: number): EtsFit[] {
  return candidateSpecs(y, period)
    .map((spec) => fitEts(y, spec))
    .filter((f): f is EtsFit => f !== null)
    .sort((a, b) => a.aicc - b.aicc);
}

/** Point forecasts for the next `h` periods. */
export function forecastEts(fit: EtsFit, h: number): number[] {
  const { spec } = fit;
  const phi = spec.trend === 'Ad' ? fit.phi : 1;
  const out: number[] = [];
  let damp = 0;
  for (let i = 1; i <= h; i += 1) {
    damp += phi ** i;
    const base = fit.level + (spec.trend === 'N' ? 0 : damp * fit.trend);
    const s = spec.season === 'N' ? 0 : (fit.season[(i - 1) % spec.period] as number);
    out.push(spec.season === 'M' ? base * s : spec.season === 'A' ? base + s : base);
  }
  return out;
}

/**
 * Prediction intervals by simulating the fitted model forward (`paths` sample paths, errors N(0, σ²) on the model's
 * own scale, the states updated as in the fit): for each horizon, the quantiles at (1 ± level)/2 of the paths.
 */
export function simulateIntervals(
  fit: EtsFit,
  h: number,
  levels: readonly number[] = [0.8, 0.95],
  paths = 2000,
  seed = 1,
): { level: number; lower: number[]; upper: number[] }[] {
  const { spec } = fit;
  const m = spec.period;
  const phi = spec.trend === 'Ad' ? fit.phi : 1;
  const sigma = Math.sqrt(fit.sigma2);
  const uniform = mulberry32(seed);
  const values = Array.from({ length: h }, () => new Float64Array(paths));
  for (let p = 0; p < paths; p += 1) {
    let level = fit.level;
    let trend = spec.trend === 'N' ? 0 : fit.trend;
    const season = [...fit.season];
    for (let i = 0; i < h; i += 1) {
      const base = level + phi * trend;
      const s = spec.season === 'N' ? 0 : (season[i % m] as number);
      const mu = spec.season === 'M' ? base * s : spec.season === 'A' ? base + s : base;
      const e = sigma * standardNormal(uniform);
      const r = spec.error === 'M' ? mu * e : e;
      (values[i] as Float64Array)[p] = mu + r;
      const S = spec.season === 'M' ? s : 1;
      const T = spec.season === 'M' ? base : 1;
      level = base + (fit.alpha * r) / S;
      trend = spec.trend === 'N' ? 0 : phi * trend + (fit.beta * r) / S;
      if (spec.season !== 'N') season[i % m] = s + (fit.gamma * r) / T;
    }
  }
  const sorted = values.map((v) => v.slice().sort());
  return levels.map((level) => ({
    level,
    lower: sorted.map((a) => quantileSorted(a, (1 - level) / 2) as number),
    upper: sorted.map((a) => quantileSorted(a, (1 + level) / 2) as number),
  }));
}
