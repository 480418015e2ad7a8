/**
 * Benjamini–Hochberg adjusted p-values (q-values), in input order (STATISTICS.md; statsmodels
 * `multipletests(p, method = "fdr_bh")[1]`, R `p.adjust(p, "BH")`): q(i) = min over j with rank ≥ rank(i) of
 * p(j) · m / rank(j), capped at 1. Rejecting every q ≤ α keeps the expected share of false findings at or under α
 * for independent (or positively dependent) tests.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => (pValues[a] as number) - (pValues[b] as number));
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank -= 1) {
    const i = order[rank - 1] as number;
    running = Math.min(running, ((pValues[i] as number) * m) / rank);
    adjusted[i] = running;
  }
  return adjusted;
}

/**
 * Holm's step-down adjusted p-values, in input order (statsmodels `multipletests(p, method = "holm")[1]`, R
 * `p.adjust(p, "holm")`): the i-th smallest p times (m − i + 1), made non-decreasing in that order, capped at 1.
 * Rejecting every adjusted p ≤ α keeps the chance of any false finding at or under α (family-wise).
 */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => (pValues[a] as number) - (pValues[b] as number));
  const adjusted = new Array<number>(m);
  let running = 0;
  for (let rank = 1; rank <= m; rank += 1) {
    const i = order[rank - 1] as number;
    running = Math.max(running, Math.min(1, (pValues[i] as number) * (m - rank + 1)));
    adjusted[i] = running;
  }
  return adjusted;
}
