/**
 * The project's one seeded generator: mulberry32 (small, fast, 32-bit state), so simulations, bootstraps, folds and
 * the demo business are the same on every run for the same seed.
 */

/** Uniform draws in [0, 1) from a seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller) from two uniform draws. */
export function standardNormal(uniform: () => number): number {
  const u = 1 - uniform(); // in (0, 1]: the logarithm stays finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
}

/** `keep` distinct indices of 0 … total − 1, each set of them equally likely (a partial Fisher–Yates shuffle). */
export function sampleIndices(total: number, keep: number, uniform: () => number): Int32Array {
  const order = Int32Array.from({ length: total }, (_, i) => i);
  const count = Math.min(keep, total);
  for (let i = 0; i < count; i += 1) {
    const j = i + Math.floor(uniform() * (total - i));
    const chosen = order[j] as number;
    order[j] = order[i] as number;
    order[i] = chosen;
  }
  return order.slice(0, count);
}
