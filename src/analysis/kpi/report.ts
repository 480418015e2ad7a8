import type { FunnelReport } from '../funnel/report.js';
import type { Rate } from '../pipeline/report.js';

/** The unit-economics report (`funnelscope kpi`); every figure's definition is in docs/metrics.md. */

/** A figure that may be undefined for its inputs, with the reason then (e.g. "no new customers"). */
export interface Figure {
  value: number | null;
  note: string | null;
}

export interface KpiRow {
  /** The group: a channel, a campaign, a month (YYYY-MM), or "channel · month"; "total" for the whole. */
  key: string;
  spend: number;
  /** Persons with a page view, once per calendar month under that month's first page view's group, summed. */
  visitors: number;
  /** Deals created in the period. */
  leads: number;
  /** Deals won in the period (new customers). */
  customers: number;
  /** Won deal amounts in the period (refunds, as negative amounts, included). */
  revenue: number;
  /** Leads ÷ visitors. */
  visitorToLead: Rate;
  /** Of the leads created in the period, those won by now. */
  leadToCustomer: Rate;
  costPerLead: Figure;
  cac: Figure;
  /** Revenue ÷ customers. */
  revenuePerCustomer: Figure;
  roi: Figure;
  roas: Figure;
  ltv: Figure;
  ltvToCac: Figure;
  paybackMonths: Figure;
  /** Spend ÷ deals created in the period that reached each stage (open stages in pipeline order, then won). */
  costPerStage: { stage: string; deals: number; cost: Figure }[];
}

export interface KpiReport {
  report: 'kpi';
  project: string;
  from: string;
  to: string;
  by: string;
  currency: string | null;
  /** Inputs of the LTV formula, as given. */
  assumptions: { grossMargin: number; monthlyChurn: number | null; revenuePeriod: 'once' | 'month' | 'year' };
  total: KpiRow & {
    /** Spend ÷ customers of the channels that had spend. */
    paidCac: Figure;
  };
  rows: KpiRow[];
  /**
   * Historical LTV by acquisition cohort (the month of a customer's first win, within the period): customers, and
   * the cumulative revenue per customer at the end of each month since (month 0 = the cohort's month), up to --to.
   */
  ltvCohorts: { cohort: string; customers: number; cumulativeRevenuePerCustomer: number[] }[];
  /** Visitor → lead conversion against the user's reference figures (default: landing pages 2.35% / 5.31%). */
  benchmarks: { name: string; value: number; yours: number | null; verdict: string }[];
  minCount: number;
  /** Conversion per step of the funnel given with `--funnel` over the same period (the funnel command's report). */
  funnel: FunnelReport | null;
  definitions: Record<string, string>;
}
