/**
 * `funnelscope serve` as a Segment endpoint: the official Node client (@segment/analytics-node) sends every call
 * type to a server started here; after a clean stop the store holds each event with its ids, properties, context
 * and timestamp as sent, the identify merged the anonymous visitor, and the group call named the account.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { createProject, startServer } from '../helpers/server.js';

let dir: string;
let db: string;
let writeKey: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-serve-'));
  db = join(dir, 'store.duckdb');
  ({ writeKey } = await createProject(db, 'shop'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Row {
  message_id: string;
  type: string;
  event: string;
  distinct_id: string;
  user_id: string | null;
  anonymous_id: string | null;
  ts: Date;
  properties: string | null;
  context: string | null;
  utm_source: string | null;
  channel: string | null;
}

describe('serve: Segment HTTP API with @segment/analytics-node', () => {
  it('stores every call type with ids, properties, context and timestamps intact', async () => {
    const server = await startServer(db, ['--project', 'shop', '--flush-ms', '100']);
    const analytics = new Analytics({ writeKey, host: server.url, maxEventsInBatch: 5, flushInterval: 50 });
    const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 9, 0, s));
    analytics.page({
      anonymousId: 'anon-1',
      name: 'Pricing',
      properties: { url: 'https://shop.example/pricing?utm_source=newsletter&utm_medium=email', path: '/pricing' },
      context: {
        campaign: { name: 'winter', source: 'newsletter', medium: 'email' },
        userAgent: 'Mozilla/5.0 (iPhone)',
      },
      timestamp: at(0),
    });
    analytics.track({
      anonymousId: 'anon-1',
      event: 'Signup Started',
      properties: { plan: 'pro', seats: 3, trial: true, tags: ['a', 'b'] },
      timestamp: at(10),
    });
    analytics.identify({
      userId: 'user-1',
      anonymousId: 'anon-1',
      traits: { email: 'a@b.example', plan: 'pro' },
      timestamp: at(20),
    });
    analytics.group({
      userId: 'user-1',
      groupId: 'acme',
      traits: { name: 'Acme Inc', employees: 40 },
      timestamp: at(30),
    });
    analytics.track({ userId: 'user-1', event: 'Order Completed', properties: { revenue: 99.5 }, timestamp: at(40) });
    analytics.alias({ userId: 'user-1', previousId: 'legacy-7', timestamp: at(50) });
    analytics.screen({ userId: 'user-1', name: 'Home', timestamp: at(60) });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(await server.stop()).toBe(0);

    const store = await DuckDBStore.open({ path: db });
    try {
      const rows = await store.db.rows<Row>(
        `SELECT message_id, type, event, distinct_id, user_id, anonymous_id, ts, properties::VARCHAR AS properties,
                context::VARCHAR AS context, utm_source, channel
         FROM events WHERE project_id = 'shop' ORDER BY ts`,
      );
      expect(rows.map((r) => [r.type, r.event, r.distinct_id, r.ts.toISOString()])).toEqual([
        ['page', '$pageview', 'anon-1', '2026-11-20T09:00:00.000Z'],
        ['track', 'Signup Started', 'anon-1', '2026-11-20T09:00:10.000Z'],
        ['identify', '$identify', 'user-1', '2026-11-20T09:00:20.000Z'],
        ['group', '$groupidentify', 'user-1', '2026-11-20T09:00:30.000Z'],
        ['track', 'Order Completed', 'user-1', '2026-11-20T09:00:40.000Z'],
        ['alias', '$create_alias', 'user-1', '2026-11-20T09:00:50.000Z'],
        ['screen', '$screen', 'user-1', '2026-11-20T09:01:00.000Z'],
      ]);
      // The client's message ids are kept (it makes one per call).
      expect(new Set(rows.map((r) => r.message_id)).size).toBe(7);
      expect(rows.every((r) => r.message_id.length > 10 && !r.message_id.startsWith('fs-'))).toBe(true);
      const signup = rows[1] as Row;
      expect(JSON.parse(signup.properties ?? '{}')).toEqual({ plan: 'pro', seats: 3, trial: true, tags: ['a', 'b'] });
      const page = rows[0] as Row;
      expect(page.utm_source).toBe('newsletter');
      expect(page.channel).toBe('Email');
      // A server-side track call has no web context: no channel.
      expect((rows[4] as Row).channel).toBeNull();
      const context = JSON.parse(page.context ?? '{}');
      expect(context.campaign).toEqual({ name: 'winter', source: 'newsletter', medium: 'email' });
      expect(context.userAgent).toBe('Mozilla/5.0 (iPhone)');
      expect(context.library?.name).toBe('@segment/analytics-node');

      // identify merged the anonymous visitor, alias the legacy id: one person with three ids.
      const person = await store.getPerson('shop', 'anon-1');
      expect(person?.distinctIds.sort()).toEqual(['anon-1', 'legacy-7', 'user-1']);
      expect(person?.traits).toMatchObject({ email: 'a@b.example', plan: 'pro' });
      expect(person?.groups).toEqual({ company: ['acme'] });
    } finally {
      await store.close();
    }
  }, 60_000);
});
