/**
 * Reading a lead-scoring model (src/analysis/scoring/evaluation.ts), by hand: the calibration table's bins, lift by
 * decile on 20 ranked leads, and a lead's signed contributions under a logistic model.
 */
import { describe, expect, it } from 'vitest';
import { calibrationTable, columnMeans, liftByDecile } from '../../src/analysis/scoring/evaluation.js';
import type { FeatureFrame } from '../../src/analysis/scoring/features.js';
import { explainRow, type FittedScorer } from '../../src/analysis/scoring/train-model.js';

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
    // Training rows (3 columns): means 0.5, 1, 10. The columns taken as they are (mean 0, sd 1).
    const means = columnMeans(Float64Array.from([0, 0, 5, 1, 2, 15]), 3);
    expect([...means]).toEqual([0.5, 1, 10]);
    const scorer: FittedScorer = {
      kind: 'logistic regression',
      encoder: {
        numeric: ['a', 'b', 'c'].map((name) => ({ name, mean: 0, sd: 1 })),
        categorical: [],
        columns: ['a', 'b', 'c'],
      },
      coefficients: [-1, 2, -0.5, 0.1],
      boosting: null,
      means: [...means],
    };
    const lead: FeatureFrame = {
      rows: 1,
      numeric: new Map([
        ['a', Float64Array.of(1)],
        ['b', Float64Array.of(1)],
        ['c', Float64Array.of(30)],
      ]),
      categorical: new Map(),
    };
    const explained = explainRow(scorer, lead, 0);
    // a: 2 × 0.5 = 1; b: −0.5 × 0 = 0; c: 0.1 × 20 = 2. Baseline: −1 + 2 × 0.5 − 0.5 × 1 + 0.1 × 10 = 0.5.
    expect(explained.contributions).toEqual([
      { feature: 'c', value: 30, contribution: 2 },
      { feature: 'a', value: 1, contribution: 1 },
      { feature: 'b', value: 1, contribution: 0 },
    ]);
    expect(explained.baseline).toBeCloseTo(0.5, 12);
    expect(explained.logOdds).toBeCloseTo(3.5, 12);
    // The model's own log-odds for the lead: −1 + 2 − 0.5 + 3.
    expect(explained.logOdds).toBeCloseTo(-1 + 2 - 0.5 + 3, 12);
  });
});
