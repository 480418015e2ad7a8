import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBDatabase } from '../../src/store/duckdb/duckdb-database.js';
import { latestSchemaVersion } from '../../src/store/duckdb/migrations.js';
import { runCliJson, tempDir } from '../helpers/cli.js';

describe('schema migrations', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(() => cleanup());

  it('a newer binary opens a file of every earlier version and migrates it, keeping its rows', async () => {
    expect(latestSchemaVersion).toBeGreaterThanOrEqual(2);
    for (let version = 1; version < latestSchemaVersion; version += 1) {
      const path = join(dir, `v${version}.duckdb`);
      const old = await DuckDBDatabase.open({ path, migrateTo: version });
      expect(await old.schemaVersion()).toBe(version);
      await old.run(`INSERT INTO events (project_id, message_id, ts, received_at, type, event, distinct_id)
                     VALUES ('default', 'm1', TIMESTAMP '2024-01-01 10:00:00', now()::TIMESTAMP, 'track', 'signup', 'u1')`);
      old.close();
      const upgraded = await DuckDBDatabase.open({ path });
      expect(await upgraded.schemaVersion()).toBe(latestSchemaVersion);
      expect(Number(await upgraded.value('SELECT count(*) FROM events'))).toBe(1);
      expect(Number(await upgraded.value('SELECT count(*) FROM import_log'))).toBe(0);
      upgraded.close();
    }
  });

  it('an older binary refuses a newer file with a clear error and leaves it unchanged', async () => {
    const path = join(dir, 'future.duckdb');
    const db = await DuckDBDatabase.open({ path });
    await db.run(
      `INSERT INTO schema_migrations VALUES (${latestSchemaVersion + 1}, 'from the future', now()::TIMESTAMP)`,
    );
    db.close();
    const result = await runCliJson<{ error: { code: string; message: string } }>(['--db', path, 'status', '--json']);
    expect(result.code).toBe(2);
    expect(result.json.error.code).toBe('store_too_new');
    expect(result.json.error.message).toContain(`schema version ${latestSchemaVersion + 1}`);
    const again = await DuckDBDatabase.open({ path, migrateTo: 0 }).catch((e: { code: string }) => e);
    expect((again as { code: string }).code).toBe('store_too_new');
  });
});
