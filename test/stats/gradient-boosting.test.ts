/**
 * Gradient-boosted trees (src/stats/gradient-boosting.ts): one round on a toy set gives the leaf values of the
 * second-order formula by hand; on UCI bank marketing (shuffled stratified 5-fold CV, `duration` left out) the model
 * reaches the AUC the issue asks of the better lead-scoring model (≥ 0.79; scikit-learn's histogram boosting: 0.80)
 * and stays calibrated (expected calibration error ≤ 0.02).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode, learnEncoder, type Row, stratifiedFolds } from '../../src/analysis/scoring/features.js';
import { fitBoosting, predictBoosting } from '../../src/stats/gradient-boosting.js';
import { auc, calibrationError } from '../../src/stats/logistic-regression.js';
import { sharedDatasets } from '../helpers/cli.js';

describe('gradient-boosted trees', () => {
  it('grow one split with the second-order leaf values', () => {
    // x < 5 → y 0 (4 rows), x ≥ 5 → y 1 (4 rows). Base log-odds 0, so p = 0.5, g = p − y, h = 0.25 everywhere.
    const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const y = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const model = fitBoosting(x, y, 1, { rounds: 1, learningRate: 0.5, maxDepth: 1, minLeaf: 1, lambda: 1, bins: 8 });
    const [root, left, right] = model.trees[0] ?? [];
    expect(root?.feature).toBe(0);
    // Left: G = 4 × 0.5 = 2, H = 1 → −2 / (1 + 1) × 0.5 = −0.5; right: +0.5.
    expect(left?.value).toBeCloseTo(-0.5, 12);
    expect(right?.value).toBeCloseTo(0.5, 12);
    const p = predictBoosting(model, Float64Array.from([2, 7]), 1);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(0.5)), 12);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 12);
  });

  it('reaches AUC 0.79 on UCI bank marketing, calibrated', () => {
    const lines = readFileSync(join(sharedDatasets, 'uci-bank-marketing/bank-full.csv'), 'utf8').trim().split('\n');
    const header = (lines[0] as string).split(';').map((h) => h.replaceAll('"', ''));
    const rows: Row[] = lines
      .slice(1)
      .map((line) => Object.fromEntries(line.split(';').map((v, i) => [header[i] as string, v.replaceAll('"', '')])));
    const y = Uint8Array.from(rows.map((r) => (r.y === 'yes' ? 1 : 0)));
    const numeric = ['age', 'balance', 'day', 'campaign', 'pdays', 'previous'];
    const categorical = ['job', 'marital', 'education', 'default', 'housing', 'loan', 'contact', 'month', 'poutcome'];
    const folds = stratifiedFolds(y, 5, 42);
    const scores = new Float64Array(rows.length);
    for (let f = 0; f < 5; f += 1) {
      const train = rows.filter((_, i) => folds[i] !== f);
      const test = rows.map((_, i) => i).filter((i) => folds[i] === f);
      const encoder = learnEncoder(train, numeric, categorical);
      const model = fitBoosting(
        encode(encoder, train),
        Uint8Array.from(y.filter((_, i) => folds[i] !== f)),
        encoder.columns.length,
      );
      const p = predictBoosting(
        model,
        encode(
          encoder,
          test.map((i) => rows[i] as Row),
        ),
        encoder.columns.length,
      );
      for (const [k, i] of test.entries()) scores[i] = p[k] as number;
    }
    expect(auc(scores, y)).toBeGreaterThanOrEqual(0.79);
    expect(calibrationError(scores, y)).toBeLessThanOrEqual(0.02);
  }, 180_000);
});
