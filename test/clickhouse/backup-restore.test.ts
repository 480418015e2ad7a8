/**
 * Backup and restore of a ClickHouse store (docs/privacy.md): a backup taken through the running server while
 * events stream in holds every event acknowledged before it was asked for, with keys (revoked ones stay revoked),
 * users, saved things, retention and the audit log; it restores into an empty ClickHouse database and into a
 * DuckDB file, and both answer alike.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { putUser } from '../../src/access/accounts.js';
import { AccessControl } from '../../src/server/access.js';
import { buildApp } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { type LocalCluster, startLocalCluster } from '../../src/store/clickhouse/local-cluster.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { LiveIngest } from '../../src/store/live-ingest.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { clickhouseAvailable, clickhouseSuite } from '../helpers/clickhouse.js';

let cluster: LocalCluster;
let dir = '';
let cleanup: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  if (!clickhouseAvailable) return;
  ({ dir, cleanup } = await tempDir());
  cluster = await startLocalCluster({ shards: 2 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  await cleanup();
});

clickhouseSuite('backup and restore of a ClickHouse store', () => {
  it('a backup during ingestion restores whole, into ClickHouse and into DuckDB alike', async () => {
    const store = await ClickHouseStore.open(cluster.url);
    const file = join(dir, 'events.ndjson');
    writeFileSync(
      file,
      `${Array.from({ length: 300 }, (_, i) => JSON.stringify({ type: 'track', event: i % 3 === 0 ? 'Signed Up' : 'Viewed', userId: `u${i % 40}`, messageId: `f${i}`, timestamp: new Date(Date.UTC(2026, 5, 1) + i * 60_000).toISOString(), properties: { plan: `p${i % 4}` } })).join('\n')}\n`,
    );
    await store.importFile('events', file, { project: 'shop', skipInvalid: false });
    const write = await store.createApiKey('shop', 'write', 'site');
    const revoked = await store.createApiKey('shop', 'read', 'old');
    await store.revokeApiKey('shop', revoked.info.id);
    const server = await store.createApiKey('', 'admin', 'backups');
    await putUser(
      store,
      { email: 'ops@shop.io', role: 'admin', password: 'a long pass phrase', projects: null },
      'test',
    );
    await store.saveFunnel('shop', 'Signup', { steps: [{ event: 'Viewed' }, { event: 'Signed Up' }] });
    await store.setRetentionDays('shop', 365);

    const ingest = await LiveIngest.start(store, { dir: join(dir, 'log'), flushMs: 100 });
    const app = buildApp({
      store,
      ingest,
      metrics: createMetrics(() => ingest.backlog),
      access: new AccessControl({ store, loopback: true }),
    });
    const acked: { id: string; at: number }[] = [];
    let sending = true;
    let batch = 0;
    const sender = (async () => {
      while (sending) {
        const ids = Array.from({ length: 50 }, (_, i) => `live-${batch}-${i}`);
        batch += 1;
        const response = await app.inject({
          method: 'POST',
          url: '/v1/batch',
          headers: { authorization: `Basic ${Buffer.from(`${write.key}:`).toString('base64')}` },
          payload: {
            batch: ids.map((id) => ({ type: 'track', event: 'Live', userId: `l${batch % 9}`, messageId: id })),
          },
        });
        if (response.statusCode === 200) for (const id of ids) acked.push({ id, at: Date.now() });
      }
    })();
    const backupFile = join(dir, 'ch-backup.duckdb');
    try {
      while (acked.length < 500) await new Promise((r) => setTimeout(r, 20));
      const askedAt = Date.now();
      const response = await app.inject({
        method: 'GET',
        url: '/api/backup',
        headers: { authorization: `Bearer ${server.key}` },
      });
      expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
      writeFileSync(backupFile, response.rawPayload);
      const before = acked.filter((a) => a.at < askedAt).map((a) => a.id);
      sending = false;
      await sender;

      // Into an empty ClickHouse database of the same cluster, and into a DuckDB file.
      const otherUrl = cluster.url.replace('/funnelscope?', '/restored?');
      const intoClickHouse = await runCli(['--db', otherUrl, 'restore', backupFile]);
      expect(intoClickHouse.code, intoClickHouse.stderr).toBe(0);
      const duckFile = join(dir, 'restored.duckdb');
      expect((await runCli(['--db', duckFile, 'restore', backupFile])).code).toBe(0);
      let restoredEvents = 0;
      const restored = await ClickHouseStore.open(otherUrl);
      const duck = await DuckDBStore.open({ path: duckFile });
      try {
        const ids = new Set(
          (await duck.db.rows<{ id: string }>(`SELECT message_id AS id FROM events WHERE project_id = 'shop'`)).map(
            (r) => r.id,
          ),
        );
        expect(before.filter((id) => !ids.has(id))).toEqual([]);
        expect(ids.size).toBeGreaterThanOrEqual(300 + before.length);
        restoredEvents = ids.size;
        for (const s of [restored, duck]) {
          expect((await s.counts('shop')).events).toBe(ids.size);
          expect(await s.keyOwner(write.key)).toMatchObject({ project: 'shop', role: 'write' });
          expect(await s.keyOwner(revoked.key)).toBeUndefined();
          expect(await s.keyOwner(server.key)).toMatchObject({ project: '', role: 'admin' });
          expect((await s.listUsers()).map((u) => [u.email, u.role])).toEqual([['ops@shop.io', 'admin']]);
          expect((await s.getUser('ops@shop.io'))?.passwordHash).toBe(
            (await store.getUser('ops@shop.io'))?.passwordHash,
          );
          expect((await s.listFunnels('shop')).map((f) => f.name)).toEqual(['Signup']);
          expect(await s.retentionDays('shop')).toBe(365);
          expect((await s.auditLog(null, 10)).map((e) => e.action)).toEqual(['user.add']);
          expect((await s.getPerson('shop', 'u7'))?.eventCount).toBe((await store.getPerson('shop', 'u7'))?.eventCount);
        }
        const names = async (s: ClickHouseStore | DuckDBStore) => {
          const c = await s.loadEventColumns('shop');
          return { names: [...c.eventNames].sort(), count: c.eventCount };
        };
        expect(await names(restored)).toEqual(await names(duck));
      } finally {
        await restored.close();
        await duck.close();
      }
      // Run again (after an interruption, say), it resumes: nothing is copied twice.
      const again = await runCli(['--db', otherUrl, 'restore', backupFile]);
      expect(again.code, again.stderr).toBe(0);
      const twice = await ClickHouseStore.open(otherUrl);
      try {
        expect((await twice.counts('shop')).events).toBe(restoredEvents);
        expect((await twice.auditLog(null, 10)).length).toBe(1);
      } finally {
        await twice.close();
      }
    } finally {
      sending = false;
      await sender;
      await app.close();
      await ingest.stop({ drain: true });
      await store.close();
    }
  }, 300_000);
});
