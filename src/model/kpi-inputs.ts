import type { DealRecords } from './deals.js';

/** What the unit-economics report reads from a store (one project). */
export interface SpendRow {
  date: Date;
  channel: string;
  source: string;
  campaign: string;
  cost: number;
  currency: string | null;
}

/** Persons whose first page view of a calendar month (UTC) came from this channel and campaign. */
export interface MonthlyVisitors {
  month: string;
  channel: string | null;
  campaign: string | null;
  visitors: number;
}

/** What the store keeps for the report: spend, deals and their stage history. */
export interface SpendAndDeals extends DealRecords {
  spend: SpendRow[];
}

/** The report's inputs: the store's, and the visitors counted over the column cache. */
export interface KpiInputs extends SpendAndDeals {
  visitors: MonthlyVisitors[];
}
