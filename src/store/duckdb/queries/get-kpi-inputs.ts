import type { KpiInputs, MonthlyVisitors, SpendRow } from '../../../model/kpi-inputs.js';
import type { DuckDBDatabase } from '../duckdb-database.js';
import { getDealRecords } from './get-deal-records.js';

/** Spend rows, deals with their stage history, and monthly visitors by first-touch channel and campaign. */
export async function getKpiInputs(db: DuckDBDatabase, project: string): Promise<KpiInputs> {
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
  // Each person's first page view of each month: its channel and campaign are the month's touch.
  const visitors = await db.rows<{ month: string; channel: string | null; campaign: string | null; visitors: bigint }>(
    `SELECT month, channel, campaign, count(*) AS visitors FROM (
       SELECT coalesce(m.person_id, e.distinct_id) AS person, strftime(e.ts, '%Y-%m') AS month,
              arg_min(e.channel, e.ts) AS channel, arg_min(e.utm_campaign, e.ts) AS campaign
       FROM events e LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
       WHERE e.project_id = $project AND e.type = 'page'
       GROUP BY 1, 2)
     GROUP BY ALL ORDER BY ALL`,
    { project },
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
    visitors: visitors.map(
      (v): MonthlyVisitors => ({
        month: v.month,
        channel: v.channel,
        campaign: v.campaign,
        visitors: Number(v.visitors),
      }),
    ),
  };
}
