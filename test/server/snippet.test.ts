/** `GET /fs.js`: the snippet is small (≤ 4 KB gzip, the budget), compressed when asked, and cacheable. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { snippetRoutes, snippetUrl } from '../../src/server/routes/snippet.js';

describe('GET /fs.js', () => {
  it('serves the snippet gzip-compressed within 4 KB, with an ETag that answers 304', async () => {
    const app = Fastify();
    await app.register(snippetRoutes);
    const zipped = await app.inject({ url: '/fs.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(zipped.rawPayload.length).toBeLessThanOrEqual(4096);
    expect(gunzipSync(zipped.rawPayload).equals(readFileSync(snippetUrl))).toBe(true);
    const plain = await app.inject({ url: '/fs.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('funnelscope.js');
    const again = await app.inject({ url: '/fs.js', headers: { 'if-none-match': String(zipped.headers.etag) } });
    expect(again.statusCode).toBe(304);
    await app.close();
  });
});
