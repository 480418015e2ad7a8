import type { SpendAndDeals, SpendRow } from '../../../model/kpi-inputs.js';
import type { DuckDBDatabase } from '../duckdb-database.js';
import { createDealPeople } from './create-deal-people.js';
import { getDealRecords } from './get-deal-records.js';

/** Spend rows, deals with their stage history and their people, and event revenue per person and month. */
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
  await createDealPeople(db, project);
  // The first campaign each linked person came from (only persons with a deal are looked up).
  const dealPeople = await db.rows<{ deal_id: string; person_key: string; first_campaign: string | null }>(
    `WITH ids AS (
       -- Every distinct id of the persons with a deal: the events scan below keeps only theirs.
       SELECT dp.person_key, coalesce(m.distinct_id, dp.person_key) AS distinct_id
       FROM deal_people dp LEFT JOIN person_map m ON m.project_id = $project AND m.person_id = dp.person_key),
     campaigns AS (
       SELECT i.person_key, arg_min(e.utm_campaign, e.ts) AS first_campaign
       FROM events e JOIN ids i ON i.distinct_id = e.distinct_id
       WHERE e.project_id = $project AND e.utm_campaign IS NOT NULL AND e.utm_campaign <> ''
       GROUP BY 1)
     SELECT dp.deal_id, dp.person_key, c.first_campaign
     FROM deal_people dp LEFT JOIN campaigns c USING (person_key) ORDER BY dp.deal_id`,
    { project },
  );
  const personRevenue = await db.rows<{ person_key: string; month: string; revenue: number }>(
    `SELECT coalesce(m.person_id, e.distinct_id) AS person_key, strftime(e.ts, '%Y-%m') AS month,
            sum(e.revenue) AS revenue
     FROM events e LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
     WHERE e.project_id = $project AND e.revenue IS NOT NULL
     GROUP BY 1, 2 ORDER BY 1, 2`,
    { project },
  );
  return {
    ...(await getDealRecords(db, project)),
    dealPeople: dealPeople.map((d) => ({
      dealId: d.deal_id,
      personKey: d.person_key,
      firstCampaign: d.first_campaign,
    })),
    personRevenue: personRevenue.map((r) => ({ personKey: r.person_key, month: r.month, revenue: r.revenue })),
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
