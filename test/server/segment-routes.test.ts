/**
 * The Segment routes' HTTP contract, in process: keys (Basic user or body writeKey; unknown → 401 and nothing
 * stored), text/plain and gzip bodies, the size and count limits (413 / 400 with a message), CORS for browsers,
 * the settings analytics.js boots from, and what a refused item's answer says.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { LiveIngest } from '../../src/store/live-ingest.js';

let dir: string;
let store: DuckDBStore;
let ingest: LiveIngest;
let app: ReturnType<typeof buildApp>;
let writeKey: string;
let basic: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-routes-'));
  store = await DuckDBStore.open({ path: join(dir, 'store.duckdb') });
  ({ writeKey } = await store.createProjectKeys('shop'));
  basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  ingest = await LiveIngest.start(store, { dir: join(dir, 'log'), flushMs: 3_600_000 });
  app = buildApp({ store, ingest, metrics: createMetrics(() => ingest.backlog) });
});
afterAll(async () => {
  await app.close();
  await ingest.stop();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function storedIds(): Promise<string[]> {
  await ingest.storeLogged();
  const rows = await store.db.rows<{ message_id: string }>(
    `SELECT message_id FROM events WHERE project_id = 'shop' ORDER BY message_id`,
  );
  return rows.map((r) => r.message_id);
}

describe('Segment routes', () => {
  it('takes the key as HTTP Basic user or as writeKey in a text/plain body, and refuses unknown keys', async () => {
    const ok1 = await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: basic },
      payload: { userId: 'u', event: 'A', messageId: 'k-1' },
    });
    const ok2 = await app.inject({
      method: 'POST',
      url: '/v1/t',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ writeKey, userId: 'u', event: 'B', messageId: 'k-2' }),
    });
    const unknown = await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: `Basic ${Buffer.from('fs_w_nope:').toString('base64')}` },
      payload: { userId: 'u', event: 'C', messageId: 'k-3' },
    });
    const missing = await app.inject({ method: 'POST', url: '/v1/track', payload: { userId: 'u', event: 'D' } });
    expect([ok1.statusCode, ok2.statusCode, unknown.statusCode, missing.statusCode]).toEqual([200, 200, 401, 401]);
    expect(ok1.json()).toEqual({ success: true });
    expect(unknown.json().error).toMatchObject({ code: 'unauthorized', details: { field: 'writeKey' } });
    expect(await storedIds()).toEqual(['k-1', 'k-2']);
  });

  it('reads gzip bodies, and answers 413 beyond 32 KB a call or 500 KB a batch, 400 beyond 2,500 messages', async () => {
    const zipped = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'Z', messageId: 'z-1' }] })),
    });
    expect(zipped.statusCode).toBe(200);

    const big = { userId: 'u', event: 'Big', properties: { blob: 'x'.repeat(40_000) } };
    const tooBigCall = await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: basic },
      payload: big,
    });
    expect(tooBigCall.statusCode).toBe(413);
    expect(tooBigCall.json().error.code).toBe('payload_too_large');

    // A 600 KB batch, sent gzip-compressed to a few KB: the limit counts the inflated bytes.
    const batch = Array.from({ length: 20 }, (_, i) => ({
      ...big,
      messageId: `big-${i}`,
      properties: { blob: 'y'.repeat(30_000) },
    }));
    const bomb = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify({ batch })),
    });
    expect(bomb.statusCode).toBe(413);

    const many = Array.from({ length: 2501 }, (_, i) => ({
      type: 'track',
      userId: 'u',
      event: 'M',
      messageId: `many-${i}`,
    }));
    const tooMany = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic },
      payload: { batch: many },
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.details.rejected).toEqual([
      { index: 0, field: 'batch', reason: '2501 messages; a batch holds at most 2,500' },
    ]);
    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic, 'content-type': 'application/json' },
      payload: '{"batch": [',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error).toMatchObject({ code: 'invalid_input', details: { field: 'body' } });
    const ids = await storedIds();
    expect(ids).toContain('z-1');
    expect(ids.filter((id) => id.startsWith('big-') || id.startsWith('many-'))).toEqual([]);
  });

  it('stores the valid items of a batch and names the refused ones by index and field', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic },
      payload: {
        batch: [
          { type: 'track', userId: 'u', event: 'Ok', messageId: 'p-0' },
          { type: 'track', userId: 'u', messageId: 'p-1' },
          { type: 'track', event: 'No Id', messageId: 'p-2' },
          { type: 'identify', userId: 'u', messageId: 'p-3', timestamp: '2999-01-01T00:00:00Z' },
          { type: 'page', anonymousId: 'a', messageId: 'p-4' },
        ],
      },
    });
    expect(response.statusCode).toBe(400);
    const error = response.json().error;
    expect(error.details.accepted).toBe(2);
    expect(error.details.rejected.map((r: { index: number; field: string }) => [r.index, r.field])).toEqual([
      [1, 'event'],
      [2, 'userId'],
      [3, 'timestamp'],
    ]);
    expect(error.message).toContain('item 1: event: missing');
    const ids = await storedIds();
    expect(ids.filter((id) => id.startsWith('p-'))).toEqual(['p-0', 'p-4']);
  });

  it('answers CORS preflights and serves the settings analytics.js boots from', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/v1/batch',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('Authorization');
    const settings = await app.inject({
      url: `/v1/projects/${writeKey}/settings`,
      headers: { host: 'events.shop.example' },
    });
    expect(settings.statusCode).toBe(200);
    expect(settings.json().integrations['Segment.io']).toMatchObject({
      apiKey: writeKey,
      apiHost: 'events.shop.example/v1',
    });
    expect((await app.inject({ url: '/v1/projects/fs_w_unknown/settings' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
  });
});
