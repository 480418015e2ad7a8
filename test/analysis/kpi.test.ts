/**
 * Unit economics on a hand-made January: every expected figure is worked out by hand in the comments from
 * docs/metrics.md, including the edge cases (no spend, no customers, spend without leads, a lead without a
 * channel, a refund, two currencies).
 */
import { describe, expect, it } from 'vitest';
import { runKpi } from '../../src/analysis/kpi/run-kpi.js';
import type { KpiInputs } from '../../src/model/kpi-inputs.js';
import { deal } from '../helpers/deals.js';

const at = (date: string) => new Date(`${date}T12:00:00Z`);

const spend = (date: string, channel: string, campaign: string, cost: number, currency = 'USD') => ({
  date: at(date),
  channel,
  source: 's',
  campaign,
  cost,
  currency,
});

const inputs: KpiInputs = {
  spend: [
    spend('2026-01-05', 'Paid Search', 'camp-a', 1000),
    spend('2026-01-20', 'Paid Search', 'camp-b', 500),
    spend('2026-01-10', 'Display', 'camp-c', 300), // spend, no leads
    spend('2025-12-31', 'Paid Search', 'camp-a', 999), // before the period
    spend('2026-01-15', 'Paid Social', 'camp-d', 200, 'EUR'), // × 1.1 = 220 USD
  ],
  visitors: [
    { month: '2026-01', channel: 'Paid Search', campaign: 'camp-a', visitors: 100 },
    { month: '2026-01', channel: 'Organic Search', campaign: null, visitors: 50 },
    { month: '2026-01', channel: 'Paid Social', campaign: 'camp-d', visitors: 40 },
    { month: '2025-12', channel: 'Paid Search', campaign: 'camp-a', visitors: 999 },
  ],
  deals: [
    deal('L1', {
      sourceChannel: 'Paid Search',
      createdAt: at('2026-01-02'),
      status: 'won',
      closedAt: at('2026-01-20'),
      amount: 2000,
      properties: { campaign: 'camp-a' },
    }),
    deal('L2', { sourceChannel: 'Paid Search', createdAt: at('2026-01-03'), status: 'lost' }),
    deal('L3', { sourceChannel: 'Paid Search', createdAt: at('2026-01-04') }),
    deal('L4', {
      sourceChannel: 'Organic Search',
      createdAt: at('2026-01-06'),
      status: 'won',
      closedAt: at('2026-01-25'),
      amount: 1000,
    }),
    // A lead of December won in January: a January customer, not a January lead.
    deal('L5', {
      sourceChannel: 'Paid Search',
      createdAt: at('2025-12-20'),
      status: 'won',
      closedAt: at('2026-01-10'),
      amount: 500,
    }),
    // No channel (no linked person).
    deal('L6', { createdAt: at('2026-01-07'), status: 'won', closedAt: at('2026-01-08'), amount: 300 }),
    // A refund booked as a negative amount, in euros: −100 × 1.1 = −110 USD.
    deal('L7', {
      sourceChannel: 'Paid Social',
      createdAt: at('2026-01-08'),
      status: 'won',
      closedAt: at('2026-01-30'),
      amount: -100,
      currency: 'EUR',
    }),
    deal('L8', { sourceChannel: 'Paid Social', createdAt: at('2026-01-09') }),
  ],
  stageChanges: [],
  dealPeople: [
    { dealId: 'L1', personKey: 'alice', firstCampaign: 'camp-z' }, // its own property (camp-a) wins
    { dealId: 'L4', personKey: 'bob', firstCampaign: null },
    { dealId: 'L5', personKey: 'dave', firstCampaign: 'camp-b' },
    { dealId: 'L7', personKey: 'carol', firstCampaign: 'camp-d' },
  ],
  personRevenue: [
    { personKey: 'alice', month: '2025-12', revenue: 70 }, // before she became a customer: not hers as one
    { personKey: 'alice', month: '2026-01', revenue: 100 },
    { personKey: 'alice', month: '2026-02', revenue: 50 },
    { personKey: 'zed', month: '2026-01', revenue: 999 }, // not a customer
  ],
};

const spec = {
  project: 'p',
  from: '2026-01-01',
  to: '2026-01-31',
  by: 'channel' as const,
  currency: 'USD',
  rates: { EUR: 1.1 },
  grossMargin: 0.5,
  minCount: 1,
};
const report = runKpi(inputs, spec);
const row = (key: string) => report.rows.find((r) => r.key === key);

describe('unit economics of a hand-made January', () => {
  it('counts spend, visitors, leads, customers and revenue per channel, in one currency', () => {
    // Spend desc, then leads, then name: (none) sorts before Organic Search.
    expect(report.rows.map((r) => [r.key, r.spend, r.visitors, r.leads, r.customers, r.revenue])).toEqual([
      ['Paid Search', 1500, 100, 3, 2, 2500],
      ['Display', 300, 0, 0, 0, 0],
      ['Paid Social', 220.00000000000003, 40, 2, 1, -110.00000000000001],
      ['(none)', 0, 0, 1, 1, 300],
      ['Organic Search', 0, 50, 1, 1, 1000],
    ]);
    expect(report.currency).toBe('USD');
  });

  it('computes the ratios, and says why one is missing', () => {
    const search = row('Paid Search');
    expect(search?.visitorToLead.rate).toBe(3 / 100);
    // Of the January leads L1 L2 L3, L1 was won.
    expect(search?.leadToCustomer.rate).toBe(1 / 3);
    expect(search?.costPerLead.value).toBe(500);
    expect(search?.cac.value).toBe(750);
    expect(search?.revenuePerCustomer.value).toBe(1250);
    expect(search?.roi.value).toBeCloseTo(2 / 3, 12);
    expect(search?.roas.value).toBeCloseTo(5 / 3, 12);
    // One-time revenue: LTV = 1250 × 0.5; LTV:CAC = 625 ÷ 750.
    expect(search?.ltv).toEqual({ value: 625, note: 'historical: one-time revenue × margin' });
    expect(search?.ltvToCac.value).toBeCloseTo(625 / 750, 12);
    expect(search?.paybackMonths).toEqual({
      value: null,
      note: 'one-time revenue: nothing recurs to pay the CAC back',
    });

    const display = row('Display');
    expect(display?.costPerLead).toEqual({ value: null, note: 'spend but no leads' });
    expect(display?.cac).toEqual({ value: null, note: 'spend but no new customers' });
    expect(display?.roi.value).toBe(-1);
    expect(display?.roas.value).toBe(0);

    const organic = row('Organic Search');
    expect([organic?.costPerLead.value, organic?.cac.value]).toEqual([0, 0]);
    expect(organic?.roi).toEqual({ value: null, note: 'no spend' });

    const social = row('Paid Social');
    expect(social?.roas.value).toBeCloseTo(-0.5, 12);
    expect(social?.costPerLead.value).toBeCloseTo(110, 9);

    // More leads than visitors: no proportion, no interval.
    expect(row('(none)')?.visitorToLead).toMatchObject({ numerator: 1, denominator: 0, rate: null, interval: null });
  });

  it('totals, paid-only CAC, cost per stage and benchmarks', () => {
    const t = report.total;
    // Spend 1500 + 300 + 220 = 2020; customers L1 L5 L4 L6 L7 = 5; revenue 2500 + 1000 + 300 − 110 = 3690.
    expect([t.leads, t.customers, t.visitors]).toEqual([7, 5, 190]);
    expect(t.spend).toBeCloseTo(2020, 9);
    expect(t.revenue).toBeCloseTo(3690, 9);
    expect(t.cac.value).toBeCloseTo(404, 9);
    // Customers from channels with spend (Paid Search L1 L5, Paid Social L7): 2020 ÷ 3.
    expect(t.paidCac.value).toBeCloseTo(2020 / 3, 9);
    // No stage histories: only "won", reached by the January leads L1 L4 L6 L7: 2020 ÷ 4.
    expect(t.costPerStage.map((s) => [s.stage, s.deals])).toEqual([['won', 4]]);
    expect(t.costPerStage[0]?.cost.value).toBeCloseTo(505, 9);
    // 7 of 190 = 3.68%, Wilson 1.80%–7.41% (scipy): holds both 2.35% and 5.31%.
    expect(t.visitorToLead.interval?.lower).toBeCloseTo(0.017958892, 8);
    expect(report.benchmarks.map((b) => [b.name, b.verdict])).toEqual([
      ['landing pages: average', 'not distinguishable'],
      ['landing pages: top quartile', 'not distinguishable'],
    ]);
    const lowBar = runKpi(inputs, { ...spec, benchmarks: [{ name: 'low', value: 0.01 }] });
    expect(lowBar.benchmarks[0]?.verdict).toBe('above');
    // No visitors at all, and more leads (7) than visitors (5): said so, not judged.
    expect(runKpi({ ...inputs, visitors: [] }, spec).benchmarks[0]?.verdict).toBe('no visitors');
    const few = { ...inputs, visitors: [{ month: '2026-01', channel: 'Paid Search', campaign: null, visitors: 5 }] };
    expect(runKpi(few, spec).benchmarks[0]?.verdict).toBe('more leads than visitors: no proportion to compare');
  });

  it('LTV by the formula and CAC payback for recurring revenue', () => {
    const monthly = runKpi(inputs, { ...spec, revenuePeriod: 'month', monthlyChurn: 0.05 });
    const search = monthly.rows.find((r) => r.key === 'Paid Search');
    // 1250 a month × 0.5 ÷ 0.05 = 12,500; payback 750 ÷ (1250 × 0.5) = 1.2 months.
    expect(search?.ltv.value).toBeCloseTo(12_500, 9);
    expect(search?.paybackMonths.value).toBeCloseTo(1.2, 12);
    const yearly = runKpi(inputs, { ...spec, revenuePeriod: 'year', monthlyChurn: 0.05 });
    // 1250 a year = 104.17 a month: payback 750 ÷ 52.08 = 14.4 months.
    expect(yearly.rows.find((r) => r.key === 'Paid Search')?.paybackMonths.value).toBeCloseTo(14.4, 9);
    const noChurn = runKpi(inputs, { ...spec, revenuePeriod: 'month' });
    expect(noChurn.rows.find((r) => r.key === 'Paid Search')?.ltv).toEqual({
      value: null,
      note: 'recurring revenue needs --monthly-churn',
    });
  });

  it('historical LTV by acquisition cohort: cumulative revenue per customer', () => {
    const twoMonths = runKpi(inputs, { ...spec, to: '2026-02-28' });
    // January cohort: alice (L1 2000, events 100 in Jan and 50 in Feb), dave (L5 500), bob (L4 1000), carol
    // (L7 −110), the unlinked L6 (300): 5 customers. January 3,790, February 50: per customer 758, then 768.
    expect(twoMonths.ltvCohorts).toEqual([
      { cohort: '2026-01', customers: 5, cumulativeRevenuePerCustomer: [758, 768] },
    ]);
  });

  it('refuses mixed currencies without rates, naming them', () => {
    expect(() => runKpi(inputs, { ...spec, rates: {} })).toThrow('amounts in EUR need a rate to USD');
    const { currency: _, rates: __, ...bare } = spec;
    expect(() => runKpi(inputs, bare)).toThrow('amounts are in EUR, USD');
  });

  it('groups by month and by campaign', () => {
    const months = runKpi(inputs, { ...spec, by: 'month' });
    expect(months.rows.map((r) => [r.key, r.leads, r.customers])).toEqual([['2026-01', 7, 5]]);
    const campaigns = runKpi(inputs, { ...spec, by: 'campaign' });
    // L1 by its own property; L5 (a December lead won in January) and L7 by their persons' first campaigns.
    expect(campaigns.rows.find((r) => r.key === 'camp-a')).toMatchObject({
      spend: 1000,
      visitors: 100,
      leads: 1,
      customers: 1,
    });
    expect(campaigns.rows.find((r) => r.key === 'camp-b')).toMatchObject({
      spend: 500,
      leads: 0,
      customers: 1,
      revenue: 500,
    });
    expect(campaigns.rows.find((r) => r.key === 'camp-d')).toMatchObject({ leads: 1, customers: 1 });
  });
});
