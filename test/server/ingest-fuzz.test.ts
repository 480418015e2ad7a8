/**
 * Bad input never breaks the receiver: 6,000 random and mutated payloads (random JSON, valid messages with fields
 * replaced or dropped, raw text, broken gzip, random pixel and GA4 queries) go to every ingestion route of an
 * in-process server over a real store. Every answer is a 2xx or 4xx with a JSON body (a GIF for a good pixel hit),
 * never a 5xx; and the valid batches sent in between are all stored.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { LiveIngest } from '../../src/store/live-ingest.js';

let dir: string;
let store: DuckDBStore;
let ingest: LiveIngest;
let writeKey: string;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-fuzz-'));
  store = await DuckDBStore.open({ path: join(dir, 'store.duckdb') });
  ({ writeKey } = await store.createProjectKeys('default'));
  ingest = await LiveIngest.start(store, { dir: join(dir, 'log'), flushMs: 100 });
  app = buildApp({ store, ingest, metrics: createMetrics(() => ingest.backlog) });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await ingest.stop();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const validMessage = fc.record({
  type: fc.constantFrom('track', 'page', 'identify', 'screen', 'group', 'alias'),
  userId: fc.string({ minLength: 1, maxLength: 8 }),
  anonymousId: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  event: fc.string({ minLength: 1, maxLength: 12 }),
  groupId: fc.string({ minLength: 1, maxLength: 5 }),
  previousId: fc.string({ minLength: 1, maxLength: 5 }),
  timestamp: fc
    .date({ min: new Date('2020-01-01'), max: new Date('2026-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  properties: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
});

/** A valid message with one field replaced by anything, or dropped. */
const mutatedMessage = fc
  .tuple(
    validMessage,
    fc.constantFrom(
      'type',
      'userId',
      'anonymousId',
      'event',
      'timestamp',
      'properties',
      'context',
      'messageId',
      'traits',
    ),
    fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
  )
  .map(([message, field, value]) => ({ ...message, [field]: value }));

const segmentPaths = [
  '/v1/track',
  '/v1/page',
  '/v1/identify',
  '/v1/batch',
  '/v1/b',
  '/v1/t',
  '/v1/import',
  '/v1/alias',
];
const posthogPaths = ['/batch/', '/capture/', '/e/', '/i/v0/e/'];

type Case = {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
};

const auth = () => ({ authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` });

const caseArbitrary: fc.Arbitrary<Case> = fc.oneof(
  // Random JSON to any Segment route.
  fc.tuple(fc.constantFrom(...segmentPaths), fc.jsonValue({ maxDepth: 4 })).map(([url, body]) => ({
    method: 'POST' as const,
    url,
    headers: { ...auth(), 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  })),
  // Mutated messages, alone or in batches with a top-level context.
  fc
    .tuple(fc.array(fc.oneof(validMessage, mutatedMessage), { maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }))
    .map(([batch, context]) => ({
      method: 'POST' as const,
      url: '/v1/batch',
      headers: { ...auth(), 'content-type': 'text/plain' },
      payload: JSON.stringify({ batch, context }),
    })),
  mutatedMessage.map((message) => ({
    method: 'POST' as const,
    url: `/v1/${String(message.type ?? 'track')}`.replace(/[^a-z/0-9]/gi, ''),
    headers: { ...auth(), 'content-type': 'application/json' },
    payload: JSON.stringify(message),
  })),
  // Raw text, a wrong or missing key, a wrong content type.
  fc
    .tuple(
      fc.constantFrom(...segmentPaths, ...posthogPaths, '/mp/collect'),
      fc.string({ maxLength: 200 }),
      fc.boolean(),
    )
    .map(([url, text, keyed]) => ({
      method: 'POST' as const,
      url,
      headers: { ...(keyed ? auth() : { authorization: 'Basic bm9wZTo=' }), 'content-type': 'text/plain' },
      payload: text,
    })),
  // Bytes that claim to be gzip, and gzip of random JSON.
  fc
    .tuple(fc.constantFrom('/v1/batch', '/batch/'), fc.uint8Array({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }))
    .map(([url, bytes, body]) => ({
      method: 'POST' as const,
      url,
      headers: { ...auth(), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: bytes.length % 2 === 0 ? Buffer.from(bytes) : gzipSync(JSON.stringify(body)),
    })),
  // PostHog bodies: random events with the key.
  fc
    .array(
      fc.record({
        event: fc.jsonValue({ maxDepth: 1 }),
        properties: fc.jsonValue({ maxDepth: 2 }),
        distinct_id: fc.jsonValue({ maxDepth: 1 }),
        timestamp: fc.jsonValue({ maxDepth: 1 }),
      }),
      { maxLength: 4 },
    )
    .map((batch) => ({
      method: 'POST' as const,
      url: '/batch/',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ api_key: writeKey, batch }),
    })),
  // GA4 with random events and queries.
  fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 20 })).map(([events, id]) => ({
    method: 'POST' as const,
    url: `/mp/collect?measurement_id=${encodeURIComponent(id)}&api_secret=${writeKey}`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ client_id: id, events }),
  })),
  // Pixel hits with random query strings.
  fc
    .dictionary(fc.constantFrom('e', 'u', 'a', 't', 'ts', 'm', 'p.x', 'url', 'data', 'n'), fc.string({ maxLength: 30 }))
    .map((query) => ({
      method: 'GET' as const,
      url: `/v1/pixel.gif?k=${writeKey}&${new URLSearchParams(query).toString()}`,
      headers: {},
    })),
);

describe('ingestion under random and mutated input', () => {
  it('answers 2xx/4xx with JSON, never fails, and stores the valid batches sent in between', async () => {
    const cases = fc.sample(caseArbitrary, { numRuns: 6000, seed: 20261128 });
    const validIds: string[] = [];
    const statuses = new Map<number, number>();
    for (let start = 0; start < cases.length; start += 50) {
      const group = cases.slice(start, start + 50);
      // A known-good batch in every group of 50.
      const ids = [0, 1, 2].map((i) => `fuzz-valid-${start}-${i}`);
      validIds.push(...ids);
      const good = {
        method: 'POST' as const,
        url: '/v1/batch',
        headers: { ...auth(), 'content-type': 'application/json' },
        payload: JSON.stringify({
          batch: ids.map((messageId) => ({ type: 'track', event: 'Fuzz Valid', userId: 'v', messageId })),
        }),
      };
      const responses = await Promise.all([...group, good].map((c) => app.inject(c)));
      responses.forEach((response, i) => {
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const c = [...group, good][i] as Case;
        const where = `${c.method} ${c.url} ${String(c.payload ?? '').slice(0, 200)}`;
        expect(response.statusCode, where).toBeGreaterThanOrEqual(200);
        expect(response.statusCode, where).toBeLessThan(500);
        if (response.headers['content-type'] === 'image/gif') return;
        expect(() => JSON.parse(response.body), where).not.toThrow();
      });
      expect(responses.at(-1)?.statusCode).toBe(200);
    }
    // Both outcomes happened a good many times (the generators reach the good and the bad paths).
    expect(statuses.get(200) ?? 0).toBeGreaterThan(500);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(500);

    await ingest.storeLogged();
    const stored = await store.db.rows<{ message_id: string }>(
      `SELECT message_id FROM events WHERE project_id = 'default' AND event = 'Fuzz Valid'`,
    );
    expect(new Set(stored.map((r) => r.message_id))).toEqual(new Set(validIds));
  }, 300_000);
});
