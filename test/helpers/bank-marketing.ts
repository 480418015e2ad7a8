/**
 * UCI bank marketing (../shared/datasets/uci-bank-marketing/bank-full.csv) as the lead-scoring protocol
 * reads it: target y, `duration` left out (it leaks the outcome), shuffled stratified 5-fold CV (seed 42), the
 * encoder learnt on each fold's training rows. Returns every row's out-of-fold score and the outcomes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  encodeFrame,
  type FeatureFrame,
  groupedFolds,
  learnFrameEncoder,
} from '../../src/analysis/scoring/features.js';
import { sharedDatasets } from './cli.js';

const numeric = ['age', 'balance', 'day', 'campaign', 'pdays', 'previous'];
const categorical = ['job', 'marital', 'education', 'default', 'housing', 'loan', 'contact', 'month', 'poutcome'];

function bankRows(): { rows: Record<string, string>[]; y: Uint8Array } {
  const lines = readFileSync(join(sharedDatasets, 'uci-bank-marketing/bank-full.csv'), 'utf8').trim().split('\n');
  const header = (lines[0] as string).split(';').map((h) => h.replaceAll('"', ''));
  const rows: Record<string, string>[] = lines
    .slice(1)
    .map((line) => Object.fromEntries(line.split(';').map((v, i) => [header[i] as string, v.replaceAll('"', '')])));
  return { rows, y: Uint8Array.from(rows.map((r) => (r.y === 'yes' ? 1 : 0))) };
}

/** The same rows as a feature frame (numbers as numbers, the categorical columns as text), `duration` left out. */
export function bankMarketingFrame(): { frame: FeatureFrame; y: Uint8Array } {
  const { rows, y } = bankRows();
  return {
    frame: {
      rows: rows.length,
      numeric: new Map(numeric.map((name) => [name, Float64Array.from(rows, (r) => Number(r[name]))])),
      categorical: new Map(categorical.map((name) => [name, rows.map((r) => String(r[name]))])),
    },
    y,
  };
}

/** `train` fits on a fold's matrix (p columns) and returns the model's scorer of another matrix. */
export function bankMarketingCv(
  train: (x: Float64Array, y: Uint8Array, p: number) => (x: Float64Array) => Float64Array,
): { scores: Float64Array; y: Uint8Array } {
  const { frame, y } = bankMarketingFrame();
  // Each row its own group: stratified shuffled folds.
  const folds = groupedFolds(Int32Array.from(y.keys()), y, 5, 42);
  const scores = new Float64Array(frame.rows);
  for (let f = 0; f < 5; f += 1) {
    const trainRows = Int32Array.from(y.keys()).filter((i) => folds[i] !== f);
    const testRows = Int32Array.from(y.keys()).filter((i) => folds[i] === f);
    const encoder = learnFrameEncoder(frame, () => false, trainRows);
    const score = train(
      encodeFrame(encoder, frame, trainRows),
      Uint8Array.from(trainRows, (i) => y[i] as number),
      encoder.columns.length,
    );
    const p = score(encodeFrame(encoder, frame, testRows));
    testRows.forEach((i, k) => {
      scores[i] = p[k] as number;
    });
  }
  return { scores, y };
}
