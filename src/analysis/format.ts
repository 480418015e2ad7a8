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

/** A duration in seconds in the unit that reads best: `45 s`, `12 min`, `3.4 h`, `2.1 days`. */
export function formatDuration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 90) return `${Math.round(seconds)} s`;
  if (s < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (s < 36 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}
