/**
 * Shapley-value attribution (docs/attribution.md): the channels are players; a coalition S is worth the conversion
 * rate of the journeys (with and without conversion) whose channels all lie in S (0 when there is none). A
 * channel's Shapley value is its average marginal worth over every order in which the channels could join; the
 * credits are the positive values scaled to sum to the conversions. Exact over all 2^n coalitions (n ≤ 16).
 */

export const maxShapleyChannels = 16;

export interface ChannelSets {
  /** Each distinct set of channels touched (bit c: channel c), with its journeys that converted and that did not. */
  masks: ArrayLike<number>;
  conversions: ArrayLike<number>;
  nulls: ArrayLike<number>;
}

export interface ShapleyResult {
  /** Per channel: its Shapley value (in conversion rate). */
  values: number[];
  /** Positive values scaled to sum to 1. */
  shares: number[];
}

/** Sums over subsets, in place: after it a[S] = Σ over T ⊆ S of the a[T] given. */
function subsetSums(a: Float64Array, n: number): void {
  for (let bit = 0; bit < n; bit += 1) {
    const b = 1 << bit;
    for (let s = 0; s < a.length; s += 1) if (s & b) a[s] = (a[s] as number) + (a[s ^ b] as number);
  }
}

export function shapleyAttribution(sets: ChannelSets, channelCount: number): ShapleyResult {
  const n = channelCount;
  if (n > maxShapleyChannels) throw new Error(`Shapley over ${n} channels: at most ${maxShapleyChannels}`);
  const size = 1 << n;
  const conv = new Float64Array(size);
  const all = new Float64Array(size);
  for (let i = 0; i < sets.masks.length; i += 1) {
    const m = sets.masks[i] as number;
    conv[m] = (conv[m] as number) + (sets.conversions[i] as number);
    all[m] = (all[m] as number) + (sets.conversions[i] as number) + (sets.nulls[i] as number);
  }
  subsetSums(conv, n);
  subsetSums(all, n);
  const worth = new Float64Array(size);
  for (let s = 0; s < size; s += 1) worth[s] = (all[s] as number) > 0 ? (conv[s] as number) / (all[s] as number) : 0;
  // Weight of a coalition of size k joined by one more: k! (n − k − 1)! / n!.
  const weight = new Float64Array(n);
  for (let k = 0; k < n; k += 1) {
    let w = 1 / n;
    // k! (n−k−1)! / n! = 1 / (n · C(n−1, k))
    for (let i = 1; i <= k; i += 1) w *= i / (n - i);
    weight[k] = w;
  }
  const popcount = (x: number) => {
    let c = 0;
    for (let v = x; v; v &= v - 1) c += 1;
    return c;
  };
  const values = new Array<number>(n).fill(0);
  for (let s = 0; s < size; s += 1) {
    const k = popcount(s);
    if (k === n) continue;
    const w = weight[k] as number;
    for (let c = 0; c < n; c += 1) {
      const b = 1 << c;
      if (s & b) continue;
      values[c] = (values[c] as number) + w * ((worth[s | b] as number) - (worth[s] as number));
    }
  }
  const positive = values.map((v) => Math.max(0, v));
  const sum = positive.reduce((a, b) => a + b, 0);
  return { values, shares: positive.map((v) => (sum > 0 ? v / sum : 0)) };
}
