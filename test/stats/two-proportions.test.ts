/**
 * The two-proportion z-test, the Newcombe interval on a difference and Benjamini–Hochberg q-values against
 * statsmodels 0.13.5 (Debian's python3-statsmodels), computed with:
 *
 *   from statsmodels.stats.proportion import proportions_ztest, confint_proportions_2indep
 *   from statsmodels.stats.multitest import multipletests
 *   for xB, nB, xA, nA in cases:
 *       z, p = proportions_ztest([xB, xA], [nB, nA])
 *       lo, hi = confint_proportions_2indep(xB, nB, xA, nA, method='newcomb', compare='diff')
 *   multipletests([0.01, 0.04, 0.03, 0.2, 0.001, 0.5, 0.04, 0.9], method='fdr_bh')[1]
 */
import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from '../../src/stats/multiple-testing.js';
import { newcombeInterval, twoProportionZTest } from '../../src/stats/two-proportions.js';

// xB, nB, xA, nA, z, p, lower, upper
const statsmodels: number[][] = [
  [31, 1000, 74, 1000, -4.311061285019195, 1.6247286377283123e-5, -0.06307429363041628, -0.023637897029275202],
  [12, 400, 30, 410, -2.7704389723116325, 0.005598078967476022, -0.0751850728267105, -0.012667458753950287],
  [0, 50, 5, 60, -2.089277235093362, 0.03668277440246529, -0.18068942018334413, 0.0022209513715717444],
  [45, 45, 40, 50, 3.1715648392255456, 0.0015162001667309818, 0.08230010466503634, 0.3303710593222542],
  [7, 9, 2, 11, 2.6652123368179317, 0.007693972527542967, 0.15679152797626855, 0.8016229458626991],
];

describe('two proportions (B − A)', () => {
  it.each(statsmodels)('%i/%i vs %i/%i matches statsmodels', (xB, nB, xA, nA, z, p, lower, upper) => {
    const test = twoProportionZTest(xB as number, nB as number, xA as number, nA as number);
    expect(test?.z).toBeCloseTo(z as number, 10);
    expect(Math.abs((test?.pValue as number) - (p as number)) / (p as number)).toBeLessThan(1e-9);
    const interval = newcombeInterval(xB as number, nB as number, xA as number, nA as number);
    expect(interval?.lower).toBeCloseTo(lower as number, 10);
    expect(interval?.upper).toBeCloseTo(upper as number, 10);
  });

  it('is undefined without data or without variance', () => {
    expect(twoProportionZTest(0, 0, 3, 10)).toBeNull();
    expect(twoProportionZTest(0, 10, 0, 20)).toBeNull();
    expect(twoProportionZTest(10, 10, 20, 20)).toBeNull();
    expect(newcombeInterval(1, 10, 0, 0)).toBeNull();
  });

  it('gives tail p-values without cancellation', () => {
    // z ≈ -14.5: P(|Z| ≥ 14.5) ≈ 1e-47, where 1 - Φ(|z|) would round to 0.
    const test = twoProportionZTest(0, 2000, 200, 2000);
    expect(test?.pValue).toBeGreaterThan(1e-50);
    expect(test?.pValue).toBeLessThan(1e-40);
  });
});

describe('Benjamini–Hochberg', () => {
  it('matches statsmodels fdr_bh in input order', () => {
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.2, 0.001, 0.5, 0.04, 0.9]);
    const expected = [0.04, 0.064, 0.064, 0.26666666666666666, 0.008, 0.5714285714285714, 0.064, 0.9];
    q.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 12);
    });
    expect(benjaminiHochberg([])).toEqual([]);
  });
});
