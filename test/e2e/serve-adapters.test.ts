/**
 * The PostHog, GA4 and pixel doors of `funnelscope serve`: the official posthog-node client, a GA4 Measurement
 * Protocol payload sent with fetch (as GA4 documents it) and pixel hits; after a clean stop each event is stored
 * with its ids, properties and time, and identity calls merged the visitors.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { createProject, type RunningServer, startServer } from '../helpers/server.js';

let dir: string;
let db: string;
let writeKey: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-adapters-'));
  db = join(dir, 'store.duckdb');
  ({ writeKey } = await createProject(db, 'web'));
  server = await startServer(db, ['--project', 'web', '--flush-ms', '100']);
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

async function storedRows(where: string): Promise<Record<string, unknown>[]> {
  const store = await DuckDBStore.open({ path: db });
  try {
    return await store.db.rows(
      `SELECT type, event, distinct_id, user_id, anonymous_id, message_id, ts, properties::VARCHAR AS properties,
              url, referrer, utm_source, device_type
       FROM events WHERE project_id = 'web' AND ${where} ORDER BY ts, event`,
    );
  } finally {
    await store.close();
  }
}

describe('serve: PostHog, GA4 and pixel ingestion', () => {
  it('takes all three, and stores them once stopped', async () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 21, 8, 0, s));
    // PostHog: capture, identify (merges the anonymous id), a page view.
    const posthog = new PostHog(writeKey, { host: server.url, flushAt: 3, flushInterval: 20 });
    posthog.capture({
      distinctId: 'ph-anon',
      event: '$pageview',
      properties: { $current_url: 'https://shop.example/?utm_source=google', $is_identified: false },
      timestamp: at(0),
      uuid: '018f0000-0000-7000-8000-000000000001',
    });
    posthog.capture({
      distinctId: 'ph-anon',
      event: 'Added To Cart',
      properties: { sku: 'A-1', price: 12.5, $is_identified: false },
      timestamp: at(5),
      uuid: '018f0000-0000-7000-8000-000000000002',
    });
    posthog.capture({
      distinctId: 'ph-user',
      event: '$identify',
      properties: { $anon_distinct_id: 'ph-anon', $set: { email: 'p@h.example' } },
      timestamp: at(9),
      uuid: '018f0000-0000-7000-8000-000000000003',
    });
    await posthog.shutdown();

    // GA4 Measurement Protocol (what gtag's server-side users send).
    const ga4 = await fetch(`${server.url}/mp/collect?measurement_id=G-TEST123&api_secret=${writeKey}`, {
      method: 'POST',
      body: JSON.stringify({
        client_id: '555.777',
        user_id: 'ga-user',
        timestamp_micros: at(20).getTime() * 1000,
        user_properties: { tier: { value: 'gold' } },
        events: [
          {
            name: 'page_view',
            params: {
              page_location: 'https://shop.example/landing?utm_source=bing&gclid=abc',
              page_referrer: 'https://www.bing.com/',
              page_title: 'Landing',
            },
          },
          { name: 'purchase', params: { currency: 'EUR', value: 42, transaction_id: 'T-1' } },
        ],
      }),
    });
    expect(ga4.status).toBe(200);

    // The pixel: an e-mail open, with properties, then a hit with a bad key.
    const pixel = await fetch(
      `${server.url}/v1/pixel.gif?k=${writeKey}&e=Email%20Opened&u=mail-user&ts=${at(30).toISOString()}&p.campaign=nov&m=px-1`,
      { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' } },
    );
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    const gif = Buffer.from(await pixel.arrayBuffer());
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect([gif.readUInt16LE(6), gif.readUInt16LE(8)]).toEqual([1, 1]);
    const denied = await fetch(`${server.url}/v1/pixel.gif?k=nope&e=Email%20Opened&u=x`);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('unauthorized');

    await server.stop();
    const rows = await storedRows('true');
    expect(rows.map((r) => [r.type, r.event, r.distinct_id, (r.ts as Date).toISOString()])).toEqual([
      ['page', '$pageview', 'ph-anon', '2026-11-21T08:00:00.000Z'],
      ['track', 'Added To Cart', 'ph-anon', '2026-11-21T08:00:05.000Z'],
      ['identify', '$identify', 'ph-user', '2026-11-21T08:00:09.000Z'],
      ['identify', '$identify', 'ga-user', '2026-11-21T08:00:20.000Z'],
      ['page', '$pageview', 'ga-user', '2026-11-21T08:00:20.000Z'],
      ['track', 'purchase', 'ga-user', '2026-11-21T08:00:20.000Z'],
      ['track', 'Email Opened', 'mail-user', '2026-11-21T08:00:30.000Z'],
    ]);
    const [view, cart] = rows;
    expect(view?.message_id).toBe('018f0000-0000-7000-8000-000000000001');
    expect(view?.anonymous_id).toBe('ph-anon');
    expect(view?.utm_source).toBe('google');
    expect(JSON.parse(String(cart?.properties))).toMatchObject({ sku: 'A-1', price: 12.5 });
    const gaPage = rows[4];
    expect(gaPage?.url).toBe('https://shop.example/landing?utm_source=bing&gclid=abc');
    expect(gaPage?.referrer).toBe('https://www.bing.com/');
    expect(gaPage?.utm_source).toBe('bing');
    expect(JSON.parse(String(rows[5]?.properties))).toEqual({ currency: 'EUR', value: 42, transaction_id: 'T-1' });
    const open = rows[6];
    expect(open?.message_id).toBe('px-1');
    expect(JSON.parse(String(open?.properties))).toEqual({ campaign: 'nov' });
    expect(open?.device_type).toBe('Desktop');

    const store = await DuckDBStore.open({ path: db });
    try {
      expect((await store.getPerson('web', 'ph-anon'))?.distinctIds.sort()).toEqual(['ph-anon', 'ph-user']);
      expect((await store.getPerson('web', 'ph-user'))?.traits).toMatchObject({ email: 'p@h.example' });
      const ga = await store.getPerson('web', '555.777');
      expect(ga?.distinctIds.sort()).toEqual(['555.777', 'ga-user']);
      expect(ga?.traits).toMatchObject({ tier: 'gold' });
    } finally {
      await store.close();
    }
  }, 60_000);
});
