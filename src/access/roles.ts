/**
 * Who may do what (docs/access.md). A user has a role over every project or a list of them; an API key belongs to
 * one project and has a role there. Routes name the permission they need; the grant of the caller must hold it
 * for the project the request reads or changes.
 */
import { FunnelscopeError } from '../model/errors.js';

export const userRoles = ['admin', 'analyst', 'viewer'] as const;
export type UserRole = (typeof userRoles)[number];

/** `write` keys only send events (they sit in browsers and apps); `read` keys read reports; `admin` keys do all. */
export const keyRoles = ['write', 'read', 'admin'] as const;
export type KeyRole = (typeof keyRoles)[number];

/**
 * - `ingest`: send events (write keys; the ingestion routes check the key themselves).
 * - `read`: run reports and read settings.
 * - `edit`: keep and change saved funnels, goals, alert rules, scoring models, imports.
 * - `admin`: users, keys, channel rules, retention, deleting people, the audit log.
 */
export type Permission = 'ingest' | 'read' | 'edit' | 'admin';

const userPermissions: Record<UserRole, readonly Permission[]> = {
  admin: ['read', 'edit', 'admin'],
  analyst: ['read', 'edit'],
  viewer: ['read'],
};
const keyPermissions: Record<KeyRole, readonly Permission[]> = {
  write: ['ingest'],
  read: ['read'],
  admin: ['read', 'edit', 'admin'],
};

/** What a caller may do. */
export interface Grant {
  /** A user's email, `key:<id>`, or `local` (no users, bound to this machine). */
  actor: string;
  via: 'session' | 'key' | 'local';
  permissions: readonly Permission[];
  /** The projects it covers. */
  projects: 'all' | readonly string[];
}

export function userGrant(email: string, role: UserRole, projects: readonly string[] | null): Grant {
  return { actor: email, via: 'session', permissions: userPermissions[role], projects: projects ?? 'all' };
}

/** A key's grant: over its project, or over every project for a server-wide key (project ''). */
export function keyGrant(id: string, role: KeyRole, project: string): Grant {
  return {
    actor: `key:${id}`,
    via: 'key',
    permissions: keyPermissions[role],
    projects: project === '' ? 'all' : [project],
  };
}

/** Everything: the server bound to this machine with no users made yet (as before access control). */
export const localGrant: Grant = {
  actor: 'local',
  via: 'local',
  permissions: ['ingest', 'read', 'edit', 'admin'],
  projects: 'all',
};

export function isUserRole(value: unknown): value is UserRole {
  return typeof value === 'string' && (userRoles as readonly string[]).includes(value);
}

export function isKeyRole(value: unknown): value is KeyRole {
  return typeof value === 'string' && (keyRoles as readonly string[]).includes(value);
}

function describe(grant: Grant): string {
  return grant.via === 'key' ? `API key ${grant.actor.slice(4)}` : `user ${grant.actor}`;
}

/** The answer to a request that says nothing of who it comes from. */
export function unauthenticated(): FunnelscopeError {
  return new FunnelscopeError('unauthorized', 'sign in, or send an API key as "Authorization: Bearer <key>"', {
    field: 'authorization',
  });
}

/**
 * Throws unless the grant holds `need` for `project`. `project` null means the whole server (users, backups):
 * only a grant over every project has it (a user over every project, a server-wide key, the open local grant),
 * never a key of one project; `keysServerWide` lets such a key with the permission through anyway (/metrics for a
 * Prometheus bearer token, which shows counts and no customer data).
 */
export function authorize(
  grant: Grant | undefined,
  need: Permission,
  project: string | null,
  keysServerWide = false,
): Grant {
  if (!grant) throw unauthenticated();
  if (!grant.permissions.includes(need)) {
    throw new FunnelscopeError('forbidden', `${describe(grant)} may not ${verbs[need]}`, {
      field: 'authorization',
      need,
    });
  }
  if (project !== null && grant.projects !== 'all' && !grant.projects.includes(project)) {
    throw new FunnelscopeError('forbidden', `${describe(grant)} has no access to project ${project}`, {
      field: 'project',
      value: project,
    });
  }
  if (project === null && grant.projects !== 'all' && !(grant.via === 'key' && keysServerWide)) {
    throw new FunnelscopeError(
      'forbidden',
      `${describe(grant)} is limited to ${grant.projects.join(', ')}: this is server-wide`,
      {
        field: 'authorization',
      },
    );
  }
  return grant;
}

const verbs: Record<Permission, string> = {
  ingest: 'send events',
  read: 'read reports',
  edit: 'change saved funnels, goals, alerts or models',
  admin: 'administer (users, keys, channel rules, people, retention)',
};

/** The project a request means when it names none: a key's own, a user's only one, else `default`. */
export function defaultProject(grant: Grant | undefined): string {
  if (grant && grant.projects !== 'all' && grant.projects.length === 1) return grant.projects[0] as string;
  return 'default';
}
