import type { SpendAndDeals, SpendRow } from '../../../model/kpi-inputs.js';
import type { DuckDBDatabase } from '../duckdb-database.js';
import { getDealRecords } from './get-deal-records.js';

/** Spend rows, and deals with their stage history. */
export async function getSpendAndDeals(db: DuckDBDatabase, project: string): Promise<SpendAndDeals> {
  const spend = await db.rows<{
    date: Date;
    channel: string;
    source: string;
    campaign: string;
    cost: number;
    currency: string | null;
  }>(
    `SELECT date::TIMESTAMP AS date, channel, source, campaign, cost, currency FROM spend WHERE project_id = $project`,
    {
      project,
    },
  );
  return {
    ...(await getDealRecords(db, project)),
    spend: spend.map(
      (s): SpendRow => ({
        date: s.date,
        channel: s.channel,
        source: s.source,
        campaign: s.campaign,
        cost: s.cost,
        currency: s.currency,
      }),
    ),
  };
}
