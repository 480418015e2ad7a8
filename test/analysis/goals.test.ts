/**
 * Goals (src/analysis/goals/goals.ts, docs/goals.md): calendar periods, pacing of sums, and the status rule for
 * sums, binomial rates and other ratios, each checked by hand.
 */
import { describe, expect, it } from 'vitest';
import { type GoalDefinition, judgeGoal, periodBounds } from '../../src/analysis/goals/goals.js';

const at = (day: string) => Date.parse(`${day}T15:30:00Z`);
const goal = (over: Partial<GoalDefinition>): GoalDefinition => ({
  name: 'Leads',
  metric: 'leads',
  target: 600,
  direction: 'at_least',
  period: 'month',
  channel: null,
  team: 'marketing',
  funnel: null,
  ...over,
});

describe('periods', () => {
  it('weeks from Monday, months, quarters from January; days elapsed include the as-of day', () => {
    // 2026-11-19 is a Thursday.
    expect(periodBounds('week', at('2026-11-19'))).toEqual({
      start: '2026-11-16',
      end: '2026-11-22',
      asOf: '2026-11-19',
      elapsedDays: 4,
      totalDays: 7,
    });
    expect(periodBounds('month', at('2026-11-19'))).toMatchObject({
      start: '2026-11-01',
      end: '2026-11-30',
      elapsedDays: 19,
      totalDays: 30,
    });
    expect(periodBounds('quarter', at('2026-11-19'))).toMatchObject({
      start: '2026-10-01',
      end: '2026-12-31',
      elapsedDays: 50,
      totalDays: 92,
    });
    expect(periodBounds('month', at('2028-02-29'))).toMatchObject({ elapsedDays: 29, totalDays: 29 });
  });
});

describe('status', () => {
  const november20 = periodBounds('month', at('2026-11-20')); // 20 of 30 days

  it('sums pace to the end of the period: on track at the target, at risk from 90% of it', () => {
    const onTrack = judgeGoal(goal({}), { value: 412 }, november20);
    expect(onTrack).toMatchObject({ status: 'on-track', projected: 618 });
    expect(onTrack.summary).toBe(
      'Leads (month of 2026-11-01): 412 of 600 after 20 of 30 days, on pace for 618 (at least 600)',
    );
    expect(judgeGoal(goal({}), { value: 380 }, november20)).toMatchObject({ status: 'at-risk', projected: 570 });
    expect(judgeGoal(goal({}), { value: 350 }, november20)).toMatchObject({ status: 'off-track', projected: 525 });
    // At most: spend of 7,000 after 20 days paces to 10,500 against a cap of 10,000: within 110%, at risk.
    const spend = goal({ metric: 'spend', target: 10_000, direction: 'at_most' });
    expect(judgeGoal(spend, { value: 7_000 }, november20)).toMatchObject({ status: 'at-risk', projected: 10_500 });
    expect(judgeGoal(spend, { value: 6_000 }, november20).status).toBe('on-track');
    expect(judgeGoal(spend, { value: 8_000 }, november20).status).toBe('off-track');
  });

  it('rates are off track only when the whole 95% interval misses the target', () => {
    const rate = goal({ name: 'MQL → SQL', metric: 'funnel_step', target: 0.3 });
    expect(judgeGoal(rate, { value: 0.31, interval: { lower: 0.26, upper: 0.36 } }, november20).status).toBe(
      'on-track',
    );
    expect(judgeGoal(rate, { value: 0.27, interval: { lower: 0.22, upper: 0.32 } }, november20).status).toBe('at-risk');
    const off = judgeGoal(
      rate,
      { value: 0.2, interval: { lower: 0.15, upper: 0.26 }, numerator: 40, denominator: 200 },
      november20,
    );
    expect(off.status).toBe('off-track');
    expect(off.summary).toBe(
      'MQL → SQL (month of 2026-11-01): 20.0% (40 of 200; 95% 15.0%–26.0%), goal at least 30.0%',
    );
  });

  it('other ratios: on track when met, at risk within 10%, off track beyond; no value is "no data"', () => {
    const cac = goal({ name: 'CAC', metric: 'cac', target: 400, direction: 'at_most' });
    expect(judgeGoal(cac, { value: 380 }, november20).status).toBe('on-track');
    expect(judgeGoal(cac, { value: 440 }, november20).status).toBe('at-risk');
    expect(judgeGoal(cac, { value: 441 }, november20).status).toBe('off-track');
    expect(judgeGoal(cac, { value: null }, november20)).toMatchObject({
      status: 'no data',
      summary: 'CAC (month of 2026-11-01): no data yet',
    });
  });
});
