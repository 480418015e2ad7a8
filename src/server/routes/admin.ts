import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  createKey,
  keyRoleOf,
  normaliseEmail,
  projectListOf,
  putUser,
  removeUser,
  revokeKey,
  userRoleOf,
} from '../../access/accounts.js';
import { FunnelscopeError } from '../../model/errors.js';
import { erasePerson } from '../../privacy/erase-person.js';
import { retentionDaysOf, setRetention } from '../../privacy/retention.js';
import type { LiveIngest } from '../../store/live-ingest.js';
import type { Store } from '../../store/store.js';
import type { AccessControl } from '../access.js';

function body(request: FastifyRequest, route: string): Record<string, unknown> {
  const value = request.body;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FunnelscopeError('invalid_argument', `${route}: the body must be a JSON object`, { field: 'body' });
  }
  return value as Record<string, unknown>;
}

function limitOf(request: FastifyRequest): number {
  const raw = (request.query as { limit?: unknown }).limit;
  const limit = raw === undefined ? 200 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new FunnelscopeError('invalid_argument', 'limit: expected an integer from 1 to 10000', { field: 'limit' });
  }
  return limit;
}

/**
 * Administration over HTTP (docs/access.md): users (server-wide), a project's API keys, the audit log. Every
 * change is audited with the caller as its actor.
 */
export async function adminRoutes(
  app: FastifyInstance,
  options: { store: Store; control: AccessControl; ingest: Pick<LiveIngest, 'storeLogged'> },
): Promise<void> {
  const { store, control } = options;
  const actor = (request: FastifyRequest) => request.grant?.actor ?? 'unknown';

  app.get('/api/users', { config: { access: 'server-admin' } }, async () => ({ users: await store.listUsers() }));
  app.post('/api/users', { config: { access: 'server-admin' } }, async (request, reply) => {
    const values = body(request, 'users');
    const user = await putUser(
      store,
      {
        email: normaliseEmail(values.email),
        role: userRoleOf(values.role),
        password: typeof values.password === 'string' ? values.password : '',
        projects: projectListOf(values.projects),
      },
      actor(request),
    );
    control.sessions.endUser(user.email);
    control.forget();
    return reply.status(201).send(user);
  });
  app.delete<{ Params: { email: string } }>(
    '/api/users/:email',
    { config: { access: 'server-admin' } },
    async (request, reply) => {
      const email = normaliseEmail(request.params.email);
      await removeUser(store, email, actor(request));
      control.sessions.endUser(email);
      control.forget();
      return reply.status(204).send();
    },
  );

  app.get('/api/keys', { config: { access: 'admin' } }, async (request) => ({
    keys: await store.listApiKeys(request.project as string),
  }));
  app.post('/api/keys', { config: { access: 'admin' } }, async (request, reply) => {
    const values = body(request, 'keys');
    const label = values.label === undefined || values.label === null ? null : String(values.label);
    const made = await createKey(store, request.project as string, keyRoleOf(values.role), label, actor(request));
    return reply.status(201).send({ key: made.key, ...made.info });
  });
  app.delete<{ Params: { id: string } }>('/api/keys/:id', { config: { access: 'admin' } }, async (request, reply) => {
    await revokeKey(store, request.project as string, request.params.id, actor(request));
    control.forget();
    return reply.status(204).send();
  });

  // Erasure on request: what the server accepted but has not stored yet is stored first, so none of it comes back.
  app.delete<{ Params: { id: string } }>('/api/people/:id', { config: { access: 'admin' } }, async (request) => {
    await options.ingest.storeLogged();
    return erasePerson(store, request.project as string, request.params.id, actor(request));
  });

  // A backup of the whole store (docs/privacy.md): what the server accepted is stored first, then one consistent
  // copy is taken between two writes and sent as a DuckDB file (`funnelscope backup --server` checks it).
  app.get('/api/backup', { config: { access: 'server-admin' } }, async (_request, reply) => {
    await options.ingest.storeLogged();
    const folder = mkdtempSync(join(tmpdir(), 'funnelscope-backup-'));
    try {
      const file = join(folder, 'backup.duckdb');
      await store.backup(file);
      const stream = createReadStream(file);
      stream.on('close', () => rmSync(folder, { recursive: true, force: true }));
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', 'attachment; filename="funnelscope-backup.duckdb"')
        .send(stream);
    } catch (error) {
      rmSync(folder, { recursive: true, force: true });
      throw error;
    }
  });

  app.get('/api/retention', { config: { access: 'admin' } }, async (request) => ({
    project: request.project,
    days: await store.retentionDays(request.project as string),
  }));
  app.put('/api/retention', { config: { access: 'admin' } }, async (request) => {
    const days = retentionDaysOf(body(request, 'retention').days);
    await setRetention(store, request.project as string, days, actor(request));
    return { project: request.project, days };
  });

  app.get('/api/audit', { config: { access: 'admin' } }, async (request) => ({
    entries: await store.auditLog(request.project as string, limitOf(request)),
  }));
}
