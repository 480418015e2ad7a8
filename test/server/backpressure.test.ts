/**
 * Backpressure: when more accepted events wait to be stored than the limit, new requests get 503 with
 * Retry-After (and /ready says so) instead of growing anything without bound; once the writer has stored the
 * log, requests are taken again. The writer is held back here (a flush interval longer than the test).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { LiveIngest } from '../../src/store/live-ingest.js';

describe('backpressure', () => {
  it('answers 503 with Retry-After past the backlog limit, and takes events again once stored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fs-backpressure-'));
    const store = await DuckDBStore.open({ path: join(dir, 'store.duckdb') });
    const { writeKey } = await store.createProjectKeys('default');
    const ingest = await LiveIngest.start(store, { dir: join(dir, 'log'), flushMs: 3_600_000, maxUnstoredEvents: 250 });
    const app = buildApp({ store, ingest, metrics: createMetrics(() => ingest.backlog) });
    try {
      await ingest.storeLogged(); // the start's round, so the writer sleeps from here on
      let n = 0;
      const send = () =>
        app.inject({
          method: 'POST',
          url: '/v1/batch',
          headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
          payload: {
            batch: Array.from({ length: 100 }, () => ({
              type: 'track',
              userId: 'u',
              event: 'e',
              messageId: `m${n++}`,
            })),
          },
        });
      expect([(await send()).statusCode, (await send()).statusCode, (await send()).statusCode]).toEqual([
        200, 200, 200,
      ]);
      const refused = await send();
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.json().error.code).toBe('unavailable');
      expect((await app.inject({ url: '/ready' })).statusCode).toBe(503);

      await ingest.storeLogged();
      expect(ingest.backlog).toBe(0);
      expect((await app.inject({ url: '/ready' })).statusCode).toBe(200);
      expect((await send()).statusCode).toBe(200);
      await ingest.storeLogged();
      const [row] = await store.db.rows<{ n: bigint }>(`SELECT count(*) AS n FROM events`);
      // Three batches before the refusal and one after: the refused one was not stored.
      expect(Number(row?.n)).toBe(400);
      const metrics = await app.inject({ url: '/metrics' });
      expect(metrics.body).toContain('funnelscope_events_rejected_total{reason="overload"} 1');
    } finally {
      await app.close();
      await ingest.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
