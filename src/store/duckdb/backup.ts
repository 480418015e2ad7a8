/**
 * Backups of the DuckDB store (docs/privacy.md, "Backup and restore"). A backup is a DuckDB file holding every
 * table (and the sequences' positions) as of one transaction: `COPY FROM DATABASE` reads one snapshot, so imports
 * committing meanwhile are either wholly in it or not at all. Whoever keeps the file checks it (`checkIntegrity`,
 * cli/commands/backup.ts); a restore checks a copy and moves it into place.
 */
import { existsSync, rmSync } from 'node:fs';
import { FunnelscopeError } from '../../model/errors.js';
import type { DuckDBDatabase } from './duckdb-database.js';
import { latestSchemaVersion } from './migrations.js';

/** Writes the whole database to a new DuckDB file at `path` (which must not exist yet). */
export async function backupDatabase(db: DuckDBDatabase, path: string): Promise<void> {
  if (existsSync(path)) {
    throw new FunnelscopeError('invalid_argument', `${path} exists: a backup is written to a new file`, { file: path });
  }
  const source = await db.value<string>('SELECT current_database()');
  try {
    await db.run(`ATTACH '${path.replaceAll("'", "''")}' AS funnelscope_backup`);
    try {
      await db.run(`COPY FROM DATABASE "${source.replaceAll('"', '""')}" TO funnelscope_backup`);
    } finally {
      await db.run('DETACH funnelscope_backup');
    }
  } catch (error) {
    rmSync(path, { force: true });
    rmSync(`${path}.wal`, { force: true });
    throw error;
  }
}

export interface IntegrityReport {
  schemaVersion: number;
  tables: number;
  rows: number;
  /** What is wrong; empty when the store is sound. */
  problems: string[];
}

/** Project-scoped tables whose rows must name a project the store knows. */
const projectTables = ['events', 'identity_links', 'person_map', 'deals', 'deal_stage_changes', 'spend', 'api_keys'];

/**
 * Reads every column of every table (DuckDB verifies each block's checksum as it reads), and checks what the
 * schema alone does not hold: the schema version is one this binary knows, the store has its one identity, every
 * project-scoped row names a known project (server-wide keys name none).
 */
export async function checkIntegrity(db: DuckDBDatabase): Promise<IntegrityReport> {
  const problems: string[] = [];
  const schemaVersion = await db.schemaVersion();
  if (schemaVersion !== latestSchemaVersion) {
    problems.push(`schema version ${schemaVersion}, expected ${latestSchemaVersion}`);
  }
  const tables = await db.rows<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'main' AND table_type = 'BASE TABLE' AND table_catalog = current_database() ORDER BY 1`,
  );
  let rows = 0;
  for (const { name } of tables) {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    try {
      const n = await db.value<bigint>(`SELECT count(*) FROM (SELECT hash(t) FROM ${quoted} AS t)`);
      rows += Number(n);
    } catch (error) {
      problems.push(`table ${name} cannot be read: ${(error as Error).message}`);
    }
  }
  const identities = Number(await db.value<bigint>('SELECT count(*) FROM store_identity'));
  if (identities !== 1) problems.push(`store_identity has ${identities} rows, expected 1`);
  for (const table of projectTables) {
    const orphans = Number(
      await db.value<bigint>(
        `SELECT count(*) FROM ${table} WHERE project_id <> '' AND project_id NOT IN (SELECT project_id FROM projects)`,
      ),
    );
    if (orphans > 0) problems.push(`${table}: ${orphans} rows of an unknown project`);
  }
  return { schemaVersion, tables: tables.length, rows, problems };
}
