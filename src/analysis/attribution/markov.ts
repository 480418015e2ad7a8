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

/**
 * The chain's shape for a set of distinct paths, built once: its states and edges, and the edges each path walks.
 * Counts (a bootstrap replicate's, say) are then only weights on the edges.
 */
export class MarkovChain {
  /** Channels of each state (the last k seen). */
  readonly stateChannels: number[][] = [];
  /** Edges, grouped by source: edges of state s are edgeStart[s] … edgeStart[s + 1] − 1; the start's are last. */
  private readonly edgeStart: Int32Array;
  /** Target of each edge: a state, or `conversion` / `nullTarget` (stateCount, stateCount + 1). */
  private readonly edgeTarget: Int32Array;
  /** Per path: its transition edges (weighted by all its journeys), its conversion edge and its null edge. */
  private readonly pathEdges: Int32Array[];
  private readonly conversionEdge: Int32Array;
  private readonly nullEdge: Int32Array;

  constructor(paths: readonly (readonly number[])[], order: number) {
    const index = new Map<string, number>();
    const stateOf = (history: number[]): number => {
      const key = history.join(',');
      let s = index.get(key);
      if (s === undefined) {
        s = this.stateChannels.length;
        index.set(key, s);
        this.stateChannels.push(history);
      }
      return s;
    };
    // Edges as (source, target) pairs first; the start is source -1.
    const edgeIndex = new Map<string, number>();
    const sources: number[] = [];
    const targets: number[] = [];
    const edge = (from: number, to: number) => {
      const key = `${from}>${to}`;
      let e = edgeIndex.get(key);
      if (e === undefined) {
        e = sources.length;
        edgeIndex.set(key, e);
        sources.push(from);
        targets.push(to);
      }
      return e;
    };
    const CONVERSION = -2;
    const NULL = -3;
    const walks: number[][] = [];
    const conversionEdges: number[] = [];
    const nullEdges: number[] = [];
    for (const path of paths) {
      const walk: number[] = [];
      let from = -1;
      for (let i = 0; i < path.length; i += 1) {
        const s = stateOf(path.slice(Math.max(0, i - order + 1), i + 1) as number[]);
        walk.push(edge(from, s));
        from = s;
      }
      walks.push(walk);
      conversionEdges.push(path.length > 0 ? edge(from, CONVERSION) : -1);
      nullEdges.push(path.length > 0 ? edge(from, NULL) : -1);
    }
    // Renumber the edges grouped by source (states 0 … n − 1, then the start).
    const n = this.stateChannels.length;
    const group = (source: number) => (source < 0 ? n : source);
    const order2 = [...sources.keys()].sort((a, b) => group(sources[a] as number) - group(sources[b] as number));
    const renumber = new Int32Array(sources.length);
    order2.forEach((old, fresh) => {
      renumber[old] = fresh;
    });
    this.edgeStart = new Int32Array(n + 2);
    for (const source of sources) this.edgeStart[group(source) + 1] = (this.edgeStart[group(source) + 1] as number) + 1;
    for (let s = 0; s <= n; s += 1)
      this.edgeStart[s + 1] = (this.edgeStart[s + 1] as number) + (this.edgeStart[s] as number);
    this.edgeTarget = new Int32Array(sources.length);
    order2.forEach((old, fresh) => {
      const t = targets[old] as number;
      this.edgeTarget[fresh] = t === CONVERSION ? n : t === NULL ? n + 1 : t;
    });
    this.pathEdges = walks.map((w) => Int32Array.from(w, (e) => renumber[e] as number));
    this.conversionEdge = Int32Array.from(conversionEdges, (e) => (e < 0 ? -1 : (renumber[e] as number)));
    this.nullEdge = Int32Array.from(nullEdges, (e) => (e < 0 ? -1 : (renumber[e] as number)));
  }

  /** Edge weights of these path counts. */
  weights(conversions: ArrayLike<number>, nulls: ArrayLike<number>): Float64Array {
    const w = new Float64Array(this.edgeTarget.length);
    this.pathEdges.forEach((walk, p) => {
      const c = conversions[p] as number;
      const u = nulls[p] as number;
      if (c + u === 0) return;
      for (const e of walk) w[e] = (w[e] as number) + c + u;
      const ce = this.conversionEdge[p] as number;
      const ne = this.nullEdge[p] as number;
      if (c > 0) w[ce] = (w[ce] as number) + c;
      if (u > 0) w[ne] = (w[ne] as number) + u;
    });
    return w;
  }

  /**
   * P(conversion) from start under edge weights `w`, with the states in `removed` leading to null. Solved by
   * Gauss–Seidel sweeps over the absorbing chain (every state reaches conversion or null, so they converge), to
   * 1e-13.
   */
  conversionProbability(w: Float64Array, removed: Uint8Array | null): number {
    const n = this.stateChannels.length;
    const p = new Float64Array(n + 2);
    p[n] = 1; // conversion
    const totals = new Float64Array(n + 1);
    for (let s = 0; s <= n; s += 1) {
      let t = 0;
      for (let e = this.edgeStart[s] as number; e < (this.edgeStart[s + 1] as number); e += 1) t += w[e] as number;
      totals[s] = t;
    }
    const expected = (s: number) => {
      let v = 0;
      for (let e = this.edgeStart[s] as number; e < (this.edgeStart[s + 1] as number); e += 1) {
        const target = this.edgeTarget[e] as number;
        if (target < n && removed?.[target]) continue;
        v += (w[e] as number) * (p[target] as number);
      }
      return v / (totals[s] as number);
    };
    for (let sweep = 0; sweep < 100_000; sweep += 1) {
      let change = 0;
      for (let s = 0; s < n; s += 1) {
        if (removed?.[s] || totals[s] === 0) continue;
        const v = expected(s);
        change = Math.max(change, Math.abs(v - (p[s] as number)));
        p[s] = v;
      }
      if (change < 1e-13) break;
    }
    return totals[n] === 0 ? 0 : expected(n);
  }

  /** Removal effects of channels 0 … channelCount − 1 under these path counts. */
  attribute(conversions: ArrayLike<number>, nulls: ArrayLike<number>, channelCount: number): MarkovResult {
    const w = this.weights(conversions, nulls);
    const full = this.conversionProbability(w, null);
    const removalEffects: number[] = [];
    for (let c = 0; c < channelCount; c += 1) {
      const removed = new Uint8Array(this.stateChannels.length);
      let any = false;
      this.stateChannels.forEach((channels, s) => {
        if (channels.includes(c)) {
          removed[s] = 1;
          any = true;
        }
      });
      removalEffects.push(!any || full === 0 ? 0 : 1 - this.conversionProbability(w, removed) / full);
    }
    const positive = removalEffects.map((e) => Math.max(0, e));
    const sum = positive.reduce((a, b) => a + b, 0);
    return {
      conversionProbability: full,
      removalEffects,
      shares: positive.map((e) => (sum > 0 ? e / sum : 0)),
    };
  }
}

/** Removal effects of `channelCount` channels (codes 0 .. channelCount − 1) in an order-`order` chain. */
export function markovAttribution(counts: PathCounts, channelCount: number, order: number): MarkovResult {
  return new MarkovChain(counts.paths, order).attribute(counts.conversions, counts.nulls, channelCount);
}
