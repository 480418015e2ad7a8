/**
 * No IP addresses are stored (docs/privacy.md): Segment's context.ip and PostHog's $ip are dropped, by the server
 * and by file imports; the country comes from the client or from a CDN's country header, and is kept.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCountryDatabase } from '../../src/ingest/geoip.js';
import { buildApp } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { LiveIngest } from '../../src/store/live-ingest.js';
import { writeMmdb } from '../helpers/mmdb-writer.js';

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

  it('with a country database (serve --geoip), the country comes from the address, which is then dropped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fs-geoip-'));
    const file = join(dir, 'countries.mmdb');
    writeFileSync(
      file,
      writeMmdb([
        { cidr: '203.0.113.0/24', value: { country: { iso_code: 'DE' } } },
        { cidr: '198.51.100.0/25', value: { country: { iso_code: 'FR' } } },
        { cidr: '198.51.100.128/25', value: { registered_country: { iso_code: 'BE' } } },
      ]),
    );
    const countryOfIp = await openCountryDatabase(file);
    expect(
      ['203.0.113.7', '198.51.100.9', '198.51.100.200', '192.0.2.1', 'nonsense', '2001:db8::1'].map(countryOfIp),
    ).toEqual(['DE', 'FR', 'BE', undefined, undefined, undefined]);
    await expect(openCountryDatabase(join(dir, 'missing.mmdb'))).rejects.toThrow(
      /--geoip .*missing\.mmdb: not a readable MaxMind DB/,
    );

    const store = await DuckDBStore.open({ path: join(dir, 'store.duckdb') });
    const { writeKey } = await store.createProjectKeys('default');
    const ingest = await LiveIngest.start(store, { dir: join(dir, 'log'), flushMs: 3_600_000 });
    const app = buildApp({ store, ingest, metrics: createMetrics(() => ingest.backlog), countryOfIp });
    try {
      const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
      // A server-side SDK relays its visitor's address; a browser's is the caller's own.
      const relayed = await app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: basic },
        remoteAddress: '10.1.2.3',
        payload: { userId: 'u1', event: 'Signed Up', messageId: 'g1', context: { ip: '203.0.113.7' } },
      });
      const direct = await app.inject({
        method: 'GET',
        url: `/v1/pixel.gif?k=${writeKey}&e=Opened&u=u2`,
        remoteAddress: '198.51.100.9',
      });
      expect([relayed.statusCode, direct.statusCode]).toEqual([200, 200]);
      await ingest.storeLogged();
      const rows = await store.db.rows<{ user: string; country: string | null; row: string }>(
        `SELECT distinct_id AS user, country, CAST(e AS VARCHAR) AS row FROM events e ORDER BY distinct_id`,
      );
      expect(rows.map((r) => [r.user, r.country])).toEqual([
        ['u1', 'DE'],
        ['u2', 'FR'],
      ]);
      for (const r of rows) expect(r.row).not.toMatch(/203\.0\.113|198\.51\.100|10\.1\.2\.3/);
    } finally {
      await app.close();
      await ingest.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
