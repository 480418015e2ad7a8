import gammainc from '@stdlib/math-base-special-gammainc';

/**
 * Pearson chi-square tests (STATISTICS.md), no continuity correction:
 *
 * - `independenceTest`: do k variants convert alike? The k × 2 table of conversions and non-conversions
 *   (scipy `chi2_contingency(table, correction=False)`, R `chisq.test(correct = FALSE)`), df = k − 1.
 * - `goodnessOfFit`: are the observed counts in the expected shares? (scipy `chisquare(observed, expected)`), df = k − 1:
 *   the sample-ratio-mismatch check of an experiment's assignment counts.
 */
export interface ChiSquare {
  statistic: number;
  df: number;
  pValue: number;
}

/** Upper tail of the chi-square distribution, P(X ≥ x): the regularised upper incomplete gamma Q(df/2, x/2), exact far into the tail. */
export function chiSquareSurvival(x: number, df: number): number {
  return x <= 0 ? 1 : gammainc(x / 2, df / 2, true, true);
}

/** Null when fewer than two groups have units, or nothing (or everything) converted: nothing to compare. */
export function independenceTest(groups: readonly { conversions: number; units: number }[]): ChiSquare | null {
  const used = groups.filter((g) => g.units > 0);
  if (used.length < 2) return null;
  const total = used.reduce((s, g) => s + g.units, 0);
  const converted = used.reduce((s, g) => s + g.conversions, 0);
  if (converted === 0 || converted === total) return null;
  let statistic = 0;
  for (const g of used) {
    const expectedYes = (g.units * converted) / total;
    const expectedNo = g.units - expectedYes;
    statistic += (g.conversions - expectedYes) ** 2 / expectedYes;
    statistic += (g.units - g.conversions - expectedNo) ** 2 / expectedNo;
  }
  const df = used.length - 1;
  return { statistic, df, pValue: chiSquareSurvival(statistic, df) };
}

/** Observed counts against shares (any positive weights; they are normalised). Null with fewer than two groups. */
export function goodnessOfFit(observed: readonly number[], shares: readonly number[]): ChiSquare | null {
  if (observed.length < 2 || observed.length !== shares.length) return null;
  const n = observed.reduce((a, b) => a + b, 0);
  const weight = shares.reduce((a, b) => a + b, 0);
  if (!(n > 0) || !(weight > 0)) return null;
  let statistic = 0;
  observed.forEach((o, i) => {
    const expected = (n * (shares[i] as number)) / weight;
    statistic += (o - expected) ** 2 / expected;
  });
  const df = observed.length - 1;
  return { statistic, df, pValue: chiSquareSurvival(statistic, df) };
}
