import { getOwn, setOwn } from '../../../model/own-property.js';
import type { PersonReport } from '../../../model/person.js';
import type { DuckDBDatabase } from '../duckdb-database.js';
import { createDealPeople } from './create-deal-people.js';

/** Merges identify traits oldest first, so later calls override earlier ones key by key. */
export function mergeTraits(identifies: readonly { traits: unknown }[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const { traits } of identifies) {
    let value: unknown = traits;
    if (typeof traits === 'string') {
      try {
        value = JSON.parse(traits);
      } catch {
        continue; // stored before NaN/Infinity were refused: not JSON, so not traits
      }
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    // Defined, not assigned: a trait named __proto__ is data, not the object's prototype.
    for (const [key, trait] of Object.entries(value)) setOwn(merged, key, trait);
  }
  return merged;
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}

/**
 * The temp table `table(distinct_id)`: every distinct id of the person any of whose ids (or whose person id) is
 * `id`, and its person id. Returns the person id (`id` itself when no link knows it).
 */
export async function createPersonIdsTable(
  db: DuckDBDatabase,
  project: string,
  id: string,
  table: 'person_ids' | 'erase_ids',
): Promise<string> {
  const personId =
    (await db.value<string | undefined>(
      `SELECT person_id FROM person_map WHERE project_id = $project AND distinct_id = $id`,
      { project, id },
    )) ?? id;
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${table} AS
     SELECT distinct_id FROM person_map WHERE project_id = $project AND person_id = $personId
     UNION SELECT $personId`,
    { project, personId },
  );
  return personId;
}

/** The person any of whose distinct ids (or whose person id) is `id`; undefined when no event or link knows it. */
export async function getPerson(db: DuckDBDatabase, project: string, id: string): Promise<PersonReport | undefined> {
  const personId = await createPersonIdsTable(db, project, id, 'person_ids');
  try {
    const [summary] = await db.rows<{ n: bigint; first: Date | null; last: Date | null }>(
      `SELECT count(*) AS n, min(ts) AS first, max(ts) AS last FROM events
       WHERE project_id = $project AND distinct_id IN (SELECT distinct_id FROM person_ids)`,
      { project },
    );
    const distinctIds = (await db.rows<{ distinct_id: string }>(`SELECT distinct_id FROM person_ids ORDER BY 1`)).map(
      (r) => r.distinct_id,
    );
    const eventCount = Number(summary?.n ?? 0);
    if (eventCount === 0 && distinctIds.length === 1) return undefined;
    const identifies = await db.rows<{ traits: string }>(
      `SELECT properties AS traits FROM events
       WHERE project_id = $project AND type = 'identify' AND distinct_id IN (SELECT distinct_id FROM person_ids)
       ORDER BY ts, received_at, message_id`,
      { project },
    );
    const traits = mergeTraits(identifies);
    const groupRows = await db.rows<{ type: string; key: string }>(
      `SELECT DISTINCT g.key AS type, g.value AS key
       FROM events e, json_each(e.groups) g
       WHERE e.project_id = $project AND e.groups IS NOT NULL AND e.distinct_id IN (SELECT distinct_id FROM person_ids)
       ORDER BY 1, 2`,
      { project },
    );
    const groups: Record<string, string[]> = {};
    for (const r of groupRows) {
      const key = String(r.key).replace(/^"|"$/g, '');
      setOwn(groups, r.type, [...(getOwn(groups, r.type) ?? []), key]);
    }
    await createDealPeople(db, project);
    const deals = await personDeals(db, project, personId);
    const recent = await db.rows<{ ts: Date; event: string; distinct_id: string }>(
      `SELECT ts, event, distinct_id FROM events
       WHERE project_id = $project AND distinct_id IN (SELECT distinct_id FROM person_ids)
       ORDER BY ts DESC, message_id LIMIT 10`,
      { project },
    );
    return {
      personId,
      distinctIds,
      traits,
      firstSeen: iso(summary?.first),
      lastSeen: iso(summary?.last),
      eventCount,
      groups,
      deals,
      recentEvents: recent.map((r) => ({ ts: iso(r.ts) as string, event: r.event, distinctId: r.distinct_id })),
    };
  } finally {
    await db.run('DROP TABLE IF EXISTS person_ids');
  }
}

/** The deals linked to a person, from the temp table `deal_people` (createDealPeople), oldest first. */
export async function personDeals(
  db: DuckDBDatabase,
  project: string,
  personId: string,
): Promise<PersonReport['deals']> {
  const deals = await db.rows<{
    deal_id: string;
    name: string | null;
    status: string;
    stage: string | null;
    amount: number | null;
  }>(
    `SELECT deal_id, name, status, stage, amount FROM deals
     WHERE project_id = $project
       AND deal_id IN (SELECT deal_id FROM deal_people WHERE person_key = $personId)
     ORDER BY created_at NULLS LAST, deal_id`,
    { project, personId },
  );
  return deals.map((d) => ({ dealId: d.deal_id, name: d.name, status: d.status, stage: d.stage, amount: d.amount }));
}
