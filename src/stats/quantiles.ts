import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';

/**
 * Quantiles of a sorted sample by linear interpolation between order statistics (Hyndman and Fan's type 7, the
 * default of numpy, R and pandas): position (n − 1)·q, 0-based. Null for an empty sample.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | null {
  return quantileOf(sorted.length, (i) => sorted[i] as number, q);
}

/** `quantileSorted` over a sample of `n` given by its order statistics: `at(i)` is the (i+1)-th smallest. */
export function quantileOf(n: number, at: (i: number) => number, q: number): number | null {
  if (n === 0) return null;
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(n - 1, below + 1);
  const low = at(below);
  return low + (position - below) * (at(above) - low);
}

/**
 * A distribution-free 95% interval for the median: the order statistics x(j) and x(n − j + 1) (1-based) with the
 * largest j such that P(B ≤ j − 1) ≤ 0.025 for B ~ Binomial(n, ½), so the interval covers the median with
 * probability 1 − 2·P(B ≤ j − 1) ≥ 0.95 whatever the distribution. Null below 6 values, where no such pair exists.
 */
export function medianIntervalSorted(sorted: ArrayLike<number>): { lower: number; upper: number } | null {
  return quantileIntervalSorted(sorted, 0.5);
}

/**
 * A distribution-free 95% interval for the q-quantile: order statistics x(l) and x(u) (1-based) with l the
 * largest index such that P(B ≤ l − 1) ≤ 0.025 and u the smallest such that P(B ≤ u − 1) ≥ 0.975, for
 * B ~ Binomial(n, q), so that P(x(l) ≤ ξq ≤ x(u)) ≥ 0.95 for any continuous distribution. For q = ½ it is
 * `medianIntervalSorted`. Null when no such pair exists inside the sample (too few values for this q).
 */
export function quantileIntervalSorted(sorted: ArrayLike<number>, q: number): { lower: number; upper: number } | null {
  return quantileIntervalOf(sorted.length, (i) => sorted[i] as number, q);
}

/** `quantileIntervalSorted` over a sample of `n` given by its order statistics (as `quantileOf`). */
export function quantileIntervalOf(
  n: number,
  at: (i: number) => number,
  q: number,
): { lower: number; upper: number } | null {
  if (n === 0 || !(q > 0 && q < 1)) return null;
  // F(i) = P(B ≤ i). Start from the normal approximation and step to the exact indices: a few CDF evaluations.
  const F = (i: number) => (i < 0 ? 0 : binomialCdf(i, n, q));
  const middle = n * q;
  const spread = 1.96 * Math.sqrt(n * q * (1 - q));
  let lower = Math.max(0, Math.min(n, Math.floor(middle - spread)));
  while (lower >= 1 && F(lower - 1) > 0.025) lower -= 1;
  while (lower + 1 <= n && F(lower) <= 0.025) lower += 1;
  let upper = Math.max(1, Math.min(n + 1, Math.ceil(middle + spread) + 1));
  while (upper > 1 && F(upper - 2) >= 0.975) upper -= 1;
  while (upper <= n && F(upper - 1) < 0.975) upper += 1;
  if (lower < 1 || upper > n) return null;
  return { lower: at(lower - 1), upper: at(upper - 1) };
}
