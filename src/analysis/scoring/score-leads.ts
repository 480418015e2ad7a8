/**
 * Scoring many leads at once: the trees' walk split over worker threads (the matrix shared, not copied), the
 * logistic model and small sets on this thread. Gives what scoreFrame gives, to the last bit (each row's tree values
 * are added to the base score in the same order).
 */
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../../engine/worker-pool.js';
import { flatTrees, walkTrees } from '../../stats/gradient-boosting.js';
import { sigmoid } from '../../stats/logistic-regression.js';
import { sharedFloat64 } from '../../store/shared-arrays.js';
import { encodeFrame, type FeatureFrame } from './features.js';
import type { WalkTask } from './score-worker.js';
import { boostedModel, type FittedScorer, scoreFrame } from './train-model.js';

let pool: WorkerPool<WalkTask, Float64Array> | null | undefined;
let poolSize = 0;

function workers(size: number): WorkerPool<WalkTask, Float64Array> | null {
  if (pool === undefined || poolSize !== size) {
    void pool?.close();
    pool = WorkerPool.create<WalkTask, Float64Array>(new URL('./score-worker.js', import.meta.url), size);
    poolSize = size;
  }
  return pool;
}

/** Rows below which one thread scores (starting threads costs more than it saves). */
const parallelMinRows = 50_000;

export async function scoreLeads(
  scorer: FittedScorer,
  frame: FeatureFrame,
  threads = Number(process.env.FUNNELSCOPE_THREADS) || availableParallelism(),
): Promise<Float64Array> {
  const runner =
    scorer.kind === 'gradient boosting' && frame.rows >= parallelMinRows && threads > 1 ? workers(threads - 1) : null;
  if (!runner) return scoreFrame(scorer, frame);
  const p = scorer.encoder.columns.length;
  const x = encodeFrame(scorer.encoder, frame, undefined, sharedFloat64);
  const model = boostedModel(scorer);
  const flat = flatTrees(model);
  const n = frame.rows;
  const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.floor((t * n) / threads));
  const remote = Array.from({ length: threads - 1 }, (_, t) =>
    runner.run({ flat, start: model.base, x, p, from: bounds[t + 1] as number, to: bounds[t + 2] as number }),
  );
  const local = new Float64Array(bounds[1] as number).fill(model.base);
  walkTrees(flat, x, p, 0, bounds[1] as number, local);
  const parts = [local, ...(await Promise.all(remote))];
  const out = new Float64Array(n);
  let at = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 1) out[at + i] = sigmoid(part[i] as number);
    at += part.length;
  }
  return out;
}
