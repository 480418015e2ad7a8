import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';

/** The browser snippet's source, shipped in the package beside dist/ (snippet/fs.js). */
export const snippetUrl = new URL('../../../snippet/fs.js', import.meta.url);

/** `GET /fs.js`: the snippet, gzip-compressed when the browser takes it, cached for an hour, with an ETag. */
export async function snippetRoutes(app: FastifyInstance): Promise<void> {
  const source = readFileSync(snippetUrl);
  const gzipped = gzipSync(source, { level: 9 });
  const etag = `"${createHash('sha256').update(source).digest('base64url').slice(0, 16)}"`;
  app.get('/fs.js', { config: { access: 'public' } }, async (request, reply) => {
    void reply
      .header('Content-Type', 'application/javascript; charset=utf-8')
      .header('Cache-Control', 'public, max-age=3600')
      .header('ETag', etag)
      .header('Vary', 'Accept-Encoding');
    if (request.headers['if-none-match'] === etag) return reply.status(304).send();
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
      return reply.header('Content-Encoding', 'gzip').send(gzipped);
    }
    return reply.send(source);
  });
}
