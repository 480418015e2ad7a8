import erfc from '@stdlib/math-base-special-erfc';
import { type Interval, wilsonInterval, z95 } from './wilson-interval.js';

/**
 * Comparing two proportions, A (the baseline) and B (the variant), per STATISTICS.md: differences are B − A.
 *
 * - `twoProportionZTest`: z-test with the pooled standard error, two-sided p-value (statsmodels
 *   `proportions_ztest([xB, xA], [nB, nA])`; R `prop.test(correct = FALSE)`, whose X-squared is z²).
 * - `newcombeInterval`: Newcombe (1998) method 10, the hybrid Wilson score interval on pB − pA, no continuity
 *   correction, not clipped (statsmodels `confint_proportions_2indep(xB, nB, xA, nA, method = "newcomb")`).
 */
export interface ZTest {
  z: number;
  pValue: number;
}

/** Two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|) = erfc(|z| / √2), accurate far into the tail. */
export function twoSidedP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/** Undefined (null) when either arm is empty or the pooled rate is 0 or 1 (no variance to test against). */
export function twoProportionZTest(xB: number, nB: number, xA: number, nA: number): ZTest | null {
  if (!(nA > 0 && nB > 0)) return null;
  const pooled = (xA + xB) / (nA + nB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nA + 1 / nB));
  if (!(se > 0)) return null;
  const z = (xB / nB - xA / nA) / se;
  return { z, pValue: twoSidedP(z) };
}

/** The interval on pB − pA; null when either arm is empty. */
export function newcombeInterval(xB: number, nB: number, xA: number, nA: number, z: number = z95): Interval | null {
  const b = wilsonInterval(xB, nB, z);
  const a = wilsonInterval(xA, nA, z);
  if (!a || !b) return null;
  const pB = xB / nB;
  const pA = xA / nA;
  const difference = pB - pA;
  return {
    lower: difference - Math.sqrt((pB - b.lower) ** 2 + (a.upper - pA) ** 2),
    upper: difference + Math.sqrt((b.upper - pB) ** 2 + (pA - a.lower) ** 2),
  };
}

/**
 * The interval on the relative lift pB / pA − 1: the log-method interval on the ratio with 0.5 added to each count
 * and sample (Katz, adjusted so a zero count has one; statsmodels `confint_proportions_2indep(xB, nB, xA, nA,
 * compare = "ratio", method = "log-adjusted")` minus 1). Null when either arm is empty.
 */
export function relativeLiftInterval(xB: number, nB: number, xA: number, nA: number, z: number = z95): Interval | null {
  if (!(nA > 0 && nB > 0)) return null;
  const cB = xB + 0.5;
  const mB = nB + 0.5;
  const cA = xA + 0.5;
  const mA = nA + 0.5;
  const ratio = cB / mB / (cA / mA);
  const half = z * Math.sqrt(1 / cB - 1 / mB + 1 / cA - 1 / mA);
  return { lower: Math.exp(Math.log(ratio) - half) - 1, upper: Math.exp(Math.log(ratio) + half) - 1 };
}
