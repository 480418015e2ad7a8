/**
 * No IP addresses are stored (docs/privacy.md): Segment's context.ip and PostHog's $ip are dropped, by the server
 * and by file imports; the country comes from the client or from a CDN's country header, and is kept.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { LiveIngest } from '../../src/store/live-ingest.js';

describe('IP addresses', () => {
  it('are not stored; the country is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fs-no-ip-'));
    const store = await DuckDBStore.open({ path: join(dir, 'store.duckdb') });
    const { writeKey } = await store.createProjectKeys('default');
    const ingest = await LiveIngest.start(store, { dir: join(dir, 'log'), flushMs: 3_600_000 });
    const app = buildApp({ store, ingest, metrics: createMetrics(() => ingest.backlog) });
    try {
      const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
      const segment = await app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: basic, 'cf-ipcountry': 'de' },
        payload: { userId: 'u1', event: 'Signed Up', messageId: 's1', context: { ip: '203.0.113.7', locale: 'de-DE' } },
      });
      expect(segment.statusCode).toBe(200);
      const own = await app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: basic, 'cf-ipcountry': 'DE' },
        payload: {
          userId: 'u2',
          event: 'Signed Up',
          messageId: 's2',
          context: { ip: '198.51.100.1', location: { country: 'FR' } },
        },
      });
      expect(own.statusCode).toBe(200);
      const posthog = await app.inject({
        method: 'POST',
        url: '/capture/',
        headers: { 'x-vercel-ip-country': 'NL' },
        payload: {
          api_key: writeKey,
          event: 'Viewed',
          distinct_id: 'u3',
          uuid: 'p1',
          properties: { $ip: '192.0.2.44', plan: 'pro' },
        },
      });
      expect(posthog.statusCode).toBe(200);
      const unknown = await app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: basic, 'cf-ipcountry': 'XX' },
        payload: { userId: 'u4', event: 'Signed Up', messageId: 's4', context: { ip: '2001:db8::1' } },
      });
      expect(unknown.statusCode).toBe(200);
      await ingest.storeLogged();
      const file = join(dir, 'import.ndjson');
      writeFileSync(
        file,
        `${JSON.stringify({ type: 'track', userId: 'u5', event: 'Imported', messageId: 'i1', timestamp: '2026-01-01T00:00:00Z', context: { ip: '203.0.113.99', location: { country: 'IT' } } })}\n`,
      );
      await store.importFile('events', file, { project: 'default', skipInvalid: false });

      const rows = await store.db.rows<{
        id: string;
        country: string | null;
        context: string | null;
        properties: string | null;
        row: string;
      }>(
        `SELECT message_id AS id, country, CAST(context AS VARCHAR) AS context, CAST(properties AS VARCHAR) AS properties,
                CAST(e AS VARCHAR) AS row FROM events e ORDER BY message_id`,
      );
      expect(rows.map((r) => [r.id, r.country])).toEqual([
        ['i1', 'IT'],
        ['p1', 'NL'],
        ['s1', 'DE'],
        ['s2', 'FR'],
        ['s4', null],
      ]);
      for (const r of rows) expect(r.row).not.toMatch(/203\.0\.113|198\.51\.100|192\.0\.2\.44|2001:db8/);
      expect(JSON.parse(rows.find((r) => r.id === 's1')?.context ?? '{}')).toMatchObject({
        locale: 'de-DE',
        location: { country: 'DE' },
      });
      expect(JSON.parse(rows.find((r) => r.id === 'p1')?.properties ?? '{}')).toMatchObject({ plan: 'pro' });
    } finally {
      await app.close();
      await ingest.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
