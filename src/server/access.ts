/**
 * Access control of the HTTP server (docs/access.md): who a request comes from (an API key in
 * `Authorization: Bearer …`, a dashboard session cookie, or — bound to this machine with no users — anyone local),
 * what each route needs, and the project it may touch. Every route declares `config.access`; a route without one
 * is refused (deny by default), and the handler runs inside the caller's project scope, which the store enforces.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { LoginThrottle } from '../access/login-throttle.js';
import { unmatchableHash, verifyPassword } from '../access/passwords.js';
import {
  authorize,
  defaultProject,
  type Grant,
  keyGrant,
  localGrant,
  type Permission,
  unauthenticated,
  userGrant,
} from '../access/roles.js';
import { type Session, SessionTable, tokensMatch } from '../access/sessions.js';
import { FunnelscopeError } from '../model/errors.js';
import { withProjectScope } from '../store/project-scope.js';
import type { Store, StoredUser } from '../store/store.js';
import { KeyCache } from './key-cache.js';

/**
 * What a route needs:
 * - `public`: anyone (health, the dashboard's files, sign-in);
 * - `ingest`: the route checks a write key itself (Segment, PostHog, GA4, pixel);
 * - `signed-in`: a signed-in user (or anyone local on an open server), not a key (sign-out);
 * - a permission over the request's project (`?project=`, else the caller's own);
 * - `server-admin`: the admin permission over the whole server (users): an admin user over every project;
 * - `metrics`: a server admin, or an admin key of any project (/metrics, as a Prometheus bearer token).
 */
export type RouteAccess = 'public' | 'ingest' | 'signed-in' | Permission | 'server-admin' | 'metrics';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Who is calling (set before the handler of every route that is not public). */
    grant?: Grant;
    /** The project the request reads or changes, already authorised. */
    project?: string;
    session?: Session;
  }
}

export const sessionCookie = 'fs_session';
export const csrfHeader = 'x-csrf-token';

export interface AccessControlOptions {
  store: Store;
  /** Whether the server listens only on this machine (loopback). */
  loopback: boolean;
  now?: () => number;
}

/** Whether an address or host name is this machine: localhost, 127.x.x.x or ::1 (bracketed or not). */
export function isLoopbackAddress(address: string): boolean {
  const name = address.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** Whether a request's Host header names this machine (its port aside). */
function hostIsLoopback(request: FastifyRequest): boolean {
  const host = request.headers.host ?? '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return isLoopbackAddress(name);
}

/** A small time-limited cache, so a request does not wait on the store for a key or user it saw moments ago. */
class Recent<T> {
  private readonly entries = new Map<string, { value: Promise<T>; until: number }>();
  constructor(private readonly ttlMs: number) {}
  get(key: string, now: number, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    if (this.entries.size > 10_000) this.entries.clear();
    const value = load();
    this.entries.set(key, { value, until: now + this.ttlMs });
    value.catch(() => this.entries.delete(key));
    return value;
  }
  clear(): void {
    this.entries.clear();
  }
}

export class AccessControl {
  readonly sessions = new SessionTable();
  /** 5 free failures per account, then 1 s, 2 s, 4 s … up to 15 min. */
  readonly accountThrottle = new LoginThrottle({ free: 5, maxLockMs: 15 * 60_000 });
  /** A client address gets more (several people behind one NAT), but not unlimited guesses at many accounts. */
  readonly addressThrottle = new LoginThrottle({ free: 20, maxLockMs: 15 * 60_000 });
  /** The server's one key cache (the ingestion routes' write keys too). */
  readonly keys: KeyCache;
  private readonly users = new Recent<StoredUser | undefined>(10_000);
  private readonly userCount = new Recent<number>(10_000);
  readonly now: () => number;
  /** Every route of the server as registered (the access table test reads their declarations). */
  readonly routes: RouteOptions[] = [];

  constructor(private readonly options: AccessControlOptions) {
    this.now = options.now ?? Date.now;
    this.keys = new KeyCache(options.store);
  }

  get store(): Store {
    return this.options.store;
  }

  /** Open: bound to this machine and no user made yet, so every local caller may do everything (as before). */
  async open(): Promise<boolean> {
    if (!this.options.loopback) return false;
    const users = await this.userCount.get('', this.now(), async () => (await this.store.listUsers()).length);
    return users === 0;
  }

  user(email: string): Promise<StoredUser | undefined> {
    return this.users.get(email, this.now(), () => this.store.getUser(email));
  }

  /** After a change of users or keys made through this server. */
  forget(): void {
    this.keys.forget();
    this.users.clear();
    this.userCount.clear();
  }

  /** Signs a user in: the session, or an error (429 while the account or address is locked, 401 otherwise). */
  async signIn(email: string, password: string, address: string): Promise<{ session: Session; user: StoredUser }> {
    const now = this.now();
    const wait = Math.max(this.accountThrottle.waitMs(email, now), this.addressThrottle.waitMs(address, now));
    if (wait > 0) {
      throw new FunnelscopeError(
        'too_many_requests',
        `too many failed sign-ins: try again in ${Math.ceil(wait / 1000)} s`,
        { field: 'email', retryAfterSeconds: Math.ceil(wait / 1000) },
      );
    }
    const user = await this.store.getUser(email);
    // An unknown email costs the same hash as a known one, so timing does not tell which emails exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? unmatchableHash);
    if (!user || !ok) {
      this.accountThrottle.failed(email, this.now());
      this.addressThrottle.failed(address, this.now());
      throw new FunnelscopeError('unauthorized', 'wrong email or password', { field: 'password' });
    }
    this.accountThrottle.succeeded(email);
    return { session: this.sessions.create(email, this.now()), user };
  }

  /** The live session of the request's cookie and its user; a session whose user is gone ends. */
  async signedIn(request: FastifyRequest): Promise<{ session: Session; user: StoredUser } | undefined> {
    const id = request.cookies[sessionCookie];
    const session = id ? this.sessions.get(id, this.now()) : undefined;
    if (!session) return undefined;
    const user = await this.user(session.email);
    if (user) return { session, user };
    this.sessions.end(session.id);
    return undefined;
  }

  /** Who a request comes from; undefined when it carries no credentials (and the server is not open). */
  async grantOf(request: FastifyRequest): Promise<Grant | undefined> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
      if (!match) {
        throw new FunnelscopeError('unauthorized', 'Authorization: expected "Bearer <API key>"', {
          field: 'authorization',
        });
      }
      const key = match[1] as string;
      const owner = await this.keys.owner(key);
      if (!owner) throw new FunnelscopeError('unauthorized', 'unknown or revoked API key', { field: 'authorization' });
      return keyGrant(owner.id, owner.role, owner.project);
    }
    const signedIn = await this.signedIn(request);
    if (signedIn) {
      const { session, user } = signedIn;
      checkOrigin(request);
      if (!safeMethods.has(request.method) && !tokensMatch(headerValue(request, csrfHeader), session.csrfToken)) {
        throw new FunnelscopeError('forbidden', `missing or wrong CSRF token (the ${csrfHeader} header)`, {
          field: csrfHeader,
        });
      }
      request.session = session;
      return userGrant(user.email, user.role, user.projects);
    }
    if (await this.open()) {
      // Open only to this machine: a page of another site (or a name rebound to 127.0.0.1) is not "local".
      if (!hostIsLoopback(request)) {
        throw new FunnelscopeError('forbidden', `Host ${request.headers.host ?? '(none)'} is not this machine`, {
          field: 'host',
        });
      }
      checkOrigin(request);
      return localGrant;
    }
    return undefined;
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a browser's Origin header names this server (scheme, host and port, default ports normalised). */
export function sameOrigin(request: FastifyRequest, origin: string): boolean {
  try {
    return new URL(origin).origin === new URL(`${request.protocol}://${request.headers.host ?? ''}`).origin;
  } catch {
    return false;
  }
}

/** A browser's request that changes something must come from the dashboard's own origin. */
export function checkOrigin(request: FastifyRequest): void {
  if (safeMethods.has(request.method)) return;
  const origin = headerValue(request, 'origin');
  if (origin === undefined) return; // not a browser (curl, a script); a browser always sends Origin on a POST
  if (!sameOrigin(request, origin)) {
    throw new FunnelscopeError('forbidden', `cross-site request refused (Origin ${origin})`, { field: 'origin' });
  }
}

/** `?project=NAME` when given (checked), else the caller's own project. */
function requestedProject(request: FastifyRequest, grant: Grant): string {
  const project = (request.query as { project?: unknown } | undefined)?.project;
  if (project === undefined) return defaultProject(grant);
  if (typeof project !== 'string' || project === '' || project.length > 200) {
    throw new FunnelscopeError('invalid_argument', 'project: expected a project name (1 to 200 characters)', {
      field: 'project',
    });
  }
  return project;
}

/** Whether a session cookie must be marked Secure: over HTTPS (or a proxy saying so), and never off this machine. */
export function secureCookie(request: FastifyRequest): boolean {
  return request.protocol === 'https' || !hostIsLoopback(request);
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, session: Session | null): void {
  void reply.setCookie(sessionCookie, session?.id ?? '', {
    httpOnly: true,
    sameSite: 'strict',
    secure: secureCookie(request),
    path: '/',
    ...(session ? {} : { maxAge: 0 }),
  });
}

/**
 * Installs the checks: each request is authorised for what its route declares before the handler runs, and the
 * handler runs inside the caller's project scope. A route that declares nothing is refused to everyone.
 */
export function installAccessControl(app: FastifyInstance, control: AccessControl): void {
  app.decorateRequest('grant', undefined);
  app.decorateRequest('project', undefined);
  app.decorateRequest('session', undefined);
  app.addHook('onRoute', (route: RouteOptions) => {
    control.routes.push(route);
    const handler = route.handler;
    route.handler = function scoped(this: FastifyInstance, request, reply) {
      const grant = request.grant;
      if (!grant) return handler.call(this, request, reply);
      return withProjectScope({ projects: grant.projects, actor: grant.actor }, () =>
        handler.call(this, request, reply),
      );
    };
  });
  app.addHook('onRequest', async (request) => {
    if (request.method === 'OPTIONS') return; // CORS preflights (answered by @fastify/cors)
    const access = request.routeOptions.config?.access;
    if (request.routeOptions.url === undefined) return; // no route: the 404 answer
    // Deny by default: a route that does not say who may call it is refused (and fails the route table test).
    if (access === undefined) {
      throw new FunnelscopeError('forbidden', `${request.method} ${request.routeOptions.url} declares no access`);
    }
    if (access === 'public' || access === 'ingest') return;
    const grant = await control.grantOf(request);
    if (access === 'signed-in') {
      if (!grant) throw unauthenticated();
      if (grant.via === 'key') {
        throw new FunnelscopeError('forbidden', 'this is for a signed-in user, not an API key', {
          field: 'authorization',
        });
      }
      request.grant = grant;
      return;
    }
    if (access === 'server-admin' || access === 'metrics') {
      request.grant = authorize(grant, 'admin', null, access === 'metrics');
      return;
    }
    const project = requestedProject(request, grant ?? localGrant);
    request.grant = authorize(grant, access, project);
    request.project = project;
  });
}
