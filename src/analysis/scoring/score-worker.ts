/** Worker thread entry: walks boosted trees over a range of a shared matrix (see scoreLeads in score-leads.ts). */
import { parentPort } from 'node:worker_threads';
import { type FlatTrees, walkTrees } from '../../stats/gradient-boosting.js';

export interface WalkTask {
  flat: FlatTrees;
  /** The base score every row starts from. */
  start: number;
  x: Float64Array;
  p: number;
  from: number;
  to: number;
}

parentPort?.on('message', (task: WalkTask) => {
  try {
    const z = new Float64Array(task.to - task.from).fill(task.start);
    walkTrees(task.flat, task.x, task.p, task.from, task.to, z);
    parentPort?.postMessage({ result: z }, [z.buffer]);
  } catch (error) {
    parentPort?.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
});
