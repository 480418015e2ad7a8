/**
 * Markov-chain attribution with removal effects (docs/attribution.md; Anderl et al. 2016, as R's
 * ChannelAttribution computes it). Paths are channel sequences with repeats of the same channel in a row merged;
 * each path goes start → its channels → conversion or null, weighted by how many journeys took it. In an order-k
 * chain a state is the last k channels seen (fewer at the start). The removal effect of a channel is the share of
 * the conversion probability lost when every state containing it leads to null instead; the channels' credits are
 * their removal effects scaled to sum to the conversions.
 */

export interface PathCounts {
  /** Channel codes of each distinct path, repeats in a row already merged. */
  paths: readonly (readonly number[])[];
  /** Journeys of each path that converted, and that did not. */
  conversions: ArrayLike<number>;
  nulls: ArrayLike<number>;
}

export interface MarkovResult {
  /** Probability that a journey from start reaches conversion in the full chain. */
  conversionProbability: number;
  /** Per channel (by position in `channels`): 1 − P(conversion without it) / P(conversion). */
  removalEffects: number[];
  /** Removal effects scaled to sum to 1 (all 0 when none is positive). */
  shares: number[];
}

const CONVERSION = -1;
const NULL = -2;

/** Merges repeats of one channel in a row: A A B A → A B A. */
export function mergeRepeats(channels: readonly number[]): number[] {
  const out: number[] = [];
  for (const c of channels) if (out[out.length - 1] !== c) out.push(c);
  return out;
}

interface Chain {
  /** Channels of each state (the last k seen). */
  stateChannels: number[][];
  /** Out-edges per state: target state index (or CONVERSION / NULL) and count. */
  edges: Map<number, number>[];
  start: Map<number, number>;
}

function buildChain(counts: PathCounts, order: number): Chain {
  const index = new Map<string, number>();
  const stateChannels: number[][] = [];
  const edges: Map<number, number>[] = [];
  const start = new Map<number, number>();
  const stateOf = (history: number[]): number => {
    const key = history.join(',');
    let s = index.get(key);
    if (s === undefined) {
      s = stateChannels.length;
      index.set(key, s);
      stateChannels.push(history);
      edges.push(new Map());
    }
    return s;
  };
  const add = (from: Map<number, number>, to: number, n: number) => from.set(to, (from.get(to) ?? 0) + n);
  counts.paths.forEach((path, p) => {
    const conversions = counts.conversions[p] as number;
    const nulls = counts.nulls[p] as number;
    const total = conversions + nulls;
    if (total === 0 || path.length === 0) return;
    let from: Map<number, number> = start;
    for (let i = 0; i < path.length; i += 1) {
      const s = stateOf(path.slice(Math.max(0, i - order + 1), i + 1) as number[]);
      add(from, s, total);
      from = edges[s] as Map<number, number>;
    }
    if (conversions > 0) add(from, CONVERSION, conversions);
    if (nulls > 0) add(from, NULL, nulls);
  });
  return { stateChannels, edges, start };
}

/**
 * P(conversion) from start, with the states in `removed` leading to null. Solved by Gauss–Seidel sweeps over the
 * absorbing chain (every state reaches conversion or null, so the sweeps converge), to 1e-13.
 */
function conversionProbability(chain: Chain, removed: Uint8Array | null): number {
  const n = chain.stateChannels.length;
  const totals = chain.edges.map((e) => [...e.values()].reduce((a, b) => a + b, 0));
  const p = new Float64Array(n);
  const valueOf = (target: number) => (target === CONVERSION ? 1 : target === NULL ? 0 : (p[target] as number));
  for (let sweep = 0; sweep < 100_000; sweep += 1) {
    let change = 0;
    for (let s = 0; s < n; s += 1) {
      if (removed?.[s]) continue;
      let v = 0;
      for (const [target, count] of chain.edges[s] as Map<number, number>) {
        if (target >= 0 && removed?.[target]) continue;
        v += count * valueOf(target);
      }
      v /= totals[s] as number;
      change = Math.max(change, Math.abs(v - (p[s] as number)));
      p[s] = v;
    }
    if (change < 1e-13) break;
  }
  const startTotal = [...chain.start.values()].reduce((a, b) => a + b, 0);
  if (startTotal === 0) return 0;
  let v = 0;
  for (const [target, count] of chain.start) if (!removed?.[target]) v += count * (p[target] as number);
  return v / startTotal;
}

/** Removal effects of `channelCount` channels (codes 0 .. channelCount − 1) in an order-`order` chain. */
export function markovAttribution(counts: PathCounts, channelCount: number, order: number): MarkovResult {
  const chain = buildChain(counts, order);
  const full = conversionProbability(chain, null);
  const removalEffects: number[] = [];
  for (let c = 0; c < channelCount; c += 1) {
    const removed = new Uint8Array(chain.stateChannels.length);
    let any = false;
    chain.stateChannels.forEach((channels, s) => {
      if (channels.includes(c)) {
        removed[s] = 1;
        any = true;
      }
    });
    removalEffects.push(!any || full === 0 ? 0 : 1 - conversionProbability(chain, removed) / full);
  }
  const positive = removalEffects.map((e) => Math.max(0, e));
  const sum = positive.reduce((a, b) => a + b, 0);
  return {
    conversionProbability: full,
    removalEffects,
    shares: positive.map((e) => (sum > 0 ? e / sum : 0)),
  };
}
