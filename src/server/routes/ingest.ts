import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ga4Messages } from '../../ingest/ga4.js';
import type { CountryOfIp } from '../../ingest/geoip.js';
import { pixelGif, pixelMessages, pixelWriteKey } from '../../ingest/pixel.js';
import { posthogApiKey, posthogMessages } from '../../ingest/posthog.js';
import {
  type Checked,
  type ItemRejection,
  type LiveMessage,
  maxBatchBytes,
  maxEventBytes,
  segmentMessages,
  segmentPaths,
} from '../../ingest/segment.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { LiveIngest } from '../../store/live-ingest.js';
import type { Store } from '../../store/store.js';
import type { KeyCache } from '../key-cache.js';
import type { ServerMetrics } from '../metrics.js';

export interface IngestRouteOptions {
  store: Store;
  ingest: LiveIngest;
  metrics: ServerMetrics;
  /** Keys → owners (the server's one cache, which the admin routes make forget revoked keys). */
  keys: KeyCache;
  /** The country of an IP address (serve --geoip); without it, only a CDN's country header gives one. */
  countryOfIp?: CountryOfIp;
}

/** Seconds a refused client is asked to wait when the writer is behind. */
const retryAfterSeconds = 5;

/** The project of a live write key (a read or admin key sends no events). */
async function writeKeyProject(keys: KeyCache, key: string): Promise<string | undefined> {
  const owner = await keys.owner(key);
  return owner?.role === 'write' ? owner.project : undefined;
}

/** The write key of a Segment call: HTTP Basic user (password empty) or `writeKey` in the body. */
export function segmentWriteKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const user = decoded.split(':')[0];
    if (user) return user;
  }
  const body = request.body as { writeKey?: unknown } | undefined;
  return typeof body?.writeKey === 'string' && body.writeKey !== '' ? body.writeKey : undefined;
}

/** What every ingestion route does once it has a key and a body: authorise, check, log, answer. */
export async function acceptMessages(
  options: IngestRouteOptions,
  source: string,
  key: string | undefined,
  check: () => Checked,
  reply: FastifyReply,
): Promise<{ accepted: number; rejected: ItemRejection[] }> {
  const { ingest, metrics } = options;
  const project = key ? await writeKeyProject(options.keys, key) : undefined;
  if (!project) {
    metrics.rejected.inc({ reason: 'auth' });
    throw new FunnelscopeError(
      'unauthorized',
      key ? 'unknown or revoked write key' : 'missing write key (HTTP Basic user, or writeKey in the body)',
      { field: 'writeKey' },
    );
  }
  if (ingest.overloaded) {
    metrics.rejected.inc({ reason: 'overload' });
    void reply.header('Retry-After', String(retryAfterSeconds));
    throw new FunnelscopeError('unavailable', `the writer is behind; retry in ${retryAfterSeconds} s`, {
      backlog: ingest.backlog,
    });
  }
  const { messages, rejected } = check();
  const fromHeader = countryOf(reply.request);
  for (const message of messages) {
    // A server-side SDK relays its visitor's address in context.ip; else the address is the caller's own.
    const ip = typeof message.context?.ip === 'string' ? message.context.ip : reply.request.ip;
    const country = fromHeader ?? options.countryOfIp?.(ip);
    if (country) addCountry(message, country);
  }
  metrics.received.inc({ source }, messages.length + rejected.length);
  for (const r of rejected) metrics.rejected.inc({ reason: r.field });
  if (messages.length > 0) {
    const stop = metrics.ackSeconds.startTimer();
    await ingest.append(project, messages);
    stop();
    metrics.accepted.inc({ source }, messages.length);
  }
  return { accepted: messages.length, rejected };
}

/**
 * The visitor's country as a CDN or proxy in front of the server says it (Cloudflare, CloudFront, Vercel, App
 * Engine, or a plain X-Country-Code). The server stores no IP address (docs/privacy.md), so this, or the country
 * database of `serve --geoip`, is where a country comes from when the client sends none.
 */
const countryHeaders = [
  'cf-ipcountry',
  'cloudfront-viewer-country',
  'x-vercel-ip-country',
  'x-appengine-country',
  'x-country-code',
];

export function countryOf(request: FastifyRequest): string | undefined {
  for (const name of countryHeaders) {
    const value = request.headers[name];
    const code = (Array.isArray(value) ? value[0] : value)?.trim().toUpperCase();
    // XX and T1 (Tor) are Cloudflare's "unknown".
    if (code && /^[A-Z]{2}$/.test(code) && code !== 'XX') return code;
  }
  return undefined;
}

/** Sets `context.location.country` unless the message names a country already. */
function addCountry(message: LiveMessage, country: string): void {
  if (message.properties?.$geoip_country_code !== undefined || message.properties?.country !== undefined) return;
  const context = message.context ?? {};
  const location = (context.location ?? {}) as Record<string, unknown>;
  if (location.country !== undefined) return;
  message.context = { ...context, location: { ...location, country } };
}

/** 200 `{success: true}` when every message was taken; else 400 naming each refused item (the rest are stored). */
export function answer(reply: FastifyReply, result: { accepted: number; rejected: ItemRejection[] }): FastifyReply {
  if (result.rejected.length === 0) return reply.send({ success: true });
  const first = result.rejected[0] as ItemRejection;
  const more = result.rejected.length > 1 ? ` (and ${result.rejected.length - 1} more)` : '';
  const error = new FunnelscopeError(
    'invalid_input',
    `${result.rejected.length} message(s) refused, ${result.accepted} stored: item ${first.index}: ${first.field}: ${first.reason}${more}`,
    { field: first.field, index: first.index, accepted: result.accepted, rejected: result.rejected },
  );
  return reply.status(400).send(error.toJSON());
}

/** The Segment HTTP Tracking API: `/v1/<call>` and analytics.js's short paths, plus the settings it boots from. */
export async function ingestRoutes(app: FastifyInstance, options: IngestRouteOptions): Promise<void> {
  for (const [path, call] of Object.entries(segmentPaths)) {
    app.post(
      `/v1/${path}`,
      { bodyLimit: call === 'batch' ? maxBatchBytes : maxEventBytes, config: { access: 'ingest' } },
      async (request, reply) => {
        const received = Date.now();
        const result = await acceptMessages(
          options,
          'segment',
          segmentWriteKey(request),
          () => segmentMessages(request.body, call, received),
          reply,
        );
        return answer(reply, result);
      },
    );
  }

  // PostHog capture: the project key is the body's api_key (or token); posthog-js may gzip without saying so in
  // a header, naming it in ?compression=gzip-js instead (then the body arrives as bytes).
  for (const path of ['/batch/', '/capture/', '/e/', '/i/v0/e/', '/batch', '/capture', '/e', '/i/v0/e']) {
    app.post<{ Querystring: { compression?: string } }>(
      path,
      { bodyLimit: maxBatchBytes * 4, config: { access: 'ingest' } },
      async (request, reply) => {
        const received = Date.now();
        const body = request.body;
        const result = await acceptMessages(
          options,
          'posthog',
          posthogApiKey(body),
          () => posthogMessages(body, received),
          reply,
        );
        if (result.rejected.length > 0) return answer(reply, result);
        return reply.send({ status: 1 });
      },
    );
  }

  // GA4 Measurement Protocol: the api_secret is the project's write key.
  app.post<{ Querystring: { measurement_id?: string; api_secret?: string } }>(
    '/mp/collect',
    { bodyLimit: 130 * 1024, config: { access: 'ingest' } },
    async (request, reply) => {
      const received = Date.now();
      const measurementId = request.query.measurement_id ?? '';
      const result = await acceptMessages(
        options,
        'ga4',
        request.query.api_secret,
        () => ga4Messages(request.body, measurementId, received),
        reply,
      );
      return answer(reply, result);
    },
  );

  // The tracking pixel: a 1×1 GIF once the hit is durable; a JSON error otherwise.
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/v1/pixel.gif',
    { config: { access: 'ingest' } },
    async (request, reply) => {
      const received = Date.now();
      const result = await acceptMessages(
        options,
        'pixel',
        pixelWriteKey(request.query),
        () =>
          pixelMessages(request.query, received, {
            userAgent: request.headers['user-agent'],
            referer: request.headers.referer,
          }),
        reply,
      );
      if (result.rejected.length > 0) return answer(reply, result);
      return reply
        .header('Content-Type', 'image/gif')
        .header('Cache-Control', 'no-store, no-cache, must-revalidate, max-age=0')
        .send(pixelGif);
    },
  );

  // What analytics.js asks for before it sends anything: its own integration, pointed back at this server.
  app.get<{ Params: { writeKey: string } }>(
    '/v1/projects/:writeKey/settings',
    { config: { access: 'ingest' } },
    async (request, reply) => {
      const project = await writeKeyProject(options.keys, request.params.writeKey);
      if (!project) {
        throw new FunnelscopeError('not_found', 'unknown write key', { field: 'writeKey' });
      }
      const host = request.headers.host ?? `${request.hostname}`;
      return reply.send({
        integrations: {
          'Segment.io': {
            apiKey: request.params.writeKey,
            apiHost: `${host}/v1`,
            protocol: request.protocol,
            unbundledIntegrations: [],
            addBundledMetadata: true,
          },
        },
        plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } } },
        edgeFunction: {},
        analyticsNextEnabled: true,
        middlewareSettings: {},
        enabledMiddleware: {},
        metrics: { sampleRate: 0 },
        legacyVideoPluginsEnabled: false,
        remotePlugins: [],
      });
    },
  );
}
