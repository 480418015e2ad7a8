/** Deals and their stage history as the store hands them to the pipeline analysis (one project). */

export interface DealRecord {
  dealId: string;
  owner: string | null;
  pipeline: string | null;
  /** The deal's current stage as the CRM export said. */
  stage: string | null;
  amount: number | null;
  currency: string | null;
  createdAt: Date | null;
  closedAt: Date | null;
  status: 'open' | 'won' | 'lost';
  lostReason: string | null;
  sourceChannel: string | null;
  /** Columns of the deals file that match no field. */
  properties: Record<string, unknown>;
}

export interface StageChange {
  dealId: string;
  stage: string;
  enteredAt: Date;
}

export interface DealRecords {
  deals: DealRecord[];
  stageChanges: StageChange[];
}
