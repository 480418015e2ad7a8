import type { DuckDBDatabase } from '../duckdb-database.js';

/**
 * The temp table `deal_people(deal_id, person_key, matched_by)`: the person each deal of $project belongs to, by
 * the first of these that finds one (docs/metrics.md, "Journey"):
 *   1. user_id: the deal's user id is a distinct id of the project's events (its person, after merges);
 *   2. email: the deal's e-mail equals a person's latest `email` trait (case and surrounding spaces ignored;
 *      several persons with one address: the smallest person key);
 *   3. account: the deal's account key is a group key events named; the person who named it first;
 *   4. crm: the deal's user id, unknown to the events, stands for a person the CRM alone knows.
 * Deals none of these link stay out of funnels (they still count in the pipeline and KPIs). Each later rule runs
 * only while deals that could use it are left (the e-mail rule reads every identify call).
 *
 * Also leaves the temp table `deal_id_touch(distinct_id, first_campaign, first_campaign_at)`: for the deals' user
 * ids and every distinct id of their persons (`deal_id_scanned`), the ids that have events and each one's first
 * non-empty utm_campaign. The user_id rule reads it, and the KPI inputs take first campaigns from it, so one scan
 * of the events serves both (`addDealIdTouches` scans for further ids).
 */
export async function createDealPeople(db: DuckDBDatabase, project: string): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE deal_people (deal_id VARCHAR, person_key VARCHAR, matched_by VARCHAR)`);
  await db.run(
    `CREATE OR REPLACE TEMP TABLE deal_keys AS
     SELECT deal_id, NULLIF(trim(user_id), '') AS user_id, lower(NULLIF(trim(email), '')) AS email,
            NULLIF(trim(account_key), '') AS account_key
     FROM deals WHERE project_id = $project`,
    { project },
  );
  try {
    const left = async (field: string) =>
      Number(
        await db.value<bigint>(
          `SELECT count(*) FROM deal_keys WHERE ${field} IS NOT NULL
             AND deal_id NOT IN (SELECT deal_id FROM deal_people)`,
        ),
      );
    await db.run(`CREATE OR REPLACE TEMP TABLE deal_id_scanned (distinct_id VARCHAR)`);
    await db.run(
      `CREATE OR REPLACE TEMP TABLE deal_id_touch
         (distinct_id VARCHAR, first_campaign VARCHAR, first_campaign_at TIMESTAMP)`,
    );
    if ((await left('user_id')) > 0) {
      await addDealIdTouches(
        db,
        project,
        `SELECT user_id FROM deal_keys WHERE user_id IS NOT NULL
         UNION
         SELECT o.distinct_id FROM deal_keys k
         JOIN person_map m ON m.project_id = $project AND m.distinct_id = k.user_id
         JOIN person_map o ON o.project_id = $project AND o.person_id = m.person_id`,
      );
      await db.run(
        `INSERT INTO deal_people
         SELECT d.deal_id, coalesce(m.person_id, d.user_id), 'user_id'
         FROM deal_keys d
         JOIN deal_id_touch known ON known.distinct_id = d.user_id
         LEFT JOIN person_map m ON m.project_id = $project AND m.distinct_id = d.user_id`,
        { project },
      );
    }
    if ((await left('email')) > 0) {
      await db.run(
        `INSERT INTO deal_people
         WITH emails AS (
           SELECT person_key, lower(trim(arg_max(email, ts))) AS email FROM (
             SELECT coalesce(m.person_id, e.distinct_id) AS person_key, e.ts, (e.properties->>'$.email') AS email
             FROM events e LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
             WHERE e.project_id = $project AND e.type = 'identify')
           WHERE email IS NOT NULL GROUP BY person_key)
         SELECT d.deal_id, min(x.person_key), 'email' FROM deal_keys d JOIN emails x ON x.email = d.email
         WHERE d.deal_id NOT IN (SELECT deal_id FROM deal_people) GROUP BY d.deal_id`,
        { project },
      );
    }
    if ((await left('account_key')) > 0) {
      await db.run(
        `INSERT INTO deal_people
         WITH accounts AS (
           SELECT key, arg_min(person_key, ts) AS person_key FROM (
             SELECT coalesce(m.person_id, e.distinct_id) AS person_key, e.ts,
                    unnest(map_values(json_transform(e.groups, '"MAP(VARCHAR, VARCHAR)"'))) AS key
             FROM events e LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
             WHERE e.project_id = $project AND e.groups IS NOT NULL)
           GROUP BY key)
         SELECT d.deal_id, a.person_key, 'account' FROM deal_keys d JOIN accounts a ON a.key = d.account_key
         WHERE d.deal_id NOT IN (SELECT deal_id FROM deal_people)`,
        { project },
      );
    }
    await db.run(
      `INSERT INTO deal_people
       SELECT deal_id, user_id, 'crm' FROM deal_keys
       WHERE user_id IS NOT NULL AND deal_id NOT IN (SELECT deal_id FROM deal_people)`,
    );
  } finally {
    await db.run('DROP TABLE IF EXISTS deal_keys');
  }
}

/**
 * Adds to `deal_id_touch` the distinct ids of `idsSql` (a query of one column, $project bound) not scanned yet
 * that have events in the project, with their first non-empty utm_campaign: one scan of the events.
 */
export async function addDealIdTouches(db: DuckDBDatabase, project: string, idsSql: string): Promise<void> {
  await db.run(
    `CREATE OR REPLACE TEMP TABLE deal_id_new AS
     SELECT DISTINCT * FROM (${idsSql}) ids(distinct_id)
     WHERE distinct_id NOT IN (SELECT distinct_id FROM deal_id_scanned)`,
    { project },
  );
  try {
    await db.run(
      `INSERT INTO deal_id_touch
       SELECT e.distinct_id, arg_min(e.utm_campaign, e.ts) FILTER (WHERE e.utm_campaign <> ''),
              min(e.ts) FILTER (WHERE e.utm_campaign <> '')
       FROM events e JOIN deal_id_new n ON n.distinct_id = e.distinct_id WHERE e.project_id = $project
       GROUP BY e.distinct_id`,
      { project },
    );
    await db.run(`INSERT INTO deal_id_scanned SELECT distinct_id FROM deal_id_new`);
  } finally {
    await db.run('DROP TABLE IF EXISTS deal_id_new');
  }
}
