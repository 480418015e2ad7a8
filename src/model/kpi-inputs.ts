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

/** Revenue of events (their `revenue` property) per person (after merges) and calendar month (UTC). */
export interface PersonRevenue {
  personKey: string;
  month: string;
  revenue: number;
}

/** What the store keeps for the report: spend, deals and their stage history, who each deal belongs to. */
/** A deal's person (docs/metrics.md, "Journey") and the first utm_campaign of any of the person's events. */
export interface DealPerson {
  dealId: string;
  personKey: string;
  firstCampaign: string | null;
}

export interface SpendAndDeals extends DealRecords {
  spend: SpendRow[];
  /**
   * Deal → person (the journey's match order), and the campaign (utm_campaign) of the person's first event that
   * named one; deals linked to nobody are absent.
   */
  dealPeople: DealPerson[];
  personRevenue: PersonRevenue[];
}

/** The report's inputs: the store's, and the visitors counted over the column cache. */
export interface KpiInputs extends SpendAndDeals {
  visitors: MonthlyVisitors[];
}
