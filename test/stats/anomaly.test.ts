/**
 * Anomaly detection on daily series (src/stats/anomaly.ts, docs/monitoring.md): a hand-checked band on a clean
 * weekly pattern; on simulated business series (weekday seasonality, growth, overdispersed noise) over 200 seeds,
 * planted drops and spikes are found (recall ≥ 0.9) while 90 days of normal data raise at most one false alert on
 * average; small days are not judged. Planted changes: counts halve or rise 1.7× (about 150–300 a day); a step's
 * conversion (8% of about 1,500–2,100 a day) halves or rises 1.8×.
 */
import { describe, expect, it } from 'vitest';
import { cacAnomalies, countAnomalies, defaultAnomalyOptions, rateAnomalies } from '../../src/stats/anomaly.js';
import { mulberry32, standardNormal } from '../../src/stats/random.js';

const weekdaysOf = (days: number) => Array.from({ length: days }, (_, d) => d % 7);
const warmUp = 56;
const judged = 90;

/** A daily count: weekdays 1.4× weekends, 0.3% growth a day, 8% day-to-day wobble on top of Poisson-like noise. */
function countSeries(seed: number, base: number, planted: Map<number, number> = new Map()): number[] {
  const uniform = mulberry32(seed);
  return Array.from({ length: warmUp + judged }, (_, d) => {
    const weekday = d % 7;
    let mu = base * (weekday === 0 || weekday === 6 ? 1 : 1.4) * (1 + 0.003 * d);
    mu *= Math.exp(0.08 * standardNormal(uniform) - 0.0032);
    mu *= planted.get(d) ?? 1;
    return Math.max(0, Math.round(mu + Math.sqrt(mu) * standardNormal(uniform)));
  });
}

/** Days to plant on: four judged days, at least three apart, each a drop to half or a spike of 1.7×. */
function plantings(seed: number): Map<number, number> {
  const uniform = mulberry32(seed * 7919);
  const days = new Map<number, number>();
  while (days.size < 4) {
    const d = warmUp + Math.floor(uniform() * judged);
    if ([...days.keys()].every((k) => Math.abs(k - d) >= 3)) days.set(d, uniform() < 0.5 ? 0.5 : 1.7);
  }
  return days;
}

describe('count anomalies', () => {
  it('band: expected × weekday factor ± 3.5 √(φ · expected), φ at least 1', () => {
    // Eight weeks of exactly 100 on weekdays (1–5) and 50 at the weekend (0, 6): no noise, so φ = 1.
    const values = Array.from({ length: 56 }, (_, d) => (d % 7 === 0 || d % 7 === 6 ? 50 : 100));
    const judgements = countAnomalies([...values, 50, 66, 64, 100], weekdaysOf(60));
    // Weekday factors: 100 / median of all (100) = 1, weekend 50 / 100 = 0.5; level 100.
    // Day 56 is weekday 0 (weekend): 50 ± 3.5 √50.
    expect(judgements[56]).toMatchObject({ expected: 50, anomaly: null, z: 0 });
    expect(judgements[56]?.lower).toBeCloseTo(50 - 3.5 * Math.sqrt(50), 12);
    // Day 57: 100 ± 35; 66 is −3.4 sd, inside; day 58: 64 is −3.6 sd, low.
    expect(judgements[57]).toMatchObject({ expected: 100, lower: 65, upper: 135, anomaly: null });
    expect(judgements[57]?.z).toBeCloseTo(-3.4, 12);
    expect(judgements[58]).toMatchObject({ expected: 100, anomaly: 'low' });
    expect(judgements[58]?.z).toBeCloseTo(-3.6, 12);
    // The flagged day is left out of the next baseline, which stays 100.
    expect(judgements[59]).toMatchObject({ expected: 100, anomaly: null, z: 0 });
    expect(judgements.slice(0, 56).every((j) => j.notJudged === 'warm-up')).toBe(true);
  });

  it('finds planted drops and spikes (recall ≥ 0.9), at most one false alert per 90 days, over 200 seeds', () => {
    let found = 0;
    let planted = 0;
    let falseOnNormal = 0;
    let falseOnPlanted = 0;
    for (let seed = 1; seed <= 200; seed += 1) {
      const weekdays = weekdaysOf(warmUp + judged);
      const normal = countAnomalies(countSeries(seed, 150), weekdays);
      falseOnNormal += normal.filter((j, d) => d >= warmUp && j.anomaly !== null).length;
      const days = plantings(seed);
      const withAnomalies = countAnomalies(countSeries(seed, 150, days), weekdays);
      withAnomalies.forEach((j, d) => {
        const factor = days.get(d);
        if (factor !== undefined) {
          planted += 1;
          if (j.anomaly === (factor < 1 ? 'low' : 'high')) found += 1;
        } else if (d >= warmUp && j.anomaly !== null) falseOnPlanted += 1;
      });
    }
    const recall = found / planted;
    expect(recall).toBeGreaterThanOrEqual(0.9);
    expect(falseOnNormal / 200).toBeLessThanOrEqual(1);
    expect(falseOnPlanted / 200).toBeLessThanOrEqual(1);
    console.info(
      `counts: recall ${(recall * 100).toFixed(1)}%, false alerts per 90 normal days ${(falseOnNormal / 200).toFixed(3)}, beside planted ones ${(falseOnPlanted / 200).toFixed(3)}`,
    );
  });

  it('does not judge small days', () => {
    const values = countSeries(3, 2);
    const judgements = countAnomalies(values, weekdaysOf(values.length));
    expect(judgements.every((j) => j.anomaly === null)).toBe(true);
    expect(judgements.slice(56).every((j) => j.notJudged === 'low volume')).toBe(true);
  });
});

describe('rate anomalies', () => {
  /** Daily trials (weekdays 1.4×) and conversions at 8% with a 5% wobble of the rate; planted days change it. */
  function rateSeries(seed: number, planted: Map<number, number> = new Map()) {
    const uniform = mulberry32(seed);
    const trials: number[] = [];
    const conversions: number[] = [];
    for (let d = 0; d < warmUp + judged; d += 1) {
      const weekday = d % 7;
      const n = Math.round(1500 * (weekday === 0 || weekday === 6 ? 1 : 1.4) * Math.exp(0.1 * standardNormal(uniform)));
      const p = Math.min(0.99, 0.08 * Math.exp(0.05 * standardNormal(uniform)) * (planted.get(d) ?? 1));
      trials.push(n);
      conversions.push(
        Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * standardNormal(uniform)))),
      );
    }
    return { trials, conversions };
  }

  it('band: the pooled rate of the last 28 days ± 3.5 binomial standard deviations (φ ≥ 1)', () => {
    const trials = Array.from({ length: 60 }, () => 1000);
    const conversions = [...Array.from({ length: 56 }, () => 100), 100, 133, 66, 0];
    const judgements = rateAnomalies(conversions, trials);
    // p = 0.1; sd of the conversions = √(1000 × 0.1 × 0.9) = 9.487; band 100 ± 33.2 → rate 0.0668 … 0.1332.
    expect(judgements[56]?.expected).toBeCloseTo(0.1, 12);
    expect(judgements[56]?.lower).toBeCloseTo((100 - 3.5 * Math.sqrt(90)) / 1000, 12);
    expect(judgements[57]).toMatchObject({ anomaly: null }); // +3.48 sd
    expect(judgements[58]).toMatchObject({ anomaly: 'low' }); // −3.58 sd
    expect(judgements[59]).toMatchObject({ anomaly: 'low' });
  });

  it('finds planted halvings and rises (recall ≥ 0.9), at most one false alert per 90 days, over 200 seeds', () => {
    let found = 0;
    let planted = 0;
    let falseOnNormal = 0;
    for (let seed = 1; seed <= 200; seed += 1) {
      const normal = rateSeries(seed);
      falseOnNormal += rateAnomalies(normal.conversions, normal.trials).filter(
        (j, d) => d >= warmUp && j.anomaly !== null,
      ).length;
      const days = new Map([...plantings(seed)].map(([d, f]) => [d, f < 1 ? 0.5 : 1.8]));
      const series = rateSeries(seed, days);
      rateAnomalies(series.conversions, series.trials).forEach((j, d) => {
        const factor = days.get(d);
        if (factor === undefined) return;
        planted += 1;
        if (j.anomaly === (factor < 1 ? 'low' : 'high')) found += 1;
      });
    }
    expect(found / planted).toBeGreaterThanOrEqual(0.9);
    expect(falseOnNormal / 200).toBeLessThanOrEqual(1);
    console.info(
      `rates: recall ${((found / planted) * 100).toFixed(1)}%, false alerts per 90 normal days ${(falseOnNormal / 200).toFixed(3)}`,
    );
  });

  it('does not judge a day with few trials', () => {
    const trials = [...Array.from({ length: 56 }, () => 1000), 20];
    const conversions = [...Array.from({ length: 56 }, () => 100), 20];
    expect(rateAnomalies(conversions, trials, defaultAnomalyOptions)[56]?.notJudged).toBe('low volume');
  });
});

describe('CAC anomalies', () => {
  /** Daily spend (6,000–8,400, 10% wobble) buying 2 customers per 100 (120–170 a day); planted days halve them or add 80%. */
  function cacSeries(seed: number, planted: Map<number, number> = new Map()) {
    const uniform = mulberry32(seed);
    const spend: number[] = [];
    const customers: number[] = [];
    for (let d = 0; d < warmUp + judged; d += 1) {
      const s = 6000 * (d % 7 === 0 || d % 7 === 6 ? 1 : 1.4) * Math.exp(0.1 * standardNormal(uniform));
      const mu = s * 0.02 * Math.exp(0.05 * standardNormal(uniform)) * (planted.get(d) ?? 1);
      spend.push(Math.round(s * 100) / 100);
      customers.push(Math.max(0, Math.round(mu + Math.sqrt(mu) * standardNormal(uniform))));
    }
    return { spend, customers };
  }

  it('a day that buys half the customers for its spend is a high CAC; the band is given as CAC', () => {
    const spend = Array.from({ length: 57 }, () => 1000);
    const customers = [...Array.from({ length: 56 }, () => 50), 20];
    const j = cacAnomalies(spend, customers)[56];
    // Expected 50 customers for 1,000 (CAC 20); band 50 ± 3.5 √50 customers → CAC 1000/74.7 … 1000/25.3.
    expect(j?.expected).toBeCloseTo(20, 12);
    expect(j?.lower).toBeCloseTo(1000 / (50 + 3.5 * Math.sqrt(50)), 9);
    expect(j?.upper).toBeCloseTo(1000 / (50 - 3.5 * Math.sqrt(50)), 9);
    expect(j).toMatchObject({ value: 50, anomaly: 'high' });
    expect(j?.z).toBeCloseTo(30 / Math.sqrt(50), 12);
  });

  it('finds planted CAC doublings and halvings (recall ≥ 0.9), at most one false alert per 90 days, over 200 seeds', () => {
    let found = 0;
    let planted = 0;
    let falseOnNormal = 0;
    for (let seed = 1; seed <= 200; seed += 1) {
      const normal = cacSeries(seed);
      falseOnNormal += cacAnomalies(normal.spend, normal.customers).filter(
        (j, d) => d >= warmUp && j.anomaly !== null,
      ).length;
      const days = new Map([...plantings(seed)].map(([d, f]) => [d, f < 1 ? 0.5 : 1.8]));
      const series = cacSeries(seed, days);
      cacAnomalies(series.spend, series.customers).forEach((j, d) => {
        const factor = days.get(d);
        if (factor === undefined) return;
        planted += 1;
        // Fewer customers for the spend: a higher CAC.
        if (j.anomaly === (factor < 1 ? 'high' : 'low')) found += 1;
      });
    }
    expect(found / planted).toBeGreaterThanOrEqual(0.9);
    expect(falseOnNormal / 200).toBeLessThanOrEqual(1);
    console.info(
      `CAC: recall ${((found / planted) * 100).toFixed(1)}%, false alerts per 90 normal days ${(falseOnNormal / 200).toFixed(3)}`,
    );
  });

  it('does not judge days with few expected customers', () => {
    const spend = Array.from({ length: 60 }, () => 100);
    const customers = Array.from({ length: 60 }, (_, d) => (d % 3 === 0 ? 4 : 1));
    expect(
      cacAnomalies(spend, customers)
        .slice(56)
        .every((j) => j.notJudged === 'low volume'),
    ).toBe(true);
  });
});
