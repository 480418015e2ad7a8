/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares) on a dense
 * design matrix, and the scores a lead-scoring model is judged by (STATISTICS.md): AUC, log loss and the expected
 * calibration error. Written here: the registry's ml-logistic-regression has no regularisation and fits by plain
 * gradient descent. The intercept is not penalised.
 */

export interface LogisticModel {
  /** Coefficients of the columns, the intercept first. */
  coefficients: Float64Array;
  iterations: number;
}

/** Solves the symmetric positive-definite system A x = b in place (Cholesky), A given as rows. */
function solveSpd(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const l = a.map((row) => row.slice());
  for (let j = 0; j < n; j += 1) {
    const lj = l[j] as Float64Array;
    let d = lj[j] as number;
    for (let k = 0; k < j; k += 1) d -= (lj[k] as number) ** 2;
    if (!(d > 0)) throw new Error('the system is not positive definite');
    const djj = Math.sqrt(d);
    lj[j] = djj;
    for (let i = j + 1; i < n; i += 1) {
      const li = l[i] as Float64Array;
      let s = li[j] as number;
      for (let k = 0; k < j; k += 1) s -= (li[k] as number) * (lj[k] as number);
      li[j] = s / djj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let s = b[i] as number;
    for (let k = 0; k < i; k += 1) s -= ((l[i] as Float64Array)[k] as number) * (y[k] as number);
    y[i] = s / ((l[i] as Float64Array)[i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i -= 1) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k += 1) s -= ((l[k] as Float64Array)[i] as number) * (x[k] as number);
    x[i] = s / ((l[i] as Float64Array)[i] as number);
  }
  return x;
}

/** Negative log-likelihood + (λ/2) Σ βⱼ² (intercept aside). */
function penalisedLoss(x: Float64Array, y: Uint8Array, p: number, beta: Float64Array, lambda: number): number {
  let total = 0;
  for (let i = 0; i < y.length; i += 1) {
    let z = beta[0] as number;
    for (let j = 0; j < p; j += 1) z += (beta[j + 1] as number) * (x[i * p + j] as number);
    // log(1 + e^z) − y z, stably.
    total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[i] as number) * z;
  }
  for (let j = 1; j < beta.length; j += 1) total += (lambda / 2) * (beta[j] as number) ** 2;
  return total;
}

/** 1 / (1 + e^−z), without overflow either way. */
export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Fits P(y = 1 | x) = σ(β₀ + Σ βⱼ xⱼ) minimising the negative log-likelihood + (λ/2) Σ βⱼ² (j ≥ 1). `x` holds n rows
 * of p columns (row-major); `weights` optional per row.
 */
export function fitLogistic(
  x: Float64Array,
  y: Uint8Array,
  p: number,
  options: { lambda: number; maxIterations?: number; tolerance?: number },
): LogisticModel {
  const n = y.length;
  const q = p + 1;
  const beta = new Float64Array(q);
  const mean = y.reduce((a, b) => a + b, 0) / n;
  beta[0] = Math.log(Math.max(1e-6, mean) / Math.max(1e-6, 1 - mean));
  const maxIterations = options.maxIterations ?? 50;
  let iterations = 0;
  for (; iterations < maxIterations; iterations += 1) {
    const gradient = new Float64Array(q);
    const hessian = Array.from({ length: q }, () => new Float64Array(q));
    for (let i = 0; i < n; i += 1) {
      let z = beta[0] as number;
      const row = i * p;
      for (let j = 0; j < p; j += 1) z += (beta[j + 1] as number) * (x[row + j] as number);
      const mu = sigmoid(z);
      const r = mu - (y[i] as number);
      const w = mu * (1 - mu);
      gradient[0] = (gradient[0] as number) + r;
      const h0 = hessian[0] as Float64Array;
      h0[0] = (h0[0] as number) + w;
      for (let j = 0; j < p; j += 1) {
        const xj = x[row + j] as number;
        if (xj === 0) continue;
        gradient[j + 1] = (gradient[j + 1] as number) + r * xj;
        const hj = hessian[j + 1] as Float64Array;
        hj[0] = (hj[0] as number) + w * xj;
        // The lower triangle: columns 1 … j + 1 (features 0 … j).
        for (let k = 0; k <= j; k += 1) {
          const xk = x[row + k] as number;
          if (xk !== 0) hj[k + 1] = (hj[k + 1] as number) + w * xj * xk;
        }
      }
    }
    for (let j = 1; j < q; j += 1) {
      gradient[j] = (gradient[j] as number) + options.lambda * (beta[j] as number);
      const hj = hessian[j] as Float64Array;
      hj[j] = (hj[j] as number) + options.lambda;
    }
    // Mirror the lower triangle (column 0 was filled separately).
    for (let j = 0; j < q; j += 1) {
      for (let k = j + 1; k < q; k += 1) (hessian[j] as Float64Array)[k] = (hessian[k] as Float64Array)[j] as number;
    }
    const step = solveSpd(hessian, gradient);
    // Halve the Newton step until the penalised loss does not rise (a full step can overshoot far from the optimum).
    const before = penalisedLoss(x, y, p, beta, options.lambda);
    let scale = 1;
    const trial = new Float64Array(q);
    for (let halvings = 0; halvings < 30; halvings += 1) {
      for (let j = 0; j < q; j += 1) trial[j] = (beta[j] as number) - scale * (step[j] as number);
      if (penalisedLoss(x, y, p, trial, options.lambda) <= before + 1e-12) break;
      scale /= 2;
    }
    let change = 0;
    for (let j = 0; j < q; j += 1) {
      change = Math.max(change, Math.abs((trial[j] as number) - (beta[j] as number)));
      beta[j] = trial[j] as number;
    }
    if (change < (options.tolerance ?? 1e-8)) {
      iterations += 1;
      break;
    }
  }
  return { coefficients: beta, iterations };
}

/** P(y = 1) for each row. */
export function predictLogistic(model: LogisticModel, x: Float64Array, p: number): Float64Array {
  const n = x.length / p;
  const out = new Float64Array(n);
  const b = model.coefficients;
  for (let i = 0; i < n; i += 1) {
    let z = b[0] as number;
    for (let j = 0; j < p; j += 1) z += (b[j + 1] as number) * (x[i * p + j] as number);
    out[i] = sigmoid(z);
  }
  return out;
}

/** Area under the ROC curve: the Mann–Whitney statistic with ties counted half. */
export function auc(scores: ArrayLike<number>, y: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  let rankSum = 0;
  let positives = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1] as number] === scores[order[i] as number]) j += 1;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k += 1) {
      if (y[order[k] as number] === 1) {
        rankSum += rank;
        positives += 1;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  return positives === 0 || negatives === 0
    ? Number.NaN
    : (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < p.length; i += 1) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i] as number));
    total -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return total / p.length;
}

/** Expected calibration error over `bins` equal-width bins: Σ (bin share) × |mean predicted − observed rate|. */
export function calibrationError(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): number {
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let i = 0; i < p.length; i += 1) {
    const b = Math.min(bins - 1, Math.floor((p[i] as number) * bins));
    count[b] = (count[b] as number) + 1;
    predicted[b] = (predicted[b] as number) + (p[i] as number);
    observed[b] = (observed[b] as number) + (y[i] as number);
  }
  let error = 0;
  for (let b = 0; b < bins; b += 1) {
    const c = count[b] as number;
    if (c > 0) error += (c / p.length) * Math.abs((predicted[b] as number) / c - (observed[b] as number) / c);
  }
  return error;
}
