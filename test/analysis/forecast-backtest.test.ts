/**
 * Forecast accuracy and baselines (docs/forecasting.md): MAPE, sMAPE and MASE by hand on a small case; the
 * seasonal naive and drift baselines; and a rolling-origin backtest on the air passengers series (6 origins, 12
 * months ahead) where the ETS chosen by AICc beats both baselines and the interval coverage is reported.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accuracy, backtest, drift, maseScale, seasonalNaive } from '../../src/analysis/forecast/backtest.js';
import { sharedDatasets } from '../helpers/cli.js';

describe('accuracy and baselines', () => {
  it('score a forecast by hand', () => {
    // Actual 100, 200; forecast 110, 150: APE 10%, 25% → MAPE 17.5%; sMAPE (20/210 + 100/350) / 2; MASE with scale 20.
    const a = accuracy([100, 200], [110, 150], 20);
    expect(a.mape).toBeCloseTo(17.5, 12);
    expect(a.smape).toBeCloseTo(((20 / 210 + 100 / 350) / 2) * 100, 12);
    expect(a.mase).toBeCloseTo(30 / 20, 12);
    // Scale: mean |y_t − y_{t−2}| = (|3 − 1| + |5 − 2| + |4 − 3|) / 3 = 2.
    expect(maseScale([1, 2, 3, 5, 4], 2)).toBe(2);
  });

  it('repeat the last season, or draw the line from the first to the last value', () => {
    expect(seasonalNaive([1, 2, 3, 4, 5, 6], 3, 4)).toEqual([4, 5, 6, 4]);
    expect(seasonalNaive([7, 9], 12, 2)).toEqual([9, 9]);
    expect(drift([10, 12, 14, 16], 2)).toEqual([18, 20]);
  });
});

describe('rolling-origin backtest', () => {
  it('on air passengers the chosen ETS beats seasonal naive and drift on MASE', () => {
    const y = readFileSync(join(sharedDatasets, 'air-passengers/example_air_passengers.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',')[1]));
    const result = backtest(y, 12, 12, 6);
    const mase = Object.fromEntries(result.models.map((m) => [m.model, m.accuracy.mase ?? Number.NaN]));
    expect(mase.chosen).toBeLessThan(mase['seasonal naive'] as number);
    expect(mase.chosen).toBeLessThan(mase.drift as number);
    for (const c of result.coverage) {
      expect(c.share).toBeGreaterThan(0.5);
      expect(c.share).toBeLessThanOrEqual(1);
    }
  }, 60_000);
});
