/** Worker thread entry: runs funnel passes over shared columns (see run-funnel.ts). */
import { parentPort } from 'node:worker_threads';
import { ScratchBuffers } from '../../engine/column-cache.js';
import type { StreamSource } from '../../engine/funnel-stream.js';
import { type PassChunks, type PassRequest, runFunnelChunks, transferablesOf } from './funnel-pass.js';

const scratch = new ScratchBuffers();

parentPort?.on(
  'message',
  (task: { source: Omit<StreamSource, 'scratch'>; request: PassRequest; chunks: PassChunks }) => {
    try {
      const result = runFunnelChunks({ ...task.source, scratch }, task.request, task.chunks);
      parentPort?.postMessage({ result }, transferablesOf(result.map((r) => r.result)));
    } catch (error) {
      parentPort?.postMessage({ error: String((error as Error)?.stack ?? error) });
    }
  },
);
