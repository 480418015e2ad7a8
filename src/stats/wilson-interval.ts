/**
 * Wilson score interval for a binomial proportion, without continuity correction and not clipped
 * (STATISTICS.md; reproduce with R `prop.test(x, n, correct = FALSE)$conf.int` or statsmodels
 * `proportion_confint(x, n, method = "wilson")`). Undefined (null) when n = 0.
 */
export interface Interval {
  lower: number;
  upper: number;
}

/** The two-sided standard normal quantile for 95%: qnorm(0.975). */
export const z95 = 1.959963984540054;

export function wilsonInterval(successes: number, trials: number, z: number = z95): Interval | null {
  if (!(trials > 0)) return null;
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { lower: centre - half, upper: centre + half };
}
