import type { PersonErasure } from '../../store.js';
import type { DuckDBDatabase } from '../duckdb-database.js';
import { createPersonIdsTable } from './get-person.js';

/**
 * Erases the person any of whose distinct ids (or whose person id) is `id` (docs/privacy.md), in one transaction:
 * its events (track, page, identify with its traits, group, alias), the identity links and person-map rows of its
 * ids, and the links of its deals (the deal's user id, and its e-mail when it is one of the person's `email`
 * traits): the deal itself stays, unlinked, since it is the company's revenue record. An `erasure` row in the
 * import log moves the data version, so every cache of the project is rebuilt. Undefined when nothing knows `id`.
 */
export async function deletePerson(
  db: DuckDBDatabase,
  project: string,
  id: string,
): Promise<PersonErasure | undefined> {
  return db.transaction(async () => {
    await createPersonIdsTable(db, project, id, 'erase_ids');
    try {
      const inIds = (column: string) => `${column} IN (SELECT distinct_id FROM erase_ids)`;
      const eventsWhere = `project_id = $project AND (${inIds('distinct_id')} OR ${inIds('user_id')} OR ${inIds('anonymous_id')})`;
      const emails = (
        await db.rows<{ email: string }>(
          `SELECT DISTINCT lower(trim(json_extract_string(properties, '$.email'))) AS email FROM events
           WHERE ${eventsWhere} AND type = 'identify' AND json_extract_string(properties, '$.email') IS NOT NULL`,
          { project },
        )
      ).map((r) => r.email);
      await db.run('CREATE OR REPLACE TEMP TABLE erase_emails (email VARCHAR)');
      for (const email of emails) await db.run('INSERT INTO erase_emails VALUES ($email)', { email });
      const dealsWhere = `project_id = $project AND (${inIds('trim(user_id)')}
        OR lower(trim(email)) IN (SELECT email FROM erase_emails))`;
      const count = async (sql: string) => Number(await db.value<bigint>(sql, { project }));
      const erasure: PersonErasure = {
        distinctIds: (await db.rows<{ distinct_id: string }>('SELECT distinct_id FROM erase_ids')).length,
        events: await count(`SELECT count(*) FROM events WHERE ${eventsWhere}`),
        identityLinks: await count(
          `SELECT count(*) FROM identity_links WHERE project_id = $project AND (${inIds('user_id')} OR ${inIds('other_id')})`,
        ),
        personMap: await count(
          `SELECT count(*) FROM person_map WHERE project_id = $project AND (${inIds('distinct_id')} OR ${inIds('person_id')})`,
        ),
        dealsUnlinked: await count(`SELECT count(*) FROM deals WHERE ${dealsWhere}`),
      };
      if (erasure.events + erasure.identityLinks + erasure.personMap + erasure.dealsUnlinked === 0) return undefined;
      await db.run(`DELETE FROM events WHERE ${eventsWhere}`, { project });
      await db.run(
        `DELETE FROM identity_links WHERE project_id = $project AND (${inIds('user_id')} OR ${inIds('other_id')})`,
        { project },
      );
      await db.run(
        `DELETE FROM person_map WHERE project_id = $project AND (${inIds('distinct_id')} OR ${inIds('person_id')})`,
        { project },
      );
      await db.run(`UPDATE deals SET user_id = NULL, email = NULL WHERE ${dealsWhere}`, { project });
      await logRemoval(db, project);
      return erasure;
    } finally {
      await db.run('DROP TABLE IF EXISTS erase_ids');
      await db.run('DROP TABLE IF EXISTS erase_emails');
    }
  });
}

/** Events were removed (an erasure, the retention): a row in the import log moves the data version. */
export function logRemoval(db: DuckDBDatabase, project: string): Promise<void> {
  return db.run(
    `INSERT INTO import_log (project_id, kind, file, format, rows_read, imported, updated, duplicates, rejected)
     VALUES ($project, 'erasure', '', '', 0, 0, 0, 0, 0)`,
    { project },
  );
}
