/**
 * Backup and restore (docs/privacy.md): a backup taken from a running server while events stream in restores to
 * a store that passes the integrity check and holds every event acknowledged before the backup was asked for; a
 * backup needs an admin over every project; a damaged backup is refused and leaves the store it would replace as it
 * was; a stopped store backs up from its file.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStore, runCli, runCliJson, tempDir } from '../helpers/cli.js';
import { createKey, startServer } from '../helpers/server.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function storedIds(db: string): Promise<Set<string>> {
  const rows = await queryStore<{ id: string }>(db, `SELECT message_id AS id FROM events WHERE project_id = 'shop'`);
  return new Set(rows.map((r) => r.id));
}

describe('backup and restore', () => {
  it('a backup taken during ingestion restores whole, with every event acknowledged before it', async () => {
    const db = join(dir, 'live.duckdb');
    const write = await createKey(db, 'write', 'shop');
    const server = await createKey(db, 'admin', null);
    const projectAdmin = await createKey(db, 'admin', 'shop');
    const user = ['--db', db, 'users', 'add', 'ops@shop.io', '--role', 'admin', '--password-stdin'];
    expect((await runCli(user, {}, 'a long pass phrase\n')).code).toBe(0); // sign-in on: keys are needed
    const running = await startServer(db, ['--flush-ms', '50']);
    const acked: { id: string; at: number }[] = [];
    let sending = true;
    let batch = 0;
    const auth = `Basic ${Buffer.from(`${write.key}:`).toString('base64')}`;
    const sender = (async () => {
      while (sending) {
        const ids = Array.from({ length: 50 }, (_, i) => `b${batch}-e${i}`);
        batch += 1;
        const response = await fetch(`${running.url}/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: JSON.stringify({
            batch: ids.map((id) => ({ type: 'track', event: 'Tick', userId: `u${batch % 7}`, messageId: id })),
          }),
        });
        const at = Date.now();
        if (response.status === 200) for (const id of ids) acked.push({ id, at });
      }
    })();
    try {
      while (acked.length < 1000) await new Promise((r) => setTimeout(r, 20));
      const backupFile = join(dir, 'live-backup.duckdb');
      expect((await runCli(['backup', join(dir, 'x.duckdb'), '--server', running.url])).stderr).toContain('401');
      const forbidden = await runCli([
        'backup',
        join(dir, 'x.duckdb'),
        '--server',
        running.url,
        '--key',
        projectAdmin.key,
      ]);
      expect(forbidden.code).not.toBe(0);
      expect(forbidden.stderr).toContain('403');
      const askedAt = Date.now();
      const made = await runCliJson<{ rows: number; problems: string[] }>(
        ['backup', backupFile, '--server', running.url, '--json'],
        { FUNNELSCOPE_KEY: server.key },
      );
      expect(made.code).toBe(0);
      expect(made.json.problems).toEqual([]);
      const before = acked.filter((a) => a.at < askedAt).map((a) => a.id);
      expect(before.length).toBeGreaterThanOrEqual(1000);
      while (acked.length < before.length + 500) await new Promise((r) => setTimeout(r, 20)); // ingestion went on
      sending = false;
      await sender;

      const restored = join(dir, 'restored.duckdb');
      const restore = await runCliJson<{ problems: string[]; tables: number }>([
        '--db',
        restored,
        'restore',
        backupFile,
        '--json',
      ]);
      expect(restore.code).toBe(0);
      expect(restore.json.problems).toEqual([]);
      expect(restore.json.tables).toBeGreaterThanOrEqual(18);
      expect((await runCli(['--db', restored, 'check'])).code).toBe(0);
      const inBackup = await storedIds(restored);
      expect(before.filter((id) => !inBackup.has(id))).toEqual([]);
      // The restored store works: keys, reports.
      const status = await runCliJson<{ events: number }>(['--db', restored, '--project', 'shop', 'status', '--json']);
      expect(status.json.events).toBe(inBackup.size);
    } finally {
      sending = false;
      await sender;
      expect(await running.stop()).toBe(0);
    }
    // Stopped, every acknowledged event is in the store; a backup of the file holds them all.
    const offline = join(dir, 'offline-backup.duckdb');
    expect((await runCli(['--db', db, 'backup', offline])).code).toBe(0);
    const all = await storedIds(offline);
    expect(acked.filter((a) => !all.has(a.id))).toEqual([]);
  }, 120_000);

  it('refuses a damaged backup and leaves the store it would replace as it was', async () => {
    const db = join(dir, 'small.duckdb');
    const events = join(dir, 'small.ndjson');
    writeFileSync(
      events,
      `${Array.from({ length: 2000 }, (_, i) => JSON.stringify({ type: 'track', event: 'E', userId: `u${i % 50}`, messageId: `m${i}`, timestamp: '2026-01-01T00:00:00Z', properties: { n: i, text: 'x'.repeat(50) } })).join('\n')}\n`,
    );
    expect((await runCli(['--db', db, '--project', 'shop', 'import', 'events', events])).code).toBe(0);
    const backup = join(dir, 'small-backup.duckdb');
    expect((await runCli(['--db', db, 'backup', backup])).code).toBe(0);
    expect((await runCli(['--db', db, 'backup', backup])).stderr).toContain(
      'exists: a backup is written to a new file',
    );
    const damaged = join(dir, 'damaged.duckdb');
    const bytes = readFileSync(backup);
    for (let i = 300_000; i < Math.min(bytes.length - 1, 600_000); i += 997) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
    writeFileSync(damaged, bytes);
    const target = join(dir, 'target.duckdb');
    expect((await runCli(['--db', target, 'restore', backup])).code).toBe(0);
    const untouched = sha(target);
    expect((await runCli(['--db', target, 'restore', backup])).stderr).toContain('exists: pass --force');
    const refused = await runCli(['--db', target, 'restore', damaged, '--force']);
    expect(refused.code).not.toBe(0);
    expect(sha(target)).toBe(untouched);
    expect((await runCli(['--db', target, 'check'])).code).toBe(0);
  }, 60_000);
});
