import type { DealPerson, SpendAndDeals, SpendRow } from '../../../model/kpi-inputs.js';
import type { DuckDBDatabase } from '../duckdb-database.js';
import { addDealIdTouches, createDealPeople } from './create-deal-people.js';
import { getDealRecords } from './get-deal-records.js';

/** Spend rows, deals with their stage history, `dealPeople`, and event revenue per person and month. */
export async function getSpendAndDeals(
  db: DuckDBDatabase,
  project: string,
  dealPeople: DealPerson[],
): Promise<SpendAndDeals> {
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
    dealPeople,
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

/** The person of every linked deal (create-deal-people.ts) and the person's first campaign, by deal id. */
export async function getDealPeople(db: DuckDBDatabase, project: string): Promise<DealPerson[]> {
  await createDealPeople(db, project);
  // The first campaign each linked person came from, over every distinct id of the person: ids the deal people
  // rules did not scan already (persons found by e-mail or account) are scanned now.
  const personIds = `SELECT dp.person_key, coalesce(m.distinct_id, dp.person_key) AS distinct_id
     FROM deal_people dp LEFT JOIN person_map m ON m.project_id = $project AND m.person_id = dp.person_key`;
  await addDealIdTouches(db, project, `SELECT distinct_id FROM (${personIds})`);
  const rows = await db.rows<{ deal_id: string; person_key: string; first_campaign: string | null }>(
    `WITH campaigns AS (
       SELECT i.person_key, arg_min(t.first_campaign, t.first_campaign_at) AS first_campaign
       FROM (${personIds}) i JOIN deal_id_touch t USING (distinct_id)
       GROUP BY 1)
     SELECT dp.deal_id, dp.person_key, c.first_campaign
     FROM deal_people dp LEFT JOIN campaigns c USING (person_key) ORDER BY dp.deal_id`,
    { project },
  );
  return rows.map((d) => ({ dealId: d.deal_id, personKey: d.person_key, firstCampaign: d.first_campaign }));
}
