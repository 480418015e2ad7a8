import type { DealRecord } from '../../model/deals.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { KpiInputs } from '../../model/kpi-inputs.js';
import { utcDayMs } from '../calendar.js';
import { dealHistories, stageReach, wonAt } from '../pipeline/run-pipeline.js';
import { rate } from '../rate.js';
import type { Figure, KpiReport, KpiRow } from './report.js';

export type KpiDimension = 'channel' | 'campaign' | 'month' | 'channel-month' | 'total';

export interface KpiSpec {
  project: string;
  /** First and last day of the period (YYYY-MM-DD, UTC, inclusive). */
  from: string;
  to: string;
  by: KpiDimension;
  /** The report's currency; default: the only one the data uses. */
  currency?: string;
  /** 1 unit of each other currency in the report's currency. */
  rates?: Readonly<Record<string, number>>;
  grossMargin?: number;
  monthlyChurn?: number | null;
  /** What a won deal's amount is: a one-time payment, a monthly or a yearly recurring revenue. */
  revenuePeriod?: 'once' | 'month' | 'year';
  minCount?: number;
  benchmarks?: readonly { name: string; value: number }[];
}

/** Landing-page conversion reference figures shipped as the default benchmarks (visitor → lead). */
export const defaultBenchmarks = [
  { name: 'landing pages: average', value: 0.0235 },
  { name: 'landing pages: top quartile', value: 0.0531 },
] as const;

const definitions = {
  spend: 'docs/metrics.md#spend',
  visitors: 'docs/metrics.md#visitors-and-leads',
  leads: 'docs/metrics.md#visitors-and-leads',
  customers: 'docs/metrics.md#customers-and-revenue',
  revenue: 'docs/metrics.md#customers-and-revenue',
  visitorToLead: 'docs/metrics.md#conversion',
  leadToCustomer: 'docs/metrics.md#conversion',
  costPerLead: 'docs/metrics.md#cost-per-lead-and-per-stage',
  costPerStage: 'docs/metrics.md#cost-per-lead-and-per-stage',
  cac: 'docs/metrics.md#cac',
  paidCac: 'docs/metrics.md#cac',
  revenuePerCustomer: 'docs/metrics.md#customers-and-revenue',
  roi: 'docs/metrics.md#roi-and-roas',
  roas: 'docs/metrics.md#roi-and-roas',
  ltv: 'docs/metrics.md#ltv',
  ltvToCac: 'docs/metrics.md#ltv',
  ltvCohorts: 'docs/metrics.md#ltv',
  paybackMonths: 'docs/metrics.md#cac-payback',
  benchmarks: 'docs/metrics.md#benchmarks',
};

const figure = (value: number | null, note: string | null = null): Figure => ({ value, note });

function ratio(numerator: number, denominator: number, whenZero: string): Figure {
  return denominator === 0 ? figure(null, whenZero) : figure(numerator / denominator);
}

const monthOf = (d: Date) => d.toISOString().slice(0, 7);

/** One currency for every amount: the spec's, else the only one used; others through the rates, or refused. */
export function currencyConverter(
  inputs: Pick<KpiInputs, 'spend' | 'deals'>,
  spec: Pick<KpiSpec, 'currency' | 'rates'>,
): { currency: string | null; convert: (amount: number, currency: string | null) => number } {
  const used = new Set<string>();
  for (const s of inputs.spend) if (s.currency) used.add(s.currency);
  for (const d of inputs.deals) if (d.currency && d.amount !== null) used.add(d.currency);
  const currency = spec.currency ?? (used.size === 1 ? ([...used][0] as string) : null);
  const rates = spec.rates ?? {};
  const others = [...used].filter((c) => c !== currency);
  if (used.size > 1 && currency === null) {
    throw new FunnelscopeError(
      'invalid_input',
      `amounts are in ${[...used].sort().join(', ')}: choose the report's --currency and give --rates for the others`,
      { field: '--currency' },
    );
  }
  const missing = others.filter((c) => rates[c] === undefined).sort();
  if (missing.length > 0) {
    throw new FunnelscopeError(
      'invalid_input',
      `amounts in ${missing.join(', ')} need a rate to ${currency}: add them to --rates (currency,rate)`,
      { field: '--rates', currencies: missing },
    );
  }
  return {
    currency,
    convert: (amount, from) => (from === null || from === currency ? amount : amount * (rates[from] as number)),
  };
}

interface Tally {
  spend: number;
  visitors: number;
  leads: DealRecord[];
  customers: number;
  revenue: number;
}

/**
 * Unit economics over a period (docs/metrics.md): spend, visitors, leads, customers, revenue and the ratios
 * built on them, in total and by channel, campaign, month or channel × month. Pure.
 */
export function runKpi(inputs: KpiInputs, spec: KpiSpec): KpiReport {
  const fromMs = utcDayMs(spec.from, '--from');
  const toMs = utcDayMs(spec.to, '--to') + 86_400_000;
  if (toMs <= fromMs) {
    throw new FunnelscopeError('invalid_argument', `--to (${spec.to}) is before --from (${spec.from})`, {
      field: '--to',
    });
  }
  const inPeriod = (d: Date | null) => d !== null && d.getTime() >= fromMs && d.getTime() < toMs;
  const fromMonth = spec.from.slice(0, 7);
  const toMonth = spec.to.slice(0, 7);
  const minCount = spec.minCount ?? 10;
  const grossMargin = spec.grossMargin ?? 1;
  const monthlyChurn = spec.monthlyChurn ?? null;
  const revenuePeriod = spec.revenuePeriod ?? 'once';
  const { currency, convert } = currencyConverter(inputs, spec);
  const histories = dealHistories(inputs);
  const { stages, furthest } = stageReach(inputs, histories);

  // A deal's campaign: its own property, else the first campaign its person came from.
  const firstCampaign = new Map(inputs.dealPeople.map((d) => [d.dealId, d.firstCampaign]));
  const campaignOf = (d: DealRecord) => {
    const c = d.properties.utm_campaign ?? d.properties.campaign ?? firstCampaign.get(d.dealId);
    return c === undefined || c === null || c === '' ? '(none)' : String(c);
  };
  const keyOf = (channel: string | null, campaign: string | null, month: string): string => {
    const ch = channel ?? '(none)';
    if (spec.by === 'channel') return ch;
    if (spec.by === 'campaign') return campaign ?? '(none)';
    if (spec.by === 'month') return month;
    if (spec.by === 'channel-month') return `${ch} · ${month}`;
    return 'total';
  };
  const groups = new Map<string, Tally>();
  const total: Tally = { spend: 0, visitors: 0, leads: [], customers: 0, revenue: 0 };
  const tally = (key: string) => {
    let t = groups.get(key);
    if (!t) {
      t = { spend: 0, visitors: 0, leads: [], customers: 0, revenue: 0 };
      groups.set(key, t);
    }
    return t;
  };
  const paidChannels = new Set<string>();

  for (const s of inputs.spend) {
    if (!inPeriod(s.date)) continue;
    const cost = convert(s.cost, s.currency);
    tally(keyOf(s.channel, s.campaign, monthOf(s.date))).spend += cost;
    total.spend += cost;
    if (cost > 0) paidChannels.add(s.channel);
  }
  for (const v of inputs.visitors) {
    if (v.month < fromMonth || v.month > toMonth) continue;
    tally(keyOf(v.channel, v.campaign, v.month)).visitors += v.visitors;
    total.visitors += v.visitors;
  }
  let paidCustomers = 0;
  for (const d of inputs.deals) {
    if (inPeriod(d.createdAt)) {
      tally(keyOf(d.sourceChannel, campaignOf(d), monthOf(d.createdAt as Date))).leads.push(d);
      total.leads.push(d);
    }
    const won = d.status === 'won' ? wonAt(d, histories.get(d.dealId)) : null;
    if (won && inPeriod(won)) {
      const amount = d.amount === null ? 0 : convert(d.amount, d.currency);
      const t = tally(keyOf(d.sourceChannel, campaignOf(d), monthOf(won)));
      t.customers += 1;
      t.revenue += amount;
      total.customers += 1;
      total.revenue += amount;
      if (d.sourceChannel !== null && paidChannels.has(d.sourceChannel)) paidCustomers += 1;
    }
  }

  const row = (key: string, t: Tally): KpiRow => {
    const revenuePerCustomer = ratio(t.revenue, t.customers, 'no new customers');
    const cac =
      t.customers > 0
        ? figure(t.spend / t.customers)
        : figure(null, t.spend > 0 ? 'spend but no new customers' : 'no new customers');
    const monthlyRevenue =
      revenuePerCustomer.value === null || revenuePeriod === 'once'
        ? null
        : revenuePeriod === 'month'
          ? revenuePerCustomer.value
          : revenuePerCustomer.value / 12;
    let ltv: Figure;
    if (revenuePerCustomer.value === null) ltv = figure(null, 'no new customers');
    else if (revenuePeriod === 'once')
      ltv = figure(revenuePerCustomer.value * grossMargin, 'historical: one-time revenue × margin');
    else if (monthlyChurn === null || monthlyChurn <= 0) ltv = figure(null, 'recurring revenue needs --monthly-churn');
    else ltv = figure(((monthlyRevenue as number) * grossMargin) / monthlyChurn, 'monthly revenue × margin ÷ churn');
    const won = t.leads.filter((d) => d.status === 'won').length;
    return {
      key,
      spend: t.spend,
      visitors: t.visitors,
      leads: t.leads.length,
      customers: t.customers,
      revenue: t.revenue,
      // More leads than visitors (leads the site did not bring) is no proportion: no interval then.
      visitorToLead:
        t.leads.length > t.visitors
          ? { ...rate(t.leads.length, t.visitors, minCount), interval: null, enoughData: false }
          : rate(t.leads.length, t.visitors, minCount),
      leadToCustomer: rate(won, t.leads.length, minCount),
      costPerLead:
        t.leads.length > 0
          ? figure(t.spend / t.leads.length)
          : figure(null, t.spend > 0 ? 'spend but no leads' : 'no leads'),
      cac,
      revenuePerCustomer,
      roi: t.spend > 0 ? figure((t.revenue - t.spend) / t.spend) : figure(null, 'no spend'),
      roas: t.spend > 0 ? figure(t.revenue / t.spend) : figure(null, 'no spend'),
      ltv,
      ltvToCac:
        ltv.value !== null && cac.value !== null && cac.value > 0
          ? figure(ltv.value / cac.value)
          : figure(null, ltv.value === null ? 'no LTV' : 'no CAC'),
      paybackMonths:
        revenuePeriod === 'once'
          ? figure(null, 'one-time revenue: nothing recurs to pay the CAC back')
          : cac.value !== null && monthlyRevenue !== null && monthlyRevenue * grossMargin > 0
            ? figure(cac.value / (monthlyRevenue * grossMargin))
            : figure(null, cac.value === null ? 'no CAC' : 'no monthly margin'),
      costPerStage: [...stages, 'won'].map((stage, k) => {
        const deals = t.leads.filter((d) => (furthest.get(d.dealId) ?? -1) >= k).length;
        return { stage, deals, cost: ratio(t.spend, deals, 'no deal reached it') };
      }),
    };
  };

  const totalRow = row('total', total);
  const rows = spec.by === 'total' ? [] : [...groups.entries()].map(([key, t]) => row(key, t));
  rows.sort((a, b) =>
    spec.by === 'month' || spec.by === 'channel-month'
      ? a.key.localeCompare(b.key)
      : b.spend - a.spend || b.leads - a.leads || a.key.localeCompare(b.key),
  );
  const ltvCohorts = cohortRevenue(inputs, histories, convert, fromMonth, toMonth);
  const benchmarks = (spec.benchmarks ?? defaultBenchmarks).map(({ name, value }) => {
    const r = totalRow.visitorToLead;
    const verdict =
      r.denominator === 0
        ? 'no visitors'
        : r.interval === null
          ? 'more leads than visitors: no proportion to compare'
          : r.interval.lower > value
            ? 'above'
            : r.interval.upper < value
              ? 'below'
              : 'not distinguishable';
    return { name, value, yours: r.rate, verdict };
  });
  return {
    report: 'kpi',
    project: spec.project,
    from: spec.from,
    to: spec.to,
    by: spec.by,
    currency,
    assumptions: { grossMargin, monthlyChurn, revenuePeriod },
    total: { ...totalRow, paidCac: ratio(total.spend, paidCustomers, 'no new customers from paid channels') },
    rows,
    ltvCohorts,
    benchmarks,
    minCount,
    funnel: null,
    definitions,
  };
}

const monthIndex = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;

/**
 * Cumulative revenue per customer by acquisition cohort. A customer is a person with a won deal (or, unlinked, the
 * deal itself); it is acquired in the month of its first win. Its revenue: the amounts of its won deals in the
 * months they were won, and the revenue of its events from the acquisition month on.
 */
function cohortRevenue(
  inputs: KpiInputs,
  histories: ReturnType<typeof dealHistories>,
  convert: (amount: number, currency: string | null) => number,
  fromMonth: string,
  toMonth: string,
): KpiReport['ltvCohorts'] {
  const personOf = new Map(inputs.dealPeople.map((d) => [d.dealId, d.personKey]));
  const customers = new Map<string, { acquired: number; byMonth: Map<number, number> }>();
  for (const d of inputs.deals) {
    if (d.status !== 'won') continue;
    const won = wonAt(d, histories.get(d.dealId));
    if (!won) continue;
    const key = personOf.get(d.dealId) ?? `deal:${d.dealId}`;
    const month = monthIndex(monthOf(won));
    const customer = customers.get(key) ?? { acquired: month, byMonth: new Map<number, number>() };
    customer.acquired = Math.min(customer.acquired, month);
    const amount = d.amount === null ? 0 : convert(d.amount, d.currency);
    customer.byMonth.set(month, (customer.byMonth.get(month) ?? 0) + amount);
    customers.set(key, customer);
  }
  for (const r of inputs.personRevenue) {
    const customer = customers.get(r.personKey);
    if (!customer) continue;
    const month = monthIndex(r.month);
    customer.byMonth.set(month, (customer.byMonth.get(month) ?? 0) + r.revenue);
  }
  const first = monthIndex(fromMonth);
  const last = monthIndex(toMonth);
  const cohorts = new Map<number, { customers: number; revenue: number[] }>();
  for (const c of customers.values()) {
    if (c.acquired < first || c.acquired > last) continue;
    const cohort = cohorts.get(c.acquired) ?? {
      customers: 0,
      revenue: new Array<number>(last - c.acquired + 1).fill(0),
    };
    cohort.customers += 1;
    for (const [month, amount] of c.byMonth) {
      const k = month - c.acquired;
      if (k >= 0 && k < cohort.revenue.length) cohort.revenue[k] = (cohort.revenue[k] as number) + amount;
    }
    cohorts.set(c.acquired, cohort);
  }
  return [...cohorts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([month, c]) => {
      let sum = 0;
      return {
        cohort: `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`,
        customers: c.customers,
        cumulativeRevenuePerCustomer: c.revenue.map((r) => {
          sum += r;
          return sum / c.customers;
        }),
      };
    });
}
