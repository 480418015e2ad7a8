/**
 * The pipeline forecast (docs/forecasting.md) on hand-made deals: ten past proposals (six won 10 days after
 * entering the stage, four lost after 5), and two open ones. The one 3 days into proposal compares with all ten
 * (won 6 in 10, 7 more days to wait); the one 6 days in compares only with the six still open at 6 days, all won
 * (4 more days). The Monte Carlo agrees with those chances; the weighted pipeline is amount × 6/10 for both.
 */
import { describe, expect, it } from 'vitest';
import { backtestPipeline, forecastPipeline } from '../../src/analysis/forecast/pipeline-forecast.js';
import { dealHistories } from '../../src/analysis/pipeline/run-pipeline.js';
import type { DealRecord, DealRecords } from '../../src/model/deals.js';

const day = 86_400_000;
const t0 = Date.UTC(2026, 0, 1);
const deal = (id: string, status: DealRecord['status'], amount: number): DealRecord => ({
  dealId: id,
  owner: null,
  pipeline: null,
  stage: null,
  amount,
  currency: 'USD',
  createdAt: new Date(t0),
  closedAt: null,
  status,
  lostReason: null,
  sourceChannel: null,
  properties: {},
});

function records(): DealRecords {
  const deals: DealRecord[] = [];
  const stageChanges: DealRecords['stageChanges'] = [];
  for (let i = 0; i < 10; i += 1) {
    const won = i < 6;
    const entered = t0 + i * day;
    deals.push(deal(`past-${i}`, won ? 'won' : 'lost', 500));
    stageChanges.push({ dealId: `past-${i}`, stage: 'proposal', enteredAt: new Date(entered) });
    stageChanges.push({
      dealId: `past-${i}`,
      stage: won ? 'won' : 'lost',
      enteredAt: new Date(entered + (won ? 10 : 5) * day),
    });
  }
  const asOf = t0 + 40 * day;
  deals.push(deal('young', 'open', 1000), deal('older', 'open', 2000));
  stageChanges.push({ dealId: 'young', stage: 'proposal', enteredAt: new Date(asOf - 3 * day) });
  stageChanges.push({ dealId: 'older', stage: 'proposal', enteredAt: new Date(asOf - 6 * day) });
  return { deals, stageChanges };
}

describe('pipeline forecast', () => {
  it('wins each open deal at the rate of comparable stays, after their waits', () => {
    const r = records();
    const asOfMs = t0 + 40 * day; // 2026-02-10: both waits land in February
    const forecast = forecastPipeline(r.deals, dealHistories(r), {
      asOfMs,
      months: 2,
      simulations: 20_000,
      seed: 3,
      amountOf: (d) => d.amount ?? 0,
    });
    expect(forecast.openDeals).toBe(2);
    expect(forecast.withoutHistory).toBe(0);
    // Weighted: (1000 + 2000) × 6/10.
    expect(forecast.weightedPipeline).toBeCloseTo(1800, 9);
    // The older deal always wins (2000); the young one 60% of the time (1000): 3000 or 2000.
    const [february, march] = forecast.months;
    expect(february?.month).toBe('2026-02');
    expect(february?.p10).toBe(2000);
    expect(february?.p90).toBe(3000);
    expect(february?.mean).toBeGreaterThan(2000 + 1000 * 0.58);
    expect(february?.mean).toBeLessThan(2000 + 1000 * 0.62);
    expect(march?.p90).toBe(0);
  });

  it('replays the history month by month', () => {
    const r = records();
    const result = backtestPipeline(r.deals, dealHistories(r), {
      asOfMs: t0 + 40 * day,
      months: 1,
      simulations: 2000,
      seed: 1,
      amountOf: (d) => d.amount ?? 0,
      origins: 1,
    });
    // As of 2026-01-01 nothing had closed yet: no comparable history, every open deal counted as not won; the actual
    // is what the deals open then (the first proposal) won in January.
    expect(result.origins.map((o) => [o.asOf, o.month, o.p50, o.actual])).toEqual([['2026-01-01', '2026-01', 0, 500]]);
  });
});
