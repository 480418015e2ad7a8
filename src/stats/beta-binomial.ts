import betaln from '@stdlib/math-base-special-betaln';
import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import betaPdf from '@stdlib/stats-base-dists-beta-pdf';
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';

/**
 * Bayesian comparison of two conversion rates (STATISTICS.md): each rate has a Beta(1 + conversions,
 * 1 + non-conversions) posterior (a uniform prior). A is the control, B the variant.
 *
 * - `probabilityToBeat`: P(pB > pA), exactly (the closed form for integer parameters: Evan Miller, "Formulas for
 *   Bayesian A/B testing"), in log space.
 * - `expectedLoss`: E[max(pA − pB, 0)], what choosing B costs on average if A is better (Chris Stucchio's closed form
 *   over the same probabilities).
 * - `liftInterval`: the equal-tailed credible interval of pB / pA − 1, by inverting P(pB / pA ≤ 1 + r), an integral
 *   over A's posterior (Gauss–Legendre, 8 nodes in each of 128 panels of equal posterior mass).
 * Checked against scipy's numerical integration (scripts/experiment_reference.py).
 */
export interface BetaPosterior {
  alpha: number;
  beta: number;
}

export const posterior = (conversions: number, units: number): BetaPosterior => ({
  alpha: 1 + conversions,
  beta: 1 + units - conversions,
});

/** P(X > Y) for X ~ Beta(a), Y ~ Beta(b), with a.alpha a positive integer (the sum runs over it). */
function probabilityGreater(x: BetaPosterior, y: BetaPosterior): number {
  // P(X > Y) = Σ_{i=0}^{αX−1} B(αY + i, βY + βX) / ((βX + i) B(1 + i, βX) B(αY, βY))
  let total = 0;
  const base = betaln(y.alpha, y.beta);
  for (let i = 0; i < x.alpha; i += 1) {
    total += Math.exp(betaln(y.alpha + i, y.beta + x.beta) - Math.log(x.beta + i) - betaln(1 + i, x.beta) - base);
  }
  return Math.min(1, Math.max(0, total));
}

/** P(pB > pA). The sum runs over B's conversions + 1 terms, or A's when that is shorter (1 − P(pA > pB)). */
export function probabilityToBeat(a: BetaPosterior, b: BetaPosterior): number {
  return b.alpha <= a.alpha ? probabilityGreater(b, a) : 1 - probabilityGreater(a, b);
}

/** E[max(pA − pB, 0)]: the expected loss of choosing B. */
export function expectedLoss(a: BetaPosterior, b: BetaPosterior): number {
  const meanA = a.alpha / (a.alpha + a.beta);
  const meanB = b.alpha / (b.alpha + b.beta);
  const shiftedA = { alpha: a.alpha + 1, beta: a.beta };
  const shiftedB = { alpha: b.alpha + 1, beta: b.beta };
  // E[pA 1{pA > pB}] − E[pB 1{pA > pB}] with the size-biased posteriors.
  const loss = meanA * probabilityToBeat(b, shiftedA) - meanB * probabilityToBeat(shiftedB, a);
  return Math.max(0, loss);
}

// Gauss–Legendre nodes and weights on [−1, 1], 8 points.
const nodes = [
  -0.9602898564975363, -0.7966664774136267, -0.525532409916329, -0.1834346424956498, 0.1834346424956498,
  0.525532409916329, 0.7966664774136267, 0.9602898564975363,
];
const weights = [
  0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.362683783378362, 0.362683783378362, 0.3137066458778873,
  0.2223810344533745, 0.1012285362903763,
];
const panels = 128;

/**
 * Nodes over A's posterior and their weights times A's density there: panels between A's quantiles at 1e-13,
 * 1/128, 2/128, …, 1 − 1e-13 (so each holds the same mass, narrow where the density is high), 8 nodes each.
 */
function quadrature(a: BetaPosterior): { at: Float64Array; weight: Float64Array } {
  const bounds = Array.from({ length: panels + 1 }, (_, p) =>
    betaQuantile(p === 0 ? 1e-13 : p === panels ? 1 - 1e-13 : p / panels, a.alpha, a.beta),
  );
  const at = new Float64Array(panels * nodes.length);
  const weight = new Float64Array(panels * nodes.length);
  let k = 0;
  for (let p = 0; p < panels; p += 1) {
    const lo = bounds[p] as number;
    const width = (bounds[p + 1] as number) - lo;
    for (let j = 0; j < nodes.length; j += 1) {
      const x = lo + (width * ((nodes[j] as number) + 1)) / 2;
      at[k] = x;
      weight[k] = ((weights[j] as number) / 2) * width * betaPdf(x, a.alpha, a.beta);
      k += 1;
    }
  }
  return { at, weight };
}

/** P(pB / pA − 1 ≤ r) = ∫ f_A(a) F_B((1 + r) a) da. */
function liftCdf(q: { at: Float64Array; weight: Float64Array }, b: BetaPosterior, r: number): number {
  let total = 0;
  for (let k = 0; k < q.at.length; k += 1) {
    total += (q.weight[k] as number) * betaCdf(Math.min(1, (1 + r) * (q.at[k] as number)), b.alpha, b.beta);
  }
  return total;
}

/** The equal-tailed `level` credible interval of the relative lift pB / pA − 1. */
export function liftInterval(a: BetaPosterior, b: BetaPosterior, level = 0.95): { lower: number; upper: number } {
  const q = quadrature(a);
  const solve = (target: number) => {
    let lo = -1;
    let hi = 1;
    while (liftCdf(q, b, hi) < target) hi *= 2;
    for (let i = 0; i < 100 && hi - lo > 1e-10 * Math.max(1, Math.abs(hi)); i += 1) {
      const mid = (lo + hi) / 2;
      if (liftCdf(q, b, mid) < target) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  return { lower: solve((1 - level) / 2), upper: solve((1 + level) / 2) };
}
