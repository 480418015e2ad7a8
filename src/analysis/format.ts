/** Number formats shared by the reports' sentences and the CLI's tables. */

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A fraction as a percentage with one decimal; a rounding residue below zero (an unclipped interval bound at 0
 * successes, −1e-17) prints as 0.0, not −0.0. */
export function formatPercent(x: number): string {
  const v = x * 100;
  return (Math.abs(v) < 0.05 ? 0 : v).toFixed(1);
}
