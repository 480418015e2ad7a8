import { twoSidedP } from './two-proportions.js';

/**
 * Rank tests for durations (STATISTICS.md), written here because no maintained JavaScript package offers them in
 * the form the diagnosis needs: one sort of the pooled sample, then many segment-versus-rest comparisons.
 *
 * - `sortedMidRanks` + `mannWhitney`: the Mann–Whitney U (Wilcoxon rank-sum) test of a group against the rest of a
 *   pooled sample, normal approximation with the tie correction and a continuity correction of ½, two-sided
 *   (scipy `mannwhitneyu(x, y, use_continuity=True, alternative="two-sided", method="asymptotic")`).
 * - `kendallTauB`: Kendall's τ-b between an ordinal group index (a period) and a value, with the asymptotic test
 *   that accounts for ties in both (scipy `kendalltau(x, y, variant="b", method="asymptotic")`).
 */

/** The number of values in sorted `a` below `x` (`strict`) or at most `x`. */
export function countBelow(a: Float64Array, x: number, strict: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid] as number;
    if (strict ? v < x : v <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Mid-ranks (1-based; ties share the mean of their ranks) of an ascending sample, position by position, and the
 * tie term Σ(t³ − t) that the Mann–Whitney variance needs. One sweep.
 */
export function sortedMidRanks(sorted: Float64Array): { ranks: Float64Array; tieTerm: number } {
  const n = sorted.length;
  const ranks = new Float64Array(n);
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j += 1;
    ranks.fill((i + 1 + j) / 2, i, j); // mean of ranks i+1 … j
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  return { ranks, tieTerm };
}

export interface MannWhitney {
  /** U of the group: pairs (group value, rest value) where the group's is larger, ties counting ½. */
  u: number;
  /** Signed: positive when the group's values tend to be larger. */
  z: number;
  pValue: number;
}

/**
 * The group of `n1` values whose mid-ranks in the pooled sample of `n` add up to `rankSum`, against the other
 * n − n1. Null when either side is empty or every value is tied (nothing to rank).
 */
export function mannWhitney(rankSum: number, n1: number, n: number, tieTerm: number): MannWhitney | null {
  const n2 = n - n1;
  if (n1 <= 0 || n2 <= 0) return null;
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return null;
  const distance = Math.max(0, Math.abs(u - mu) - 0.5);
  const z = (Math.sign(u - mu) * distance) / Math.sqrt(variance);
  return { u, z, pValue: Math.min(1, twoSidedP(z)) };
}

export interface KendallTau {
  tau: number;
  z: number;
  pValue: number;
}

/** Σ over tie groups of t(t−1)/2, t(t−1)(t−2) and t(t−1)(2t+5), from the group sizes. */
function tieSums(sizes: Iterable<number>): [number, number, number] {
  let a = 0;
  let b = 0;
  let c = 0;
  for (const t of sizes) {
    a += (t * (t - 1)) / 2;
    b += t * (t - 1) * (t - 2);
    c += t * (t - 1) * (2 * t + 5);
  }
  return [a, b, c];
}

/**
 * Kendall's τ-b between the group index (0, 1, 2 … in order) and the values: `groups[g]` holds the values of
 * group g (`groupsSorted`: each already ascending). Pairs in the same group are tied in x. Null with fewer than 3
 * values or no variation in x or y.
 */
export function kendallTauB(groups: readonly Float64Array[], groupsSorted = false): KendallTau | null {
  const sorted = groupsSorted ? groups : groups.map((g) => Float64Array.from(g).sort());
  const n = sorted.reduce((sum, g) => sum + g.length, 0);
  if (n < 3) return null;
  // Concordant minus discordant: for each pair of groups i < j, (pairs with y_j > y_i) − (pairs with y_j < y_i).
  let s = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const a = sorted[i] as Float64Array;
    for (let j = i + 1; j < sorted.length; j += 1) {
      const b = sorted[j] as Float64Array;
      // For each b value: how many a values are below it, and how many are above (a merge of two sorted arrays).
      let below = 0;
      let notAbove = 0;
      for (const y of b) {
        while (below < a.length && (a[below] as number) < y) below += 1;
        while (notAbove < a.length && (a[notAbove] as number) <= y) notAbove += 1;
        s += below - (a.length - notAbove);
      }
    }
  }
  const all = new Float64Array(n);
  let at = 0;
  for (const g of sorted) {
    all.set(g, at);
    at += g.length;
  }
  all.sort();
  const yTies: number[] = [];
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && all[j] === all[i]) j += 1;
    yTies.push(j - i);
    i = j;
  }
  const [xTie, x0, x1] = tieSums(sorted.map((g) => g.length));
  const [yTie, y0, y1] = tieSums(yTies);
  const total = (n * (n - 1)) / 2;
  if (total === xTie || total === yTie) return null;
  const tau = s / Math.sqrt(total - xTie) / Math.sqrt(total - yTie);
  const m = n * (n - 1);
  const variance = (m * (2 * n + 5) - x1 - y1) / 18 + (2 * xTie * yTie) / m + (x0 * y0) / (9 * m * (n - 2));
  const z = s / Math.sqrt(variance);
  return { tau, z, pValue: Math.min(1, twoSidedP(z)) };
}
