/**
 * Gradient-boosted decision trees for a yes/no outcome (log loss), on binned features (docs/scoring.md): each
 * column cut into at most 64 bins at its quantiles, trees grown level by level to `maxDepth` from gradient and
 * hessian histograms (a sibling's histogram is its parent's minus its brother's), splits scored by the usual
 * second-order gain G²/(H + λ), leaves worth −G/(H + λ) times the learning rate. Written here: the registry's
 * boosting packages are a rarely used WebAssembly port (ml-xgboost) or unmaintained. Pure.
 */
import { sigmoid } from './logistic-regression.js';

export interface BoostingOptions {
  rounds: number;
  learningRate: number;
  maxDepth: number;
  minLeaf: number;
  lambda: number;
  bins: number;
}

export const defaultBoosting: BoostingOptions = {
  rounds: 200,
  learningRate: 0.1,
  maxDepth: 4,
  minLeaf: 40,
  lambda: 1,
  bins: 64,
};

interface Node {
  feature: number;
  /** Rows with bin ≤ threshold go left. */
  threshold: number;
  left: number;
  right: number;
  value: number;
}

export interface BoostedModel {
  base: number;
  /** Upper edges of each feature's bins (a value goes to the first bin whose edge it does not pass). */
  edges: Float64Array[];
  trees: Node[][];
}

/** Bin edges at the feature's quantiles (distinct values), at most `bins` bins. */
function binEdges(x: Float64Array, n: number, p: number, j: number, bins: number): Float64Array {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i += 1) values[i] = x[i * p + j] as number;
  values.sort();
  const edges: number[] = [];
  for (let b = 1; b < bins; b += 1) {
    const v = values[Math.floor((b * n) / bins)] as number;
    if (edges.length === 0 || v > (edges[edges.length - 1] as number)) edges.push(v);
  }
  return Float64Array.from(edges);
}

function binOf(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v >= (edges[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function fitBoosting(
  x: Float64Array,
  y: Uint8Array,
  p: number,
  options: BoostingOptions = defaultBoosting,
): BoostedModel {
  const n = y.length;
  const edges = Array.from({ length: p }, (_, j) => binEdges(x, n, p, j, options.bins));
  const nb = edges.map((e) => e.length + 1);
  const binned = new Uint8Array(n * p);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < p; j += 1) binned[i * p + j] = binOf(edges[j] as Float64Array, x[i * p + j] as number);
  }
  const offsets = new Int32Array(p + 1);
  for (let j = 0; j < p; j += 1) offsets[j + 1] = (offsets[j] as number) + (nb[j] as number);
  const width = offsets[p] as number;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const base = Math.log(mean / (1 - mean));
  const score = new Float64Array(n).fill(base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const trees: Node[][] = [];
  const histogram = (rows: Int32Array) => {
    const hg = new Float64Array(width);
    const hh = new Float64Array(width);
    for (const i of rows) {
      const gi = g[i] as number;
      const hi = h[i] as number;
      const row = i * p;
      for (let j = 0; j < p; j += 1) {
        const k = (offsets[j] as number) + (binned[row + j] as number);
        hg[k] = (hg[k] as number) + gi;
        hh[k] = (hh[k] as number) + hi;
      }
    }
    return { hg, hh };
  };
  for (let round = 0; round < options.rounds; round += 1) {
    for (let i = 0; i < n; i += 1) {
      const q = sigmoid(score[i] as number);
      g[i] = q - (y[i] as number);
      h[i] = q * (1 - q);
    }
    const nodes: Node[] = [];
    const leafOf = new Int32Array(n);
    // Level by level: each frontier node holds its rows and histogram.
    let frontier = [
      {
        id: 0,
        rows: Int32Array.from({ length: n }, (_, i) => i),
        hist: null as ReturnType<typeof histogram> | null,
        depth: 0,
      },
    ];
    nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: 0 });
    while (frontier.length > 0) {
      const next: typeof frontier = [];
      for (const node of frontier) {
        const hist = node.hist ?? histogram(node.rows);
        let G = 0;
        let H = 0;
        for (const i of node.rows) {
          G += g[i] as number;
          H += h[i] as number;
        }
        const leafValue = (-G / (H + options.lambda)) * options.learningRate;
        let best = { gain: 0, feature: -1, threshold: 0 };
        if (node.depth < options.maxDepth && node.rows.length >= 2 * options.minLeaf) {
          const parentScore = (G * G) / (H + options.lambda);
          for (let j = 0; j < p; j += 1) {
            let gl = 0;
            let hl = 0;
            for (let b = 0; b < (nb[j] as number) - 1; b += 1) {
              const k = (offsets[j] as number) + b;
              gl += hist.hg[k] as number;
              hl += hist.hh[k] as number;
              if (hl < 1e-3 || H - hl < 1e-3) continue;
              const gain =
                (gl * gl) / (hl + options.lambda) + ((G - gl) * (G - gl)) / (H - hl + options.lambda) - parentScore;
              if (gain > best.gain) best = { gain, feature: j, threshold: b };
            }
          }
        }
        const self = nodes[node.id] as Node;
        if (best.feature < 0) {
          self.value = leafValue;
          for (const i of node.rows) leafOf[i] = node.id;
          continue;
        }
        const leftRows: number[] = [];
        const rightRows: number[] = [];
        for (const i of node.rows) {
          if ((binned[i * p + best.feature] as number) <= best.threshold) leftRows.push(i);
          else rightRows.push(i);
        }
        if (leftRows.length < options.minLeaf || rightRows.length < options.minLeaf) {
          self.value = leafValue;
          for (const i of node.rows) leafOf[i] = node.id;
          continue;
        }
        self.feature = best.feature;
        self.threshold = best.threshold;
        self.left = nodes.length;
        nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: 0 });
        self.right = nodes.length;
        nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: 0 });
        const small = leftRows.length <= rightRows.length ? leftRows : rightRows;
        const smallHist = histogram(Int32Array.from(small));
        const largeHist = {
          hg: hist.hg.map((v, k) => v - (smallHist.hg[k] as number)),
          hh: hist.hh.map((v, k) => v - (smallHist.hh[k] as number)),
        };
        const leftIsSmall = small === leftRows;
        next.push({
          id: self.left,
          rows: Int32Array.from(leftRows),
          hist: leftIsSmall ? smallHist : largeHist,
          depth: node.depth + 1,
        });
        next.push({
          id: self.right,
          rows: Int32Array.from(rightRows),
          hist: leftIsSmall ? largeHist : smallHist,
          depth: node.depth + 1,
        });
      }
      frontier = next;
    }
    for (let i = 0; i < n; i += 1) score[i] = (score[i] as number) + (nodes[leafOf[i] as number] as Node).value;
    trees.push(nodes);
  }
  return { base, edges, trees };
}

/** P(y = 1) for each row of `x` (p columns). */
export function predictBoosting(model: BoostedModel, x: Float64Array, p: number): Float64Array {
  const n = x.length / p;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let z = model.base;
    for (const tree of model.trees) {
      let k = 0;
      for (;;) {
        const node = tree[k] as Node;
        if (node.feature < 0) {
          z += node.value;
          break;
        }
        const bin = binOf(model.edges[node.feature] as Float64Array, x[i * p + node.feature] as number);
        k = bin <= node.threshold ? node.left : node.right;
      }
    }
    out[i] = sigmoid(z);
  }
  return out;
}
