/**
 * Quantiles of a sorted sample by linear interpolation between order statistics (Hyndman and Fan's type 7, the
 * default of numpy, R and pandas): position (n − 1)·q, 0-based. Null for an empty sample.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(n - 1, below + 1);
  const low = sorted[below] as number;
  return low + (position - below) * ((sorted[above] as number) - low);
}

/**
 * A distribution-free 95% interval for the median: the order statistics x(j) and x(n − j + 1) (1-based) with the
 * largest j such that P(B ≤ j − 1) ≤ 0.025 for B ~ Binomial(n, ½), so the interval covers the median with
 * probability 1 − 2·P(B ≤ j − 1) ≥ 0.95 whatever the distribution. Null below 6 values, where no such pair exists.
 */
export function medianIntervalSorted(sorted: ArrayLike<number>): { lower: number; upper: number } | null {
  const n = sorted.length;
  if (n < 6) return null;
  // Cumulative binomial probabilities in log space: log C(n, i) − n·log 2, one term at a time.
  let logTerm = -n * Math.LN2;
  let cumulative = Math.exp(logTerm);
  let j = 0; // P(B ≤ j − 1) ≤ 0.025 holds for j = 1 as n ≥ 6
  for (let i = 0; cumulative <= 0.025; i += 1) {
    j = i + 1;
    logTerm += Math.log(n - i) - Math.log(i + 1);
    cumulative += Math.exp(logTerm);
  }
  return { lower: sorted[j - 1] as number, upper: sorted[n - j] as number };
}
