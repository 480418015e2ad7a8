import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { CountryOfIp } from '../ingest/geoip.js';
import { FunnelscopeError } from '../model/errors.js';
import type { EventColumnSource } from '../store/event-columns.js';
import type { LiveIngest } from '../store/live-ingest.js';
import { scopedColumns, scopedStore } from '../store/project-scope.js';
import type { Store } from '../store/store.js';
import { AccessControl, installAccessControl } from './access.js';
import { toFunnelscopeError } from './error-handler.js';
import type { ServerMetrics } from './metrics.js';
import { adminRoutes } from './routes/admin.js';
import { apiRoutes } from './routes/api.js';
import { authRoutes } from './routes/auth.js';
import { ingestRoutes } from './routes/ingest.js';
import { opsRoutes } from './routes/ops.js';
import { snippetRoutes } from './routes/snippet.js';

export interface AppOptions {
  store: Store;
  ingest: LiveIngest;
  metrics: ServerMetrics;
  /** The event columns the JSON API reads (the store, when it is one); no API routes without. */
  columns?: EventColumnSource;
  /** Thread settings of the API's runs. */
  run?: { threads?: number; parallelMinEvents?: number };
  /** pino options for Fastify's logger, or false for none. */
  logger?: FastifyServerOptions['logger'];
  /** Who may do what (docs/access.md); by default as a server bound to this machine. */
  access?: AccessControl;
  /** The reverse proxies whose X-Forwarded-* headers count: addresses or CIDRs, or true for any (default loopback). */
  trustProxy?: string | boolean;
  /** The country of an IP address (serve --geoip). */
  countryOfIp?: CountryOfIp;
}

/**
 * The HTTP shell: ingestion routes, operations routes, the JSON API over the store and the dashboard (`/`).
 * Bodies may be gzip-compressed; JSON also arrives as text/plain (browsers send it so to skip the CORS preflight).
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    // Requests are counted in /metrics; the log keeps startup, errors and the writer's warnings.
    logController: new LogController({ disableRequestLogging: true }),
    // The largest body a route takes (a batch); routes set their own lower limits.
    bodyLimit: 500 * 1024,
    // X-Forwarded-Proto/-For count only from these proxies (the Secure cookie flag, the sign-in throttle's address).
    trustProxy: options.trustProxy ?? 'loopback',
  });

  app.addHook('preParsing', async (request, _reply, payload) => {
    // posthog-js names its gzip in the query (?compression=gzip-js) rather than in Content-Encoding.
    const named = /[?&]compression=gzip(-js)?(&|$)/.test(request.url) ? 'gzip' : '';
    const encoding = String(request.headers['content-encoding'] ?? named).toLowerCase();
    if (encoding === '' || encoding === 'identity') return payload;
    if (encoding !== 'gzip') {
      throw Object.assign(new Error(`Content-Encoding "${encoding}" is not supported (gzip is)`), {
        statusCode: 415,
        code: 'unsupported_format',
      });
    }
    // The body limit then counts the inflated bytes, so a small bomb cannot grow past it.
    // Fastify checks Content-Length against the bytes received, which the inflated stream reports here.
    const inflated = Object.assign(createGunzip(), { receivedEncodedLength: 0 });
    payload.on('data', (chunk: Buffer) => {
      inflated.receivedEncodedLength += chunk.length;
    });
    payload.on('error', (error) => inflated.destroy(error));
    payload.pipe(inflated);
    return inflated;
  });
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(String(body)));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400, code: 'invalid_json' }), undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const failure = toFunnelscopeError(error);
    if (failure.status >= 500) request.log.error({ err: error }, failure.message);
    if (failure.status === 413) options.metrics.rejected.inc({ reason: 'size' });
    if (failure.code === 'storage_full') {
      options.metrics.rejected.inc({ reason: 'disk_full' });
      void reply.header('Retry-After', '30');
    }
    void reply.status(failure.status).send(failure.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(new FunnelscopeError('not_found', `no route ${request.method} ${request.url}`).toJSON());
  });

  // Each request's caller is checked against what its route declares; handlers run in the caller's project scope,
  // which the store (wrapped here) enforces on every call.
  const control = options.access ?? new AccessControl({ store: options.store, loopback: true });
  const store = scopedStore(options.store);
  void app.register(cookie);
  installAccessControl(app, control);
  // Browsers on customers' sites send events (and load the snippet) from any origin; the API, the sign-in and the
  // dashboard are same-origin only, so another site's page cannot read them through a visitor's browser.
  void app.register(cors, {
    delegator: (request, callback) => {
      const path = request.url ?? '';
      const own = path.startsWith('/api/') || path.startsWith('/auth/') || path === '/metrics';
      callback(null, {
        origin: !own,
        methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        allowedHeaders: ['Content-Type', 'Authorization', 'Content-Encoding'],
        maxAge: 86_400,
      });
    },
  });
  void app.register(opsRoutes, { store, ingest: options.ingest, metrics: options.metrics });
  void app.register(ingestRoutes, {
    store,
    ingest: options.ingest,
    metrics: options.metrics,
    keys: control.keys,
    ...(options.countryOfIp ? { countryOfIp: options.countryOfIp } : {}),
  });
  void app.register(snippetRoutes);
  void app.register(authRoutes, { control });
  void app.register(adminRoutes, { store, control, ingest: options.ingest });
  // The dashboard, when it has been built (npm run build puts it in dist/web): public files (the data comes from
  // the API, which checks its callers).
  const web = fileURLToPath(new URL('../web/', import.meta.url));
  if (existsSync(join(web, 'index.html'))) {
    void app.register(async (files) => {
      files.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), access: 'public' };
      });
      await files.register(fastifyStatic, { root: web, prefix: '/', wildcard: false, index: 'index.html' });
    });
  }
  if (options.columns) {
    void app.register(apiRoutes, {
      columns: scopedColumns(options.columns),
      store,
      backlog: () => options.ingest.backlog,
      ...(options.run ? { run: options.run } : {}),
    });
  }
  return app;
}
