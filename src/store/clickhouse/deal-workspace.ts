import type { DealRecords } from '../../model/deals.js';
import type { DealPerson, SpendAndDeals } from '../../model/kpi-inputs.js';
import type { PersonReport } from '../../model/person.js';
import { DuckDBStore } from '../duckdb/duckdb-store.js';
import { getDealRecords } from '../duckdb/queries/get-deal-records.js';
import { personDeals } from '../duckdb/queries/get-person.js';
import { getDealPeople, getSpendAndDeals } from '../duckdb/queries/get-spend-and-deals.js';
import { dealStageExpression } from '../duckdb/queries/load-event-columns.js';
import { stringLiteral } from '../sql/quote.js';
import type { ClickHouseShards } from './clickhouse-shards.js';
import { chString } from './clickhouse-sql.js';
import { loadIntoDuckDB } from './copy-from-duckdb.js';
import { seedDealTables } from './deal-tables.js';

/**
 * The deal side of a ClickHouse project, computed by the embedded store's own SQL (one definition of which person a
 * deal belongs to, of the pipeline and KPI inputs): a throw-away DuckDB store holds the project's deals, stage
 * changes, spend and person map, and the few facts about events those rules read, each pushed down to ClickHouse
 * as an aggregate (docs/clickhouse.md):
 *   - per distinct id the rules scan: that it has events, and its first non-empty utm_campaign and when;
 *   - per distinct id: its latest `email` trait from identify calls, and when;
 *   - per group key: the distinct id and time of the first event that named it;
 *   - every event with revenue (distinct id, time, revenue), in arrival order.
 * They stand in the scratch store's `events` table as one synthetic row each, which gives those rules exactly the
 * aggregates they would take over all events.
 */
export class DealWorkspace {
  private people: DealPerson[] | null = null;

  private constructor(
    readonly scratch: DuckDBStore,
    private readonly shards: ClickHouseShards,
    private readonly database: string,
    readonly project: string,
  ) {}

  static async build(shards: ClickHouseShards, database: string, project: string): Promise<DealWorkspace> {
    const scratch = await DuckDBStore.open({ path: ':memory:' });
    const workspace = new DealWorkspace(scratch, shards, database, project);
    try {
      await scratch.ensureProject(project);
      await seedDealTables(scratch.db, shards, database, project);
      await workspace.seed();
    } catch (error) {
      await workspace.close();
      throw error;
    }
    return workspace;
  }

  private get p(): string {
    return chString(this.project);
  }

  /** Loads ClickHouse JSON rows into a scratch table through a file (all columns as text). */
  private async seed(): Promise<void> {
    const db = this.scratch.db;
    const t = this.database;
    await loadIntoDuckDB(
      db,
      this.shards,
      `SELECT distinct_id, person_id FROM ${t}.person_map FINAL WHERE project_id = ${this.p}`,
      ['distinct_id', 'person_id'],
      (rows) => `INSERT INTO person_map SELECT ${stringLiteral(this.project)}, j.distinct_id, j.person_id FROM ${rows}`,
    );
    const synthetic = (type: string, extra: string) => (rows: string) =>
      `INSERT INTO events (project_id, message_id, ts, received_at, type, event, distinct_id, properties, groups,
                           utm_campaign, revenue)
       SELECT ${stringLiteral(this.project)}, '${type}:' || CAST(row_number() OVER () AS VARCHAR),
              make_timestamp(CAST(j.ts AS BIGINT)), make_timestamp(CAST(j.ts AS BIGINT)), ${extra}
       FROM ${rows}`;
    // Latest e-mail trait per distinct id.
    await loadIntoDuckDB(
      db,
      this.shards,
      `SELECT distinct_id, argMax(prop_values[indexOf(prop_keys, 'email')], (ts_us, seq)) AS email, max(ts_us) AS ts
       FROM ${t}.events WHERE project_id = ${this.p} AND type = 'identify' AND has(prop_keys, 'email')
       GROUP BY distinct_id`,
      ['distinct_id', 'email', 'ts'],
      synthetic('email', `'identify', '$identify', j.distinct_id, json_object('email', j.email), NULL, NULL, NULL`),
    );
    // The first event naming each group key.
    await loadIntoDuckDB(
      db,
      this.shards,
      `SELECT group_key, argMin(distinct_id, (ts_us, seq)) AS distinct_id, min(ts_us) AS ts
       FROM ${t}.events ARRAY JOIN group_keys AS group_key
       WHERE project_id = ${this.p} GROUP BY group_key`,
      ['group_key', 'distinct_id', 'ts'],
      synthetic('account', `'track', '$group', j.distinct_id, NULL, json_object('g', j.group_key), NULL, NULL`),
    );
    // Events with revenue, in arrival order.
    await loadIntoDuckDB(
      db,
      this.shards,
      `SELECT distinct_id, ts_us AS ts, revenue_text FROM ${t}.events
       WHERE project_id = ${this.p} AND revenue IS NOT NULL ORDER BY seq`,
      ['distinct_id', 'ts', 'revenue_text'],
      synthetic('revenue', `'track', '$revenue', j.distinct_id, NULL, NULL, NULL, CAST(j.revenue_text AS DOUBLE)`),
    );
    // Touches of the deals' user ids and every id of their persons.
    await this.touches(
      `SELECT user_id FROM deals WHERE project_id = $project AND NULLIF(trim(user_id), '') IS NOT NULL
       UNION
       SELECT o.distinct_id FROM deals d
       JOIN person_map m ON m.project_id = $project AND m.distinct_id = trim(d.user_id)
       JOIN person_map o ON o.project_id = $project AND o.person_id = m.person_id
       WHERE d.project_id = $project`,
    );
    // Then of every id of every person a deal links to (e-mail and account rules find persons of their own).
    const { createDealPeople } = await import('../duckdb/queries/create-deal-people.js');
    await createDealPeople(db, this.project);
    await this.touches(
      `SELECT coalesce(m.distinct_id, dp.person_key) FROM deal_people dp
       LEFT JOIN person_map m ON m.project_id = $project AND m.person_id = dp.person_key`,
    );
  }

  /** Touch rows (has events; first campaign) for the distinct ids of `idsSql` not fetched yet. */
  private async touches(idsSql: string): Promise<void> {
    const db = this.scratch.db;
    const ids = (
      await db.rows<{ id: string }>(
        `SELECT DISTINCT id FROM (${idsSql}) x(id)
         WHERE id NOT IN (SELECT distinct_id FROM events WHERE starts_with(message_id, 'touch'))`,
        { project: this.project },
      )
    ).map((r) => r.id);
    if (ids.length === 0) return;
    // One scan of the events for all the ids (a scratch table taken GLOBAL IN).
    await this.shards.withValues(this.database, ids, (table) =>
      loadIntoDuckDB(
        db,
        this.shards,
        `SELECT distinct_id, min(ts_us) AS first_ts,
                argMinIf(utm_campaign, (ts_us, seq), utm_campaign != '') AS campaign,
                minIf(ts_us, utm_campaign != '') AS campaign_ts, countIf(utm_campaign != '') AS campaigns
         FROM ${this.database}.events
         WHERE project_id = ${this.p} AND distinct_id GLOBAL IN (SELECT value FROM ${table})
         GROUP BY distinct_id`,
        ['distinct_id', 'first_ts', 'campaign', 'campaign_ts', 'campaigns'],
        (rows) => `INSERT INTO events (project_id, message_id, ts, received_at, type, event, distinct_id, utm_campaign)
         SELECT ${stringLiteral(this.project)}, 'touch' || x.kind || ':' || CAST(row_number() OVER () AS VARCHAR),
                make_timestamp(x.ts), make_timestamp(x.ts), 'track', '$touch', x.distinct_id, x.campaign
         FROM (SELECT j.distinct_id, 'a' AS kind, CAST(j.first_ts AS BIGINT) AS ts, NULL AS campaign FROM ${rows}
               UNION ALL
               SELECT j.distinct_id, 'c', CAST(j.campaign_ts AS BIGINT), j.campaign FROM ${rows}
               WHERE CAST(j.campaigns AS BIGINT) > 0) x`,
      ),
    );
  }

  /** The deals linked to a person (the embedded store's query over the deal people). */
  async personDeals(personId: string): Promise<PersonReport['deals']> {
    await this.dealPeople();
    return personDeals(this.scratch.db, this.project, personId);
  }

  async dealRecords(): Promise<DealRecords> {
    return getDealRecords(this.scratch.db, this.project);
  }

  async dealPeople(): Promise<DealPerson[]> {
    this.people ??= await getDealPeople(this.scratch.db, this.project);
    return this.people;
  }

  async spendAndDeals(): Promise<SpendAndDeals> {
    return getSpendAndDeals(this.scratch.db, this.project, await this.dealPeople());
  }

  /** Stage changes of deals linked to a person: (rid, person key, entered at µs), for the funnel columns. */
  async stageRows(): Promise<{ rid: number; personKey: string; enteredUs: number; dealId: string }[]> {
    const people = await this.dealPeople();
    const personOf = new Map(people.map((d) => [d.dealId, d.personKey]));
    const rows = await this.scratch.db.rows<{ rid: bigint; deal_id: string; entered_us: bigint }>(
      `SELECT rid, deal_id, epoch_us(entered_at) AS entered_us FROM deal_stage_changes WHERE project_id = $project`,
      { project: this.project },
    );
    const out: { rid: number; personKey: string; enteredUs: number; dealId: string }[] = [];
    for (const r of rows) {
      const personKey = personOf.get(r.deal_id);
      if (personKey !== undefined) {
        out.push({ rid: Number(r.rid), personKey, enteredUs: Number(r.entered_us), dealId: r.deal_id });
      }
    }
    return out;
  }

  /** A deal-stage event property (stage, deal_id, amount, pipeline, owner, status) by stage change rid. */
  async stageValues(property: string): Promise<Map<number, string>> {
    const expression = dealStageExpression(property);
    if (!expression) return new Map();
    const rows = await this.scratch.db.rows<{ rid: bigint; value: string | null }>(
      `SELECT c.rid, ${expression} AS value FROM deal_stage_changes c
       JOIN deals d ON d.project_id = c.project_id AND d.deal_id = c.deal_id
       WHERE c.project_id = $project`,
      { project: this.project },
    );
    return new Map(rows.filter((r) => r.value !== null).map((r) => [Number(r.rid), r.value as string]));
  }

  async close(): Promise<void> {
    await this.scratch.close();
  }
}
