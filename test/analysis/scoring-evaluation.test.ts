/**
 * Reading a lead-scoring model (src/analysis/scoring/evaluation.ts), by hand: the calibration table's bins, lift by
 * decile on 20 ranked leads, and a lead's signed contributions under a logistic model.
 */
import { describe, expect, it } from 'vitest';
import { calibrationTable, columnMeans, explainLogistic, liftByDecile } from '../../src/analysis/scoring/evaluation.js';

describe('scoring evaluation', () => {
  it('bins predictions against what happened', () => {
    const table = calibrationTable([0.05, 0.08, 0.55, 0.95], [0, 1, 1, 1], 10);
    expect(table[0]).toEqual({ lower: 0, upper: 0.1, units: 2, meanPredicted: 0.065, observedRate: 0.5 });
    expect(table[5]).toEqual({ lower: 0.5, upper: 0.6, units: 1, meanPredicted: 0.55, observedRate: 1 });
    expect(table[9]?.units).toBe(1);
    expect(table[3]).toEqual({ lower: 0.3, upper: 0.4, units: 0, meanPredicted: null, observedRate: null });
  });

  it('ranks leads into deciles with their lift', () => {
    // 20 leads scored 20 … 1; the top four converted, and one in the bottom half: overall 5/20.
    const p = Array.from({ length: 20 }, (_, i) => 20 - i);
    const y = p.map((s) => (s > 16 || s === 3 ? 1 : 0));
    const deciles = liftByDecile(p, y);
    expect(deciles.map((d) => [d.units, d.conversions])).toEqual([
      [2, 2],
      [2, 2],
      [2, 0],
      [2, 0],
      [2, 0],
      [2, 0],
      [2, 0],
      [2, 0],
      [2, 1],
      [2, 0],
    ]);
    expect(deciles[0]?.lift).toBe(1 / 0.25);
    expect(deciles[8]?.lift).toBe(0.5 / 0.25);
  });

  it('explains a lead by signed contributions against the average lead', () => {
    const model = { coefficients: Float64Array.from([-1, 2, -0.5, 0.1]), iterations: 1 };
    // Training rows (3 columns): means 0.5, 1, 10.
    const means = columnMeans(Float64Array.from([0, 0, 5, 1, 2, 15]), 3);
    expect([...means]).toEqual([0.5, 1, 10]);
    const explained = explainLogistic(model, ['a', 'b', 'c'], means, [1, 1, 30], 2);
    // a: 2 × 0.5 = 1; b: −0.5 × 0 = 0 (left out); c: 0.1 × 20 = 2.
    expect(explained).toEqual([
      { feature: 'c', contribution: 2 },
      { feature: 'a', contribution: 1 },
    ]);
  });
});
