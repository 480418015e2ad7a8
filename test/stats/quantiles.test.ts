import { describe, expect, it } from 'vitest';
import { medianIntervalSorted, quantileSorted } from '../../src/stats/quantiles.js';

describe('quantiles', () => {
  it('interpolates between order statistics like numpy.quantile (type 7)', () => {
    // numpy.quantile([1, 2, 4, 8], [0.5, 0.8, 0.25]) → 3.0, 5.6, 1.75
    const sorted = [1, 2, 4, 8];
    expect(quantileSorted(sorted, 0.5)).toBe(3);
    expect(quantileSorted(sorted, 0.8)).toBeCloseTo(5.6, 12);
    expect(quantileSorted(sorted, 0.25)).toBe(1.75);
    expect(quantileSorted([7], 0.8)).toBe(7);
    expect(quantileSorted([], 0.5)).toBeNull();
  });

  it('gives the distribution-free 95% interval of the median from binomial order statistics', () => {
    const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    // n = 10: P(B ≤ 1) = 11/1024 ≤ 0.025 < P(B ≤ 2) = 56/1024 → x(2) … x(9).
    expect(medianIntervalSorted(upTo(10))).toEqual({ lower: 2, upper: 9 });
    // n = 6: P(B ≤ 0) = 1/64 ≤ 0.025 < P(B ≤ 1) = 7/64 → x(1) … x(6).
    expect(medianIntervalSorted(upTo(6))).toEqual({ lower: 1, upper: 6 });
    expect(medianIntervalSorted(upTo(5))).toBeNull();
    // n = 100: scipy.stats.binom.cdf(39, 100, .5) = 0.0176 ≤ 0.025 < cdf(40) = 0.0284 → x(40) … x(61).
    expect(medianIntervalSorted(upTo(100))).toEqual({ lower: 40, upper: 61 });
  });
});
