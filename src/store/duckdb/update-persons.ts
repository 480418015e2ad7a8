import { listValue } from '@duckdb/node-api';
import { resolvePersons } from '../../ingest/identity.js';
import type { DuckDBDatabase } from './duckdb-database.js';

/**
 * Adds the identity links of the messages in `stage_new` (identify/track with both userId and anonymousId,
 * alias previousId → userId) and re-resolves the persons they touch. Runs inside the import's transaction.
 * Returns how many new links were stored.
 */
export async function updatePersons(db: DuckDBDatabase, project: string): Promise<number> {
  await db.run(
    `CREATE OR REPLACE TEMP TABLE stage_links AS
     SELECT user_id, other_id, min(ts) AS first_seen FROM (
       SELECT user_id, anonymous_id AS other_id, ts FROM stage_new
       WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL AND user_id <> anonymous_id
       UNION ALL
       SELECT user_id, previous_id AS other_id, ts FROM stage_new
       WHERE type = 'alias' AND previous_id IS NOT NULL AND user_id <> previous_id
     ) l
     WHERE NOT EXISTS (SELECT 1 FROM identity_links i
                       WHERE i.project_id = $project AND i.user_id = l.user_id AND i.other_id = l.other_id)
     GROUP BY user_id, other_id`,
    { project },
  );
  const links = await db.rows<{ user_id: string; other_id: string }>(`SELECT user_id, other_id FROM stage_links`);
  if (links.length === 0) {
    await db.run('DROP TABLE stage_links');
    return 0;
  }
  await db.run(`INSERT INTO identity_links SELECT $project, user_id, other_id, first_seen FROM stage_links`, {
    project,
  });
  // Every member of every person a new link touches.
  const existing = await db.rows<{ distinct_id: string; person_id: string }>(
    `SELECT distinct_id, person_id FROM person_map
     WHERE project_id = $project AND person_id IN (
       SELECT person_id FROM person_map
       WHERE project_id = $project
         AND distinct_id IN (SELECT user_id FROM stage_links UNION SELECT other_id FROM stage_links))`,
    { project },
  );
  const ids = new Set<string>();
  for (const r of existing) ids.add(r.distinct_id);
  for (const l of links) {
    ids.add(l.user_id);
    ids.add(l.other_id);
  }
  const idList = listValue([...ids]);
  const userIds = new Set(
    (
      await db.rows<{ user_id: string }>(
        `SELECT DISTINCT user_id FROM identity_links WHERE project_id = $project AND user_id IN (SELECT unnest($ids))`,
        { project, ids: idList },
      )
    ).map((r) => r.user_id),
  );
  const resolved = resolvePersons(
    existing.map((r) => [r.distinct_id, r.person_id] as const),
    links.map((l) => ({ userId: l.user_id, otherId: l.other_id })),
    (id) => userIds.has(id),
  );
  await db.run(`DELETE FROM person_map WHERE project_id = $project AND distinct_id IN (SELECT unnest($ids))`, {
    project,
    ids: idList,
  });
  const distinctIds = [...resolved.keys()];
  await db.run(`INSERT INTO person_map SELECT $project, unnest($ids), unnest($persons)`, {
    project,
    ids: listValue(distinctIds),
    persons: listValue(distinctIds.map((id) => resolved.get(id) as string)),
  });
  await db.run('DROP TABLE stage_links');
  return links.length;
}
