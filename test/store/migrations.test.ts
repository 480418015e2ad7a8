import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey, newKey } from '../../src/store/api-keys.js';
import { DuckDBDatabase } from '../../src/store/duckdb/duckdb-database.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { latestSchemaVersion, migrations } from '../../src/store/duckdb/migrations.js';
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
      // Rows of the tables later migrations rebuild or extend: a key (version 4 on), a saved funnel (5 on).
      const key = newKey('read');
      if (version >= 4) {
        await old.run(
          `INSERT INTO api_keys (key_hash, project_id, kind, key_prefix) VALUES ($hash, 'default', 'read', 'fs_r_x')`,
          {
            hash: hashKey(key),
          },
        );
      }
      if (version >= 5) {
        await old.run(
          `INSERT INTO saved_funnels (project_id, funnel_id, name, definition) VALUES ('default', 'f1', 'kept', '{"steps":[]}')`,
        );
      }
      old.close();
      const upgraded = await DuckDBStore.open({ path });
      expect(await upgraded.db.schemaVersion()).toBe(latestSchemaVersion);
      expect(Number(await upgraded.db.value('SELECT count(*) FROM events'))).toBe(1);
      expect(Number(await upgraded.db.value('SELECT count(*) FROM import_log'))).toBe(0);
      if (version >= 4) expect(await upgraded.keyOwner(key)).toMatchObject({ project: 'default', role: 'read' });
      if (version >= 5) expect((await upgraded.listFunnels('default')).map((f) => f.name)).toEqual(['kept']);
      expect((await upgraded.checkIntegrity()).problems).toEqual([]);
      await upgraded.close();
    }
  });

  it('applies each migration in one transaction: a failing one leaves the file at its version, to be retried', async () => {
    const path = join(dir, 'failing.duckdb');
    const before = latestSchemaVersion - 1;
    const old = await DuckDBDatabase.open({ path, migrateTo: before });
    const key = newKey('write');
    await old.run(
      `INSERT INTO api_keys (key_hash, project_id, kind, key_prefix) VALUES ($hash, 'default', 'write', 'fs_w_x')`,
      {
        hash: hashKey(key),
      },
    );
    // A table in the way of the last migration's CREATE TABLE: it fails part-way, after rebuilding api_keys.
    const blocking = migrations[migrations.length - 1]?.statements.find((s) =>
      /CREATE TABLE (users|audit_log)/.test(s),
    );
    const name = /CREATE TABLE (\w+)/.exec(blocking ?? '')?.[1] as string;
    await old.run(`CREATE TABLE ${name} (x INTEGER)`);
    old.close();
    const failed = await DuckDBDatabase.open({ path }).catch((e: Error) => e);
    expect(failed).toBeInstanceOf(Error);
    const after = await DuckDBDatabase.open({ path, readOnly: true });
    expect(await after.schemaVersion()).toBe(before);
    const tables = await after.rows<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_name LIKE 'api_keys%'`,
    );
    expect(tables.map((t) => t.name)).toEqual(['api_keys']); // the half-done rebuild was rolled back
    after.close();
    const fix = await DuckDBDatabase.open({ path, migrateTo: before });
    await fix.run(`DROP TABLE ${name}`);
    fix.close();
    const store = await DuckDBStore.open({ path });
    expect(await store.db.schemaVersion()).toBe(latestSchemaVersion);
    expect(await store.keyOwner(key)).toMatchObject({ role: 'write' });
    await store.close();
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
