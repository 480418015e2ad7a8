/**
 * Rank tests and quantile intervals for durations (src/stats/rank-tests.ts, quantiles.ts) against scipy 1.17.1:
 *
 *   from scipy import stats
 *   x = [3, 5, 5, 8, 12, 12, 12, 20]; y = [1, 2, 5, 6, 7, 7, 9, 10, 11, 30]
 *   stats.mannwhitneyu(x, y, use_continuity=True, alternative='two-sided', method='asymptotic')
 *   # statistic 49.0, pvalue 0.44798610373742076
 *   g = [[5, 3, 3, 8], [4, 6, 6, 9, 3], [7, 10, 6], [12, 9, 15, 4]]
 *   xs = sum([[i] * len(v) for i, v in enumerate(g)], []); ys = sum(g, [])
 *   stats.kendalltau(xs, ys, variant='b', method='asymptotic')
 *   # statistic 0.4944237931350443, pvalue 0.015978692438471963
 *   # quantile interval indices (1-based): l = max{l: binom.cdf(l-1, n, q) <= 0.025},
 *   # u = min{u: binom.cdf(u-1, n, q) >= 0.975}
 *   # (10, .5) -> 2, 9; (30, .8) -> 19, 29; (100, .8) -> 72, 89; (1000, .8) -> 775, 825; (25, .9) -> no u
 */
import { describe, expect, it } from 'vitest';
import { quantileIntervalSorted } from '../../src/stats/quantiles.js';
import { kendallTauB, mannWhitney, sortedMidRanks } from '../../src/stats/rank-tests.js';

describe('Mann–Whitney U of a group against the rest of a pooled sample', () => {
  const x = [3, 5, 5, 8, 12, 12, 12, 20];
  const y = [1, 2, 5, 6, 7, 7, 9, 10, 11, 30];
  // The pooled sample sorted, with its group (0 = x, 1 = y); ties between the groups in either order.
  const pooled = [...x.map((v) => [v, 0] as const), ...y.map((v) => [v, 1] as const)].sort((a, b) => a[0] - b[0]);
  const sorted = Float64Array.from(pooled.map(([v]) => v));
  const groups = Int32Array.from(pooled.map(([, g]) => g));

  it('matches scipy, ties and continuity correction included', () => {
    const { ranks, tieTerm } = sortedMidRanks(sorted);
    const rankSums = [0, 0];
    groups.forEach((g, i) => {
      rankSums[g] = (rankSums[g] as number) + (ranks[i] as number);
    });
    // Ties: 5 ×3, 12 ×3, 7 ×2 → Σ(t³ − t) = 24 + 24 + 6.
    expect(tieTerm).toBe(54);
    // All ranks add up to n(n+1)/2.
    expect((rankSums[0] ?? 0) + (rankSums[1] ?? 0)).toBe((18 * 19) / 2);
    const rankSum = rankSums[0] as number;
    const test = mannWhitney(rankSum, x.length, sorted.length, tieTerm);
    expect(test?.u).toBe(49);
    expect(test?.pValue).toBeCloseTo(0.44798610373742076, 12);
    expect(test?.z).toBeGreaterThan(0); // x tends to be larger
    // The other side of the same split: same p-value, opposite sign, U2 = n1·n2 − U1.
    const other = mannWhitney(rankSums[1] as number, y.length, sorted.length, tieTerm);
    expect(other?.u).toBe(80 - 49);
    expect(other?.pValue).toBeCloseTo(test?.pValue ?? 0, 12);
    expect(other?.z).toBeCloseTo(-(test?.z ?? 0), 12);
  });

  it('is undefined without two sides or without variation', () => {
    expect(mannWhitney(10, 0, 5, 0)).toBeNull();
    const flat = sortedMidRanks(Float64Array.from([4, 4, 4, 4]));
    expect(mannWhitney(5, 2, 4, flat.tieTerm)).toBeNull();
  });
});

describe("Kendall's τ-b between a period and a duration", () => {
  it('matches scipy with ties in both variables', () => {
    const groups = [
      [5, 3, 3, 8],
      [4, 6, 6, 9, 3],
      [7, 10, 6],
      [12, 9, 15, 4],
    ].map((g) => Float64Array.from(g));
    const test = kendallTauB(groups);
    expect(test?.tau).toBeCloseTo(0.4944237931350443, 12);
    expect(test?.pValue).toBeCloseTo(0.015978692438471963, 12);
  });

  it('is symmetric: reversed periods give −τ and the same p-value', () => {
    const groups = [
      [1, 2, 9],
      [3, 3],
      [8, 10, 11, 2],
    ].map((g) => Float64Array.from(g));
    const forward = kendallTauB(groups);
    const backward = kendallTauB([...groups].reverse());
    expect(backward?.tau).toBeCloseTo(-(forward?.tau ?? 0), 12);
    expect(backward?.pValue).toBeCloseTo(forward?.pValue ?? 0, 12);
    expect(kendallTauB([Float64Array.from([1, 2, 3])])).toBeNull(); // one period: no order to test
  });
});

describe('distribution-free quantile intervals', () => {
  const sorted = (n: number) => Float64Array.from({ length: n }, (_, i) => i + 1); // x(i) = i
  it('picks the order statistics the binomial gives', () => {
    expect(quantileIntervalSorted(sorted(10), 0.5)).toEqual({ lower: 2, upper: 9 });
    expect(quantileIntervalSorted(sorted(30), 0.8)).toEqual({ lower: 19, upper: 29 });
    expect(quantileIntervalSorted(sorted(100), 0.8)).toEqual({ lower: 72, upper: 89 });
    expect(quantileIntervalSorted(sorted(1000), 0.8)).toEqual({ lower: 775, upper: 825 });
    expect(quantileIntervalSorted(sorted(25), 0.9)).toBeNull();
  });
});
