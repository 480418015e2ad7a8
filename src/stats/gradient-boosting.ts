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
    for (let r = 0; r < rows.length; r += 1) {
      const i = rows[r] as number;
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
        // The node's totals are any one feature's histogram summed (every row falls in one bin of it).
        for (let k = 0; k < (nb[0] as number); k += 1) {
          G += hist.hg[k] as number;
          H += hist.hh[k] as number;
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
        // Split nodes keep the value they would have as a leaf: a lead's explanation walks the changes (explainBoosting).
        self.value = leafValue;
        if (best.feature < 0) {
          for (let r = 0; r < node.rows.length; r += 1) leafOf[node.rows[r] as number] = node.id;
          continue;
        }
        // Partition the node's rows: left ones from the front, right ones from the back, order kept.
        const rows = node.rows;
        const column = best.feature;
        let leftCount = 0;
        for (let r = 0; r < rows.length; r += 1) {
          if ((binned[(rows[r] as number) * p + column] as number) <= best.threshold) leftCount += 1;
        }
        if (leftCount < options.minLeaf || rows.length - leftCount < options.minLeaf) {
          for (let r = 0; r < rows.length; r += 1) leafOf[rows[r] as number] = node.id;
          continue;
        }
        const leftRows = new Int32Array(leftCount);
        const rightRows = new Int32Array(rows.length - leftCount);
        let l = 0;
        let rr = 0;
        for (let r = 0; r < rows.length; r += 1) {
          const i = rows[r] as number;
          if ((binned[i * p + column] as number) <= best.threshold) leftRows[l++] = i;
          else rightRows[rr++] = i;
        }
        self.feature = best.feature;
        self.threshold = best.threshold;
        self.left = nodes.length;
        nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: 0 });
        self.right = nodes.length;
        nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: 0 });
        const small = leftRows.length <= rightRows.length ? leftRows : rightRows;
        const smallHist = histogram(small);
        // The larger child's histogram is the parent's minus the smaller's, in place (the parent's is done with).
        const largeHist = hist;
        for (let k = 0; k < width; k += 1) {
          largeHist.hg[k] = (largeHist.hg[k] as number) - (smallHist.hg[k] as number);
          largeHist.hh[k] = (largeHist.hh[k] as number) - (smallHist.hh[k] as number);
        }
        const leftIsSmall = small === leftRows;
        next.push({
          id: self.left,
          rows: leftRows,
          hist: leftIsSmall ? smallHist : largeHist,
          depth: node.depth + 1,
        });
        next.push({
          id: self.right,
          rows: rightRows,
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

/** Each value's bin under the model's edges, row-major like `x`. */
function binRows(model: BoostedModel, x: Float64Array, p: number): Uint8Array {
  const binned = new Uint8Array(x.length);
  for (let j = 0; j < p; j += 1) {
    const edges = model.edges[j] as Float64Array;
    for (let at = j; at < x.length; at += p) binned[at] = binOf(edges, x[at] as number);
  }
  return binned;
}

/**
 * The trees as complete binary trees in flat arrays (node k's children at 2k + 1 and 2k + 2; feature −1 at a leaf):
 * a row's walk reads no child pointers. Built once per model.
 */
export interface FlatTrees {
  width: number;
  feature: Int32Array;
  /** A row goes right when its value is at least this (the upper edge of the split's last left bin). */
  cut: Float64Array;
  value: Float64Array;
}

const flattened = new WeakMap<BoostedModel, FlatTrees>();

export function flatTrees(model: BoostedModel): FlatTrees {
  const cached = flattened.get(model);
  if (cached) return cached;
  const depthOf = (tree: readonly Node[], k: number): number => {
    const node = tree[k] as Node;
    return node.feature < 0 ? 0 : 1 + Math.max(depthOf(tree, node.left), depthOf(tree, node.right));
  };
  let depth = 0;
  for (const tree of model.trees) depth = Math.max(depth, depthOf(tree, 0));
  const width = 2 ** (depth + 1) - 1;
  const flat: FlatTrees = {
    width,
    feature: new Int32Array(model.trees.length * width).fill(-1),
    cut: new Float64Array(model.trees.length * width),
    value: new Float64Array(model.trees.length * width),
  };
  model.trees.forEach((tree, t) => {
    const place = (k: number, at: number) => {
      const node = tree[k] as Node;
      flat.feature[t * width + at] = node.feature;
      // bin ≤ threshold ⇔ fewer than threshold + 1 edges ≤ value ⇔ value < edges[threshold] (none past the last bin).
      const edges = model.edges[node.feature];
      flat.cut[t * width + at] =
        edges && node.threshold < edges.length ? (edges[node.threshold] as number) : Number.POSITIVE_INFINITY;
      flat.value[t * width + at] = node.value;
      if (node.feature >= 0) {
        place(node.left, 2 * at + 1);
        place(node.right, 2 * at + 2);
      }
    };
    place(0, 0);
  });
  flattened.set(model, flat);
  return flat;
}

/**
 * Adds every tree's leaf value to z[i − from] for the rows from..to−1 of `x` (p columns), block by block (rows
 * that stay in cache while every tree walks them).
 */
export function walkTrees(
  flat: FlatTrees,
  x: Float64Array,
  p: number,
  from: number,
  to: number,
  z: Float64Array,
): void {
  const { width, feature, cut, value } = flat;
  const trees = feature.length / width;
  const block = 1024;
  for (let start = from; start < to; start += block) {
    const end = Math.min(to, start + block);
    for (let t = 0; t < trees; t += 1) {
      const base = t * width;
      for (let i = start; i < end; i += 1) {
        const row = i * p;
        let k = 0;
        let f = feature[base] as number;
        while (f >= 0) {
          // Right when the value reaches the cut; a missing value (NaN) goes left, as bin 0 does.
          k = 2 * k + ((x[row + f] as number) >= (cut[base + k] as number) ? 2 : 1);
          f = feature[base + k] as number;
        }
        z[i - from] = (z[i - from] as number) + (value[base + k] as number);
      }
    }
  }
}

/** P(y = 1) for each row of `x` (p columns). */
export function predictBoosting(model: BoostedModel, x: Float64Array, p: number): Float64Array {
  const n = x.length / p;
  const z = new Float64Array(n).fill(model.base);
  walkTrees(flatTrees(model), x, p, 0, n, z);
  for (let i = 0; i < n; i += 1) z[i] = sigmoid(z[i] as number);
  return z;
}

/**
 * One row's log-odds split over the columns (Saabas's path attribution): along each tree's path from the root to the
 * row's leaf, the change in node value at a split is the split column's contribution. The bias (the base score
 * plus every root's value) and the contributions add up to the row's log-odds exactly.
 */
export function explainBoosting(
  model: BoostedModel,
  row: ArrayLike<number>,
  p: number,
): { bias: number; contributions: Float64Array } {
  const binned = binRows(model, Float64Array.from(row), p);
  const contributions = new Float64Array(p);
  let bias = model.base;
  for (const tree of model.trees) {
    let node = tree[0] as Node;
    bias += node.value;
    while (node.feature >= 0) {
      const child = tree[(binned[node.feature] as number) <= node.threshold ? node.left : node.right] as Node;
      contributions[node.feature] = (contributions[node.feature] as number) + child.value - node.value;
      node = child;
    }
  }
  return { bias, contributions };
}
