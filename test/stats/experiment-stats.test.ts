/**
 * The experiment statistics against an independent tool: every reference value in
 * test/fixtures/experiment-reference.json comes from `/usr/bin/python3 scripts/experiment_reference.py` (Debian's
 * python3-scipy 1.10 and python3-statsmodels 0.13.5: proportions_ztest, confint_proportions_2indep (newcomb;
 * ratio, log-adjusted), chi2_contingency and chisquare without correction, multipletests (holm, fdr_bh),
 * NormalIndPower.solve_power, and scipy.integrate.quad / brentq for the Beta-binomial posteriors), over 24 pairs of
 * arms (tiny counts, zero and 100% conversion, 100,000 units), 20 k-variant tables, 20 assignment splits, 20 sets of
 * p-values and 20 sample-size plans.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedLoss, liftInterval, posterior, probabilityToBeat } from '../../src/stats/beta-binomial.js';
import { goodnessOfFit, independenceTest } from '../../src/stats/chi-square.js';
import { benjaminiHochberg, holm } from '../../src/stats/multiple-testing.js';
import { sampleSizePerArm } from '../../src/stats/sample-size.js';
import { sequentialLook } from '../../src/stats/sequential.js';
import { newcombeInterval, relativeLiftInterval, twoProportionZTest } from '../../src/stats/two-proportions.js';
import { fixtures } from '../helpers/cli.js';

interface Pair {
  xB: number;
  nB: number;
  xA: number;
  nA: number;
  z?: number;
  p?: number;
  newcombe: [number, number];
  lift: [number, number];
  probBeats: number;
  expectedLoss: number;
  liftCredible: [number, number];
  msprt: [number, number, number, number] | null;
}
const reference = JSON.parse(readFileSync(join(fixtures, 'experiment-reference.json'), 'utf8')) as {
  pairs: Pair[];
  chi2: { table: [number, number][]; statistic: number; df: number; p: number }[];
  srm: { observed: number[]; shares: number[]; statistic: number; p: number }[];
  multiple: { p: number[]; holm: number[]; bh: number[] }[];
  sampleSize: { baseline: number; target: number; alpha: number; power: number; n: number }[];
};

/** Relative agreement for values spanning many orders of magnitude (p-values), absolute near 0. */
const close = (got: number | undefined, want: number, relative: number, absolute = 1e-12) =>
  expect(Math.abs((got ?? Number.NaN) - want)).toBeLessThanOrEqual(Math.max(absolute, relative * Math.abs(want)));

const label = (r: Pair) => `B ${r.xB}/${r.nB} vs A ${r.xA}/${r.nA}`;

describe('frequentist comparison of two arms', () => {
  it.each(reference.pairs.map((r) => [label(r), r] as const))('%s', (_, r) => {
    const test = twoProportionZTest(r.xB, r.nB, r.xA, r.nA);
    if (r.z === undefined) expect(test).toBeNull();
    else {
      close(test?.z, r.z, 1e-10);
      close(test?.pValue, r.p ?? Number.NaN, 1e-8, 1e-300);
    }
    const diff = newcombeInterval(r.xB, r.nB, r.xA, r.nA);
    close(diff?.lower, r.newcombe[0], 1e-9, 1e-12);
    close(diff?.upper, r.newcombe[1], 1e-9, 1e-12);
    const lift = relativeLiftInterval(r.xB, r.nB, r.xA, r.nA);
    close(lift?.lower, r.lift[0], 1e-9, 1e-12);
    close(lift?.upper, r.lift[1], 1e-9, 1e-12);
  });
});

describe('Bayesian comparison (Beta(1 + x, 1 + n − x) posteriors)', () => {
  it.each(reference.pairs.map((r) => [label(r), r] as const))('%s', (_, r) => {
    const a = posterior(r.xA, r.nA);
    const b = posterior(r.xB, r.nB);
    close(probabilityToBeat(a, b), r.probBeats, 1e-7, 1e-9);
    close(expectedLoss(a, b), r.expectedLoss, 1e-6, 1e-9);
    // Both sides integrate numerically (scipy's adaptive quad; our fixed Gauss–Legendre): 2·10⁻⁴ relative, the
    // gap on the heavy-tailed ratios of an arm without conversions.
    const interval = liftInterval(a, b);
    close(interval.lower, r.liftCredible[0], 2e-4, 1e-5);
    close(interval.upper, r.liftCredible[1], 2e-4, 1e-5);
  });
});

describe('always-valid sequential test (mSPRT, τ = 0.02, α = 0.05)', () => {
  it.each(reference.pairs.map((r) => [label(r), r] as const))('%s', (_, r) => {
    const look = sequentialLook(r.xB, r.nB, r.xA, r.nA, 0.02, 0.05);
    if (r.msprt === null) {
      expect(look.interval).toBeNull();
      expect(look.pValue).toBe(1);
      return;
    }
    close(look.likelihoodRatio, r.msprt[0], 1e-10);
    close(look.pValue, r.msprt[1], 1e-10);
    close(look.interval?.lower, r.msprt[2], 1e-10, 1e-12);
    close(look.interval?.upper, r.msprt[3], 1e-10, 1e-12);
  });
});

describe('chi-square tests', () => {
  it.each(reference.chi2.map((c) => [JSON.stringify(c.table), c] as const))('k variants %s', (_, c) => {
    const test = independenceTest(c.table.map(([conversions, units]) => ({ conversions, units })));
    close(test?.statistic, c.statistic, 1e-10, 1e-12);
    expect(test?.df).toBe(c.df);
    close(test?.pValue, c.p, 1e-8, 1e-300);
  });

  it.each(reference.srm.map((s) => [`${s.observed.join('/')} for ${s.shares.join(':')}`, s] as const))(
    'sample ratio %s',
    (_, s) => {
      const test = goodnessOfFit(s.observed, s.shares);
      close(test?.statistic, s.statistic, 1e-10, 1e-12);
      close(test?.pValue, s.p, 1e-8, 1e-300);
    },
  );
});

describe('multiple testing and sample sizes', () => {
  it.each(reference.multiple.map((m) => [m.p.join(', '), m] as const))('Holm and BH of %s', (_, m) => {
    for (const [i, v] of holm(m.p).entries()) close(v, m.holm[i] ?? Number.NaN, 1e-12);
    for (const [i, v] of benjaminiHochberg(m.p).entries()) close(v, m.bh[i] ?? Number.NaN, 1e-12);
  });

  it.each(reference.sampleSize.map((s) => [`${s.baseline} → ${s.target}, α ${s.alpha}, power ${s.power}`, s] as const))(
    'n per arm for %s',
    (_, s) => {
      const { exact, perArm } = sampleSizePerArm(s.baseline, s.target, { alpha: s.alpha, power: s.power });
      close(exact, s.n, 1e-6);
      expect(perArm).toBe(Math.ceil(s.n));
    },
  );
});
