/**
 * The pipeline figures on a hand-made set of seven deals; every expected value is worked out by hand in the
 * comments from docs/metrics.md.
 */
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/analysis/pipeline/run-pipeline.js';
import type { DealRecords } from '../../src/model/deals.js';
import { deal } from '../helpers/deals.js';

const day = (md: string) => new Date(`2026-${md}T00:00:00Z`);

const records: DealRecords = {
  deals: [
    deal('D1', { owner: 'A', status: 'won', amount: 1000, createdAt: day('01-01'), sourceChannel: 'Paid Search' }),
    deal('D2', { owner: 'A', status: 'lost', lostReason: 'Budget', createdAt: day('01-02') }),
    deal('D3', { owner: 'B', status: 'lost', lostReason: 'Timing', createdAt: day('01-03') }),
    deal('D4', { owner: 'B', amount: 500, createdAt: day('01-10') }),
    deal('D5', { stage: 'lead', createdAt: day('02-01') }),
    // Won with no stage history: its current stage stands for it.
    deal('D6', {
      owner: 'A',
      stage: 'won',
      status: 'won',
      amount: 3000,
      createdAt: day('01-15'),
      closedAt: day('01-25'),
    }),
    // A quirk: won before it was created.
    deal('D7', {
      owner: 'A',
      stage: 'won',
      status: 'won',
      amount: 2000,
      createdAt: day('02-10'),
      closedAt: day('02-05'),
    }),
  ],
  stageChanges: [
    { dealId: 'D1', stage: 'lead', enteredAt: day('01-01') },
    { dealId: 'D1', stage: 'qualified', enteredAt: day('01-05') },
    { dealId: 'D1', stage: 'won', enteredAt: day('01-11') },
    { dealId: 'D2', stage: 'lead', enteredAt: day('01-02') },
    { dealId: 'D2', stage: 'qualified', enteredAt: day('01-04') },
    { dealId: 'D2', stage: 'lost', enteredAt: day('01-10') },
    { dealId: 'D3', stage: 'lead', enteredAt: day('01-03') },
    { dealId: 'D3', stage: 'Closed Lost', enteredAt: day('01-13') },
    { dealId: 'D4', stage: 'qualified', enteredAt: day('01-20') },
    { dealId: 'D4', stage: 'lead', enteredAt: day('01-10') },
  ],
};

// "Now" is the end of 31 March.
const asOf = new Date('2026-03-31T23:59:59.999Z');
const report = runPipeline(records, { project: 'p', asOf, minCount: 1, by: 'owner' });

describe('pipeline on seven hand-made deals', () => {
  it('counts and win rates', () => {
    // won D1 D6 D7, lost D2 D3, open D4 D5.
    expect(report.summary).toMatchObject({ created: 7, won: 3, lost: 2, open: 2 });
    expect(report.summary.winRate.rate).toBe(3 / 5);
    expect(report.summary.winRateOfCreated.rate).toBe(3 / 7);
    // Wilson 95% for 3 of 5 (scipy binomtest(3, 5).proportion_ci('wilson')): 0.23072… – 0.88236…
    expect(report.summary.winRate.interval?.lower).toBeCloseTo(0.2307, 4);
    expect(report.summary.winRate.interval?.upper).toBeCloseTo(0.8824, 4);
  });

  it('deal size, sales cycle and velocity', () => {
    // Won amounts 1000, 3000, 2000 → sorted 1000 2000 3000: median 2000, mean 2000, p80 at position 1.6 → 2600.
    expect(report.summary.dealSize).toMatchObject({ count: 3, median: 2000, mean: 2000, p80: 2600 });
    expect(report.summary.currency).toBe('USD');
    // D1: created 1 Jan, entered won 11 Jan → 10 d; D6: 15 → 25 Jan → 10 d; D7 won before created: left out.
    expect(report.summary.salesCycleDays).toMatchObject({ count: 2, median: 10, mean: 10, p80: 10 });
    expect(report.dataQuirks).toEqual([
      { quirk: 'won before it was created', deals: 1, handling: 'counted as won; left out of the sales cycle' },
    ]);
    // 2 open × 0.6 × 2000 ÷ 10 d = 240 a day.
    expect(report.summary.velocityPerDay).toBeCloseTo(240, 10);
  });

  it('stage order, stage-to-stage conversion, time in stage, aging deals', () => {
    // lead is every history's first stage, qualified the second: derived order lead, qualified (then won).
    expect(report.stages).toEqual(['lead', 'qualified']);
    // Reached lead: all 7; qualified: D1 D2 D4 and the won D6 D7 = 5; won: D1 D6 D7 = 3.
    expect(report.stageConversion.map((c) => [c.from, c.to, c.conversion.numerator, c.conversion.denominator])).toEqual(
      [
        ['lead', 'qualified', 5, 7],
        ['qualified', 'won', 3, 5],
      ],
    );
    // Days in lead: D1 4, D2 2, D3 10, D4 10 → median 7, mean 6.5, p80 at 2.4 → 10. In qualified: D1 6, D2 6.
    const [lead, qualified] = report.timeInStage;
    expect(lead?.days).toMatchObject({ count: 4, median: 7, mean: 6.5, p80: 10 });
    // The box plot's five numbers: sorted 2 4 10 10; quartiles at positions 0.75 → 3.5 and 2.25 → 10.
    expect(lead?.days).toMatchObject({ min: 2, p25: 3.5, p75: 10, max: 10 });
    expect(qualified?.days).toMatchObject({ count: 2, median: 6, p80: 6 });
    expect([lead?.openDeals, qualified?.openDeals]).toEqual([1, 1]);
    // D5 in lead since 1 Feb: 59 d (less 1 ms) > 10; D4 in qualified since 20 Jan: 71 d > 6. Most overdue first.
    expect(report.aging.map((a) => [a.dealId, a.stage, Math.round(a.daysInStage), a.stageP80Days])).toEqual([
      ['D4', 'qualified', 71, 6],
      ['D5', 'lead', 59, 10],
    ]);
  });

  it('rolls the stages up into funnel stages', () => {
    // Default rules: lead → consideration (MOFU), qualified → intent (MOFU); won is action (BOFU).
    expect(report.stageMap).toEqual([
      { stage: 'lead', funnelStage: 'consideration', section: 'MOFU' },
      { stage: 'qualified', funnelStage: 'intent', section: 'MOFU' },
    ]);
    expect(
      report.funnelStageConversion.map((c) => [c.from, c.to, c.conversion.numerator, c.conversion.denominator]),
    ).toEqual([
      ['consideration', 'intent', 5, 7],
      ['intent', 'action', 3, 5],
    ]);
    // A user mapping overrides the rules.
    const mapped = runPipeline(records, { project: 'p', asOf, stageMap: { lead: 'interest' } });
    expect(mapped.stageMap[0]).toEqual({ stage: 'lead', funnelStage: 'interest', section: 'TOFU' });
  });

  it('lost reasons and the breakdown by owner', () => {
    expect(report.lostReasons).toEqual([
      { reason: 'Budget', deals: 1, share: 0.5 },
      { reason: 'Timing', deals: 1, share: 0.5 },
    ]);
    // A: D1 D2 D6 D7 (3 won, 1 lost); B: D3 D4 (1 lost, 1 open); none: D5.
    expect(report.by?.groups.map((g) => [g.key, g.created, g.won, g.lost, g.open, g.winRate.rate])).toEqual([
      ['A', 4, 3, 1, 0, 0.75],
      ['B', 2, 0, 1, 1, 0],
      ['(none)', 1, 0, 0, 1, null],
    ]);
  });

  it('says when there is too little data, and refuses to mix currencies', () => {
    const strict = runPipeline(records, { project: 'p', asOf, minCount: 10 });
    expect(strict.summary.winRate.enoughData).toBe(false);
    expect(strict.aging).toEqual([]); // no stage has 10 finished stays to judge by
    const mixed = runPipeline(
      { ...records, deals: records.deals.map((d) => (d.dealId === 'D6' ? { ...d, currency: 'EUR' } : d)) },
      { project: 'p', asOf },
    );
    expect(mixed.summary.dealSize).toBeNull();
    expect(mixed.summary.currencyProblem).toBe(
      'won deals are in EUR, USD: deal size and velocity need one currency (convert first)',
    );
    expect(mixed.summary.velocityPerDay).toBeNull();
  });

  it('takes a given stage order, and refuses a closing stage in it', () => {
    expect(runPipeline(records, { project: 'p', asOf, stages: ['qualified'] }).stages).toEqual(['qualified', 'lead']);
    expect(() => runPipeline(records, { project: 'p', asOf, stages: ['lead', 'Closed Won'] })).toThrow(/ends deals/);
  });
});
