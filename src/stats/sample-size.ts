import erfc from '@stdlib/math-base-special-erfc';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/**
 * Units per arm for a fixed-horizon two-sided test of two proportions (STATISTICS.md): the normal test on Cohen's
 * h = 2·asin√p2 − 2·asin√p1, equal arms, solved so that its power (both tails counted) reaches `power`
 * (statsmodels `NormalIndPower().solve_power(proportion_effectsize(p2, p1), alpha=α, power=…, ratio=1)`), then
 * rounded up. Infinity when the rates are equal.
 */
export function cohensH(p1: number, p2: number): number {
  return 2 * Math.asin(Math.sqrt(p2)) - 2 * Math.asin(Math.sqrt(p1));
}

const normalCdf = (x: number) => erfc(-x / Math.SQRT2) / 2;

/** Power of the two-sided test with n units per arm. */
export function powerAt(h: number, n: number, alpha: number): number {
  const z = normalQuantile(1 - alpha / 2, 0, 1);
  const shift = Math.abs(h) * Math.sqrt(n / 2);
  return normalCdf(shift - z) + normalCdf(-shift - z);
}

/** The exact (fractional) n per arm reaching `power`, and its ceiling. */
export function sampleSizePerArm(
  baseline: number,
  target: number,
  options: { alpha?: number; power?: number } = {},
): { exact: number; perArm: number } {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  const h = cohensH(baseline, target);
  if (h === 0) return { exact: Number.POSITIVE_INFINITY, perArm: Number.POSITIVE_INFINITY };
  let lo = 0;
  let hi = 1;
  while (powerAt(h, hi, alpha) < power) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-9 * hi; i += 1) {
    const mid = (lo + hi) / 2;
    if (powerAt(h, mid, alpha) < power) lo = mid;
    else hi = mid;
  }
  const exact = (lo + hi) / 2;
  return { exact, perArm: Math.ceil(exact - 1e-9) };
}
