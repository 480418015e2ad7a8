/**
 * Users and API keys as the CLI and the admin API change them: checked input, hashed secrets, an audit entry for
 * every change. One set of functions, so `funnelscope users add` and `POST /api/users` refuse the same things.
 */
import { FunnelscopeError } from '../model/errors.js';
import type { ApiKeyInfo, Store, UserRecord } from '../store/store.js';
import { audit } from './audit.js';
import { checkPassword, hashPassword } from './passwords.js';
import { isKeyRole, isUserRole, type KeyRole, keyRoles, type UserRole, userRoles } from './roles.js';

/** Lower-cased and checked: something@something, no spaces, at most 254 characters. */
export function normaliseEmail(value: unknown, field = 'email'): string {
  if (typeof value !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(value.trim()) || value.trim().length > 254) {
    throw new FunnelscopeError('invalid_argument', `${field}: expected an email address`, {
      field,
      ...(typeof value === 'string' ? { value: value.slice(0, 300) } : {}),
    });
  }
  return value.trim().toLowerCase();
}

export function userRoleOf(value: unknown, field = 'role'): UserRole {
  if (!isUserRole(value)) {
    throw new FunnelscopeError('invalid_argument', `${field}: expected one of ${userRoles.join(', ')}`, {
      field,
      ...(typeof value === 'string' ? { value } : {}),
    });
  }
  return value;
}

export function keyRoleOf(value: unknown, field = 'role'): KeyRole {
  if (!isKeyRole(value)) {
    throw new FunnelscopeError('invalid_argument', `${field}: expected one of ${keyRoles.join(', ')}`, {
      field,
      ...(typeof value === 'string' ? { value } : {}),
    });
  }
  return value;
}

/** A user's project list: absent or null for every project, else non-empty names. */
export function projectListOf(value: unknown, field = 'projects'): string[] | null {
  if (value === undefined || value === null) return null;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((p) => typeof p !== 'string' || p === '' || p.length > 200)
  ) {
    throw new FunnelscopeError('invalid_argument', `${field}: expected a non-empty list of project names`, { field });
  }
  return [...new Set(value as string[])];
}

export interface UserChange {
  email: string;
  role: UserRole;
  password: string;
  projects: string[] | null;
}

/** Who made a change, for the audit log. */
export type Actor = string;

/** Adds a user, or replaces the role, projects and password of one that exists. */
export async function putUser(store: Store, change: UserChange, actor: Actor): Promise<UserRecord> {
  checkPassword(change.password);
  const before = await store.getUser(change.email);
  if (before?.role === 'admin' && change.role !== 'admin') keepAnAdmin(await store.listUsers(), change.email);
  const user = await store.putUser({
    email: change.email,
    role: change.role,
    projects: change.projects,
    passwordHash: await hashPassword(change.password),
  });
  await audit(store, {
    project: null,
    actor,
    action: before ? 'user.update' : 'user.add',
    target: change.email,
    details: { role: change.role, projects: change.projects },
  });
  return user;
}

/** Removing or demoting the last admin of a server with users would lock everyone out of administration. */
function keepAnAdmin(users: readonly UserRecord[], email: string): void {
  if (!users.some((u) => u.role === 'admin' && u.projects === null && u.email !== email)) {
    throw new FunnelscopeError('invalid_argument', `${email} is the last admin: make another admin first`, {
      field: 'email',
      value: email,
    });
  }
}

export async function removeUser(store: Store, email: string, actor: Actor): Promise<void> {
  const user = await store.getUser(email);
  if (!user) throw new FunnelscopeError('not_found', `no user ${email}`, { field: 'email', value: email });
  if (user.role === 'admin') {
    // The last user may go (a server bound to this machine is then open again), not the last admin of several.
    const users = await store.listUsers();
    if (users.length > 1) keepAnAdmin(users, email);
  }
  await store.removeUser(email);
  await audit(store, { project: null, actor, action: 'user.remove', target: email });
}

export async function createKey(
  store: Store,
  project: string,
  role: KeyRole,
  label: string | null,
  actor: Actor,
): Promise<{ key: string; info: ApiKeyInfo }> {
  if (label !== null && (label.length > 200 || label.trim() === '')) {
    throw new FunnelscopeError('invalid_argument', 'label: expected 1 to 200 characters', { field: 'label' });
  }
  if (project === '' && role === 'write') {
    throw new FunnelscopeError('invalid_argument', 'a write key belongs to a project (events go to one)', {
      field: 'role',
    });
  }
  const made = await store.createApiKey(project, role, label);
  await audit(store, { project, actor, action: 'key.create', target: made.info.id, details: { role, label } });
  return made;
}

export async function revokeKey(store: Store, project: string, id: string, actor: Actor): Promise<void> {
  if (!(await store.revokeApiKey(project, id))) {
    const where = project === '' ? 'among the server-wide keys' : `in project ${project}`;
    throw new FunnelscopeError('not_found', `no live key ${id} ${where}`, { field: 'id', value: id });
  }
  await audit(store, { project, actor, action: 'key.revoke', target: id });
}
