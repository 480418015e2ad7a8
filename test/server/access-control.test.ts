/**
 * Access control over every route of the server (docs/access.md). The table is the server's own list of routes,
 * so a route added without an access declaration, or one that lets a caller through without the right key, fails
 * here: each route is called with no credentials, a made-up key, a key of the wrong role and a key of another
 * project, and must refuse each; then with the right key it must get past the check.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putUser } from '../../src/access/accounts.js';
import { AccessControl } from '../../src/server/access.js';
import { buildApp } from '../../src/server/app.js';
import { createMetrics } from '../../src/server/metrics.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { LiveIngest } from '../../src/store/live-ingest.js';
import { scopedColumns, scopedStore, withProjectScope } from '../../src/store/project-scope.js';

let dir: string;
let store: DuckDBStore;
let ingest: LiveIngest;
let app: FastifyInstance;
let control: AccessControl;
let clock = Date.parse('2026-11-29T12:00:00Z');
const keys: Record<string, string> = {};
const password = 'correct horse battery';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-access-'));
  store = await DuckDBStore.open({ path: join(dir, 'store.duckdb') });
  for (const [name, project, role] of [
    ['shopWrite', 'shop', 'write'],
    ['shopRead', 'shop', 'read'],
    ['shopAdmin', 'shop', 'admin'],
    ['otherAdmin', 'other', 'admin'],
    ['otherWrite', 'other', 'write'],
  ] as const) {
    keys[name] = (await store.createApiKey(project, role, name)).key;
  }
  const revoked = await store.createApiKey('shop', 'admin', 'revoked');
  await store.revokeApiKey('shop', revoked.info.id);
  keys.revoked = revoked.key;
  await putUser(store, { email: 'admin@shop.io', role: 'admin', password, projects: null }, 'test');
  await putUser(store, { email: 'viewer@shop.io', role: 'viewer', password, projects: ['shop'] }, 'test');
  await putUser(store, { email: 'analyst@shop.io', role: 'analyst', password, projects: ['shop'] }, 'test');
  ingest = await LiveIngest.start(store, { dir: join(dir, 'log'), flushMs: 3_600_000 });
  control = new AccessControl({ store, loopback: true, now: () => clock });
  app = buildApp({ store, ingest, metrics: createMetrics(() => ingest.backlog), columns: store, access: control });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await ingest.stop();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

interface Route {
  method: string;
  url: string;
  access: string | undefined;
}

function routes(): Route[] {
  const seen = new Map<string, Route>();
  for (const route of control.routes) {
    for (const method of [route.method].flat()) {
      if (method === 'OPTIONS') continue;
      seen.set(`${method} ${route.url}`, { method, url: route.url, access: route.config?.access });
    }
  }
  return [...seen.values()];
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A request to the route with a key placed where that route takes one (the ingestion routes have their own). */
function request(route: Route, key: string | undefined, project?: string): InjectOptions {
  const url = route.url
    .replace(':id', 'abc')
    .replace(':email', 'nobody%40shop.io')
    .replace(':writeKey', key ?? 'none');
  const query = project ? `?project=${project}` : '';
  const base = { method: route.method as InjectOptions['method'], url: `${url}${query}` };
  if (route.access !== 'ingest')
    return {
      ...base,
      headers: key ? bearer(key) : {},
      ...(route.method === 'GET' || route.method === 'HEAD' || route.method === 'DELETE' ? {} : { payload: {} }),
    };
  const message = { type: 'track', event: 'e', userId: 'u' };
  if (url.startsWith('/v1/pixel.gif')) return { ...base, url: `/v1/pixel.gif?e=e&u=u${key ? `&k=${key}` : ''}` };
  if (url.startsWith('/v1/projects/')) return base;
  if (url.startsWith('/mp/collect'))
    return {
      ...base,
      url: `/mp/collect?measurement_id=G-1${key ? `&api_secret=${key}` : ''}`,
      payload: { client_id: 'c', events: [{ name: 'e' }] },
    };
  if (url.startsWith('/v1/'))
    return {
      ...base,
      headers: key ? { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` } : {},
      payload: url === '/v1/batch' ? { batch: [message] } : message,
    };
  return { ...base, payload: { ...(key ? { api_key: key } : {}), event: 'e', distinct_id: 'u' } };
}

describe('every route', () => {
  it('declares who may call it', () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(60);
    const undeclared = all.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
    // The public ones are few and hold no customer data.
    const open = all.filter((r) => r.access === 'public' && !r.url.includes('.') && r.url !== '/');
    expect(open.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      'GET /auth/session',
      'GET /health',
      'GET /ready',
      'HEAD /auth/session',
      'HEAD /health',
      'HEAD /ready',
      'POST /auth/login',
    ]);
  });

  it('refuses a missing, made-up, revoked, wrong-role or wrong-project key', async () => {
    const refusals: string[] = [];
    const expectStatus = async (route: Route, options: InjectOptions, statuses: number[], what: string) => {
      const response = await app.inject(options);
      if (!statuses.includes(response.statusCode)) {
        refusals.push(
          `${route.method} ${route.url} with ${what}: ${response.statusCode} ${response.body.slice(0, 160)}`,
        );
      }
    };
    let checked = 0;
    for (const route of routes()) {
      if (route.access === 'public' || route.access === undefined) continue;
      checked += 1;
      const missing = route.url.includes(':writeKey') ? [404] : [401];
      await expectStatus(route, request(route, undefined), missing, 'no key');
      await expectStatus(route, request(route, 'fs_a_madeUpKeyThatNobodyHas000000000000000'), missing, 'a made-up key');
      await expectStatus(route, request(route, keys.revoked), missing, 'a revoked key');
      if (route.access === 'ingest') {
        // Reading keys do not send events (401: the route knows only write keys). The settings analytics.js boots
        // from answer 404 for a key that is not a write key, as Segment's own CDN does.
        const refused = route.url.includes(':writeKey') ? [404] : [401];
        await expectStatus(route, request(route, keys.shopRead), refused, 'a read key');
        await expectStatus(route, request(route, keys.shopAdmin), refused, 'an admin key');
        continue;
      }
      await expectStatus(route, request(route, keys.shopWrite), [403], 'a write key');
      if (route.access === 'edit' || route.access === 'admin') {
        await expectStatus(route, request(route, keys.shopRead), [403], 'a read key');
      }
      if (route.access === 'server-admin') {
        await expectStatus(route, request(route, keys.shopAdmin), [403], 'a project admin key');
      } else if (route.access !== 'metrics') {
        await expectStatus(route, request(route, keys.otherAdmin, 'shop'), [403], "another project's admin key");
      }
    }
    expect(refusals).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('lets the right key through (the check is not a blanket refusal)', async () => {
    const passed: string[] = [];
    for (const route of routes()) {
      // Server-wide and signed-in routes take a user, not a key (checked with sessions below).
      if (['public', 'server-admin', 'signed-in', undefined].includes(route.access)) continue;
      const key = route.access === 'ingest' ? keys.shopWrite : keys.shopAdmin;
      const response = await app.inject(request(route, key, route.access === 'ingest' ? undefined : 'shop'));
      if (response.statusCode === 401 || response.statusCode === 403)
        passed.push(`${route.method} ${route.url}: ${response.body}`);
    }
    expect(passed).toEqual([]);
  });
});

async function signIn(email: string, headers: Record<string, string> = {}) {
  const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { email, password }, headers });
  const cookie = String(response.headers['set-cookie'] ?? '');
  return {
    response,
    cookie: cookie.split(';')[0] as string,
    setCookie: cookie,
    csrf: response.json().csrfToken as string,
  };
}

describe('sign-in', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie, Secure over HTTPS, and refuses plain HTTP off this machine', async () => {
    const local = await signIn('admin@shop.io');
    expect(local.response.statusCode).toBe(200);
    expect(local.setCookie).toMatch(/^fs_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const https = await signIn('admin@shop.io', { 'x-forwarded-proto': 'https', host: 'funnels.example.com' });
    expect(https.response.statusCode).toBe(200);
    expect(https.setCookie).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    const plain = await signIn('admin@shop.io', { host: 'funnels.example.com' });
    expect(plain.response.statusCode).toBe(403);
    expect(plain.response.json().error.message).toMatch(/HTTPS/);
    expect(plain.response.headers['set-cookie']).toBeUndefined();
  });

  it('needs the CSRF token for changes, refuses other origins, and ends with sign-out', async () => {
    const { cookie, csrf } = await signIn('analyst@shop.io');
    const save = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/api/funnels?project=shop',
        headers: { cookie, ...headers },
        payload: { name: 'Signup', definition: { steps: [{ event: 'a' }, { event: 'b' }] } },
      });
    expect(
      (await app.inject({ method: 'GET', url: '/api/funnels?project=shop', headers: { cookie } })).statusCode,
    ).toBe(200);
    expect((await save({})).statusCode).toBe(403);
    expect((await save({ 'x-csrf-token': `${csrf.slice(0, -1)}x` })).statusCode).toBe(403);
    expect((await save({ 'x-csrf-token': csrf, origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await save({ 'x-csrf-token': csrf, origin: 'http://localhost:80' })).statusCode).toBe(201);
    // The analyst may not administer, nor reach another project.
    expect((await app.inject({ method: 'GET', url: '/api/keys?project=shop', headers: { cookie } })).statusCode).toBe(
      403,
    );
    expect(
      (await app.inject({ method: 'GET', url: '/api/funnels?project=other', headers: { cookie } })).statusCode,
    ).toBe(403);
    const out = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(
      (await app.inject({ method: 'GET', url: '/api/funnels?project=shop', headers: { cookie } })).statusCode,
    ).toBe(401);
  });

  it('a viewer reads but does not change', async () => {
    const { cookie, csrf } = await signIn('viewer@shop.io');
    expect((await app.inject({ method: 'GET', url: '/api/goals', headers: { cookie } })).statusCode).toBe(200);
    const add = await app.inject({
      method: 'POST',
      url: '/api/goals',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { metric: 'conversion_rate', target: 0.1, period: 'month' },
    });
    expect(add.statusCode).toBe(403);
    expect(add.json().error.code).toBe('forbidden');
  });

  it('backs off after repeated failures, even for the right password, and lets in again after the wait', async () => {
    const attempt = (pw: string, address = '10.0.0.7') =>
      app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'viewer@shop.io', password: pw },
        remoteAddress: address,
      });
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await attempt('wrong password!')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    clock += 10; // the sixth failure locks the account for 1 s
    expect((await attempt('wrong password!')).statusCode).toBe(401);
    const locked = await attempt(password);
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBe('1');
    expect((await attempt(password, '10.0.0.8')).statusCode).toBe(429); // the account, from anywhere
    clock += 1_000;
    expect((await attempt('wrong password!')).statusCode).toBe(401); // the seventh: 2 s now
    clock += 1_999;
    expect((await attempt(password)).statusCode).toBe(429);
    clock += 1;
    expect((await attempt(password)).statusCode).toBe(200);
    // A success clears the account's count.
    expect((await attempt('wrong password!')).statusCode).toBe(401);
    expect((await attempt(password)).statusCode).toBe(200);
  });

  it('gives the same answer for an unknown email as for a wrong password', async () => {
    const unknown = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'ghost@shop.io', password },
      remoteAddress: '10.0.0.9',
    });
    const wrong = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'admin@shop.io', password: 'not it at all' },
      remoteAddress: '10.0.0.9',
    });
    expect([unknown.statusCode, wrong.statusCode]).toEqual([401, 401]);
    expect(unknown.json().error.message).toBe(wrong.json().error.message);
  });
});

describe('administration', () => {
  it('makes and revokes keys, audited; a revoked key stops at once', async () => {
    const made = await app.inject({
      method: 'POST',
      url: '/api/keys?project=shop',
      headers: bearer(keys.shopAdmin as string),
      payload: { role: 'read', label: 'BI tool' },
    });
    expect(made.statusCode).toBe(201);
    const { key, id } = made.json() as { key: string; id: string };
    expect((await app.inject({ method: 'GET', url: '/api/funnels', headers: bearer(key) })).statusCode).toBe(200);
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/keys/${id}?project=shop`,
      headers: bearer(keys.shopAdmin as string),
    });
    expect(revoke.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/funnels', headers: bearer(key) })).statusCode).toBe(401);
    const audit = await app.inject({
      method: 'GET',
      url: '/api/audit?project=shop',
      headers: bearer(keys.shopAdmin as string),
    });
    const actions = (audit.json().entries as { action: string; target: string; actor: string }[]).slice(0, 2);
    expect(actions.map((e) => [e.action, e.target])).toEqual([
      ['key.revoke', id],
      ['key.create', id],
    ]);
    // Only the stored hash: the key itself is nowhere in the store.
    const listed = await store.listApiKeys('shop');
    expect(JSON.stringify(listed)).not.toContain(key);
  });

  it('a revoked write key stops sending events once the server forgets it', async () => {
    const made = await store.createApiKey('shop', 'write', 'soon revoked');
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { authorization: `Basic ${Buffer.from(`${made.key}:`).toString('base64')}` },
        payload: { type: 'track', event: 'e', userId: 'u' },
      });
    expect((await send()).statusCode).toBe(200);
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/keys/${made.info.id}?project=shop`,
      headers: bearer(keys.shopAdmin as string),
    });
    expect(revoke.statusCode).toBe(204);
    expect((await send()).statusCode).toBe(401);
  });

  it('an admin cannot remove the last admin', async () => {
    const { cookie, csrf } = await signIn('admin@shop.io');
    const response = await app.inject({
      method: 'DELETE',
      url: '/api/users/admin%40shop.io',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/last admin/);
  });
});

describe('the store in a request scope', () => {
  it('refuses calls about a project the caller was not granted, whatever the route asks', async () => {
    const scoped = scopedStore(store);
    const columns = scopedColumns(store);
    const scope = { projects: ['shop'], actor: 'key:abc' };
    await expect(withProjectScope(scope, () => scoped.listFunnels('shop'))).resolves.toBeDefined();
    await expect(withProjectScope(scope, () => scoped.listFunnels('other'))).rejects.toThrow(
      /no access to project other/,
    );
    await expect(withProjectScope(scope, () => columns.dataVersion('other'))).rejects.toThrow(
      /no access to project other/,
    );
    await expect(withProjectScope(scope, () => scoped.listUsers())).rejects.toThrow(/server-wide/);
    await expect(withProjectScope(scope, () => scoped.auditLog(null, 5))).rejects.toThrow(/server-wide/);
    await expect(
      withProjectScope(scope, () => scoped.importFile('events', 'x.csv', { project: 'other' } as never)),
    ).rejects.toThrow(/other/);
    // The scope follows awaits (a later call in the same request is still scoped).
    await expect(
      withProjectScope(scope, async () => {
        await scoped.listFunnels('shop');
        await new Promise((r) => setTimeout(r, 5));
        return scoped.listGoals('other');
      }),
    ).rejects.toThrow(/no access/);
    // Outside any request (the CLI, the writer) nothing is limited.
    await expect(scoped.listFunnels('other')).resolves.toEqual([]);
  });
});

describe('a server bound to this machine with no users', () => {
  it('is open to local callers only: not to another Host (DNS rebinding) nor to another site’s page', async () => {
    const openDir = await mkdtemp(join(tmpdir(), 'fs-access-open-'));
    const openStore = await DuckDBStore.open({ path: join(openDir, 'store.duckdb') });
    const openIngest = await LiveIngest.start(openStore, { dir: join(openDir, 'log'), flushMs: 3_600_000 });
    const openApp = buildApp({
      store: openStore,
      ingest: openIngest,
      metrics: createMetrics(() => 0),
      columns: openStore,
    });
    try {
      const call = (headers: Record<string, string>, method: 'GET' | 'POST' = 'GET') =>
        openApp.inject({
          method,
          url: '/api/funnels?project=shop',
          headers,
          ...(method === 'POST' ? { payload: { name: 'n', definition: { steps: [{ event: 'a' }] } } } : {}),
        });
      expect((await call({})).statusCode).toBe(200);
      expect((await call({ host: '127.0.0.1:8080' })).statusCode).toBe(200);
      expect((await call({ host: 'attacker.example:8080' })).statusCode).toBe(403);
      expect((await call({ origin: 'https://attacker.example' }, 'POST')).statusCode).toBe(403);
      expect((await call({ origin: 'http://localhost:80' }, 'POST')).statusCode).toBe(201);
      expect((await call({}, 'POST')).statusCode).toBe(201); // curl and scripts send no Origin
      // No CORS answer for the API (another site's page cannot read it); ingestion keeps it.
      const api = await openApp.inject({
        method: 'GET',
        url: '/api/funnels',
        headers: { origin: 'https://site.example' },
      });
      expect(api.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await openApp.inject({
        method: 'OPTIONS',
        url: '/v1/batch',
        headers: { origin: 'https://site.example', 'access-control-request-method': 'POST' },
      });
      expect(pre.headers['access-control-allow-origin']).toBe('https://site.example');
      const session = await openApp.inject({ method: 'GET', url: '/auth/session' });
      expect(session.json()).toEqual({ open: true, user: null, csrfToken: null });
    } finally {
      await openApp.close();
      await openIngest.stop();
      await openStore.close();
      await rm(openDir, { recursive: true, force: true });
    }
  });
});
