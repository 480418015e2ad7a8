/**
 * ETS models (src/stats/ets.ts) on the two public monthly series of ../shared/datasets, the last 12 months held
 * out: the model chosen by AICc beats the seasonal naive forecast on MASE, and its MAPE is at most 10% (relative)
 * above that of the reference, Debian's statsmodels 0.13.5 ETSModel over the same models chosen by AICc
 * (`/usr/bin/python3 scripts/forecast_reference.py`, whose figures are below). And the recursions on series whose
 * forecasts are known exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidateSpecs, fitEts, forecastEts, selectEts } from '../../src/stats/ets.js';
import { sharedDatasets } from '../helpers/cli.js';

// scripts/forecast_reference.py: statsmodels' AICc choice, its MAPE (%) on the held-out year, and the MASE of the
// seasonal naive forecast (scaled by the in-sample seasonal naive error).
const reference = {
  'air-passengers': {
    file: 'air-passengers/example_air_passengers.csv',
    model: 'M,A,M',
    mape: 4.125573482817841,
    seasonalNaiveMase: 1.57088122605364,
  },
  'us-retail-sales-monthly': {
    file: 'us-retail-sales-monthly/example_retail_sales.csv',
    model: 'M,A,M',
    mape: 1.032794775510508,
    seasonalNaiveMase: 0.7707096283096494,
  },
};

const series = (file: string) =>
  readFileSync(join(sharedDatasets, file), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',')[1]));

describe('ETS chosen by AICc against the held-out year', () => {
  for (const [name, ref] of Object.entries(reference)) {
    it(name, () => {
      const y = series(ref.file);
      const train = y.slice(0, -12);
      const test = y.slice(-12);
      const [best] = selectEts(train, 12);
      if (!best) throw new Error('no model fitted');
      const forecast = forecastEts(best, 12);
      const mape = (test.reduce((s, v, i) => s + Math.abs((v - (forecast[i] as number)) / v), 0) / 12) * 100;
      let scale = 0;
      for (let i = 12; i < train.length; i += 1) scale += Math.abs((train[i] as number) - (train[i - 12] as number));
      scale /= train.length - 12;
      const mase = test.reduce((s, v, i) => s + Math.abs(v - (forecast[i] as number)), 0) / 12 / scale;
      const naive =
        test.reduce((s, v, i) => s + Math.abs(v - (train[train.length - 12 + i] as number)), 0) / 12 / scale;
      expect(naive).toBeCloseTo(ref.seasonalNaiveMase, 10);
      expect(mase).toBeLessThan(naive);
      expect(mape).toBeLessThanOrEqual(ref.mape * 1.1);
      expect(best.name).toBe(`ETS(${ref.model})`);
    }, 30_000);
  }
});

describe('ETS recursions', () => {
  it('forecast a constant series as itself, and a straight line along it', () => {
    const flat = new Array(40).fill(5);
    const simple = fitEts(
      flat.map((v, i) => v + (i % 2 === 0 ? 0.001 : -0.001)),
      { error: 'A', trend: 'N', season: 'N', period: 1 },
    );
    for (const f of forecastEts(simple ?? (null as never), 3)) expect(f).toBeCloseTo(5, 2);
    const line = Array.from({ length: 40 }, (_, i) => 10 + 2 * i + (i % 2 === 0 ? 0.01 : -0.01));
    const holt = fitEts(line, { error: 'A', trend: 'A', season: 'N', period: 1 });
    const next = forecastEts(holt ?? (null as never), 3);
    for (const [i, f] of next.entries()) expect(f).toBeCloseTo(10 + 2 * (40 + i), 0);
  });

  it('try only the models the data allows', () => {
    const names = (y: number[], m: number) => candidateSpecs(y, m).map((s) => `${s.error}${s.trend}${s.season}`);
    // Zero or negative values: no multiplicative error or season; too short for seasons: none.
    expect(
      names([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26], 12),
    ).toEqual(['ANN', 'ANA', 'AAN', 'AAA', 'AAdN', 'AAdA']);
    expect(names([1, 2, 3, 4, 5], 12)).toEqual(['ANN', 'AAN', 'AAdN', 'MNN', 'MAN', 'MAdN']);
  });
});
