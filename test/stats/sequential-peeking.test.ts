/**
 * Peeking every day (STATISTICS.md): under no true difference, stopping at the first day the always-valid mSPRT
 * p-value is at or under α keeps the false-positive rate at or under α, while stopping at the first day a plain
 * z-test says p < α does not — the same simulated experiments for both. And the mSPRT still finds a real difference.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/stats/random.js';
import { sequentialLook } from '../../src/stats/sequential.js';
import { twoProportionZTest } from '../../src/stats/two-proportions.js';

const alpha = 0.05;
const experiments = 1000;
const days = 30;
const perDay = 100;

/** Share of experiments each procedure stops as significant at some daily look. */
function simulate(pA: number, pB: number, seed: number) {
  const next = mulberry32(seed);
  let sequentialStops = 0;
  let naiveStops = 0;
  for (let e = 0; e < experiments; e += 1) {
    let xA = 0;
    let xB = 0;
    let n = 0;
    let p = 1;
    let sequentialStopped = false;
    let naiveStopped = false;
    for (let d = 0; d < days; d += 1) {
      for (let i = 0; i < perDay; i += 1) {
        if (next() < pA) xA += 1;
        if (next() < pB) xB += 1;
      }
      n += perDay;
      const look = sequentialLook(xB, n, xA, n, 0.02, alpha, p);
      p = look.pValue;
      if (p <= alpha) sequentialStopped = true;
      const z = twoProportionZTest(xB, n, xA, n);
      if (z && z.pValue < alpha) naiveStopped = true;
    }
    if (sequentialStopped) sequentialStops += 1;
    if (naiveStopped) naiveStops += 1;
  }
  return { sequential: sequentialStops / experiments, naive: naiveStops / experiments };
}

describe('peeking daily for 30 days (1,000 simulated experiments, 100 users per arm per day)', () => {
  it('keeps false positives at or under α with mSPRT; the repeated z-test exceeds it', () => {
    const { sequential, naive } = simulate(0.1, 0.1, 11);
    // One standard error of a rate of 5% over 1,000 experiments is 0.7 points.
    expect(sequential).toBeLessThanOrEqual(alpha);
    expect(naive).toBeGreaterThan(alpha + 0.05);
  });

  it('still finds a real difference (10% against 13%)', () => {
    const { sequential } = simulate(0.1, 0.13, 12);
    expect(sequential).toBeGreaterThan(0.5);
  });
});
