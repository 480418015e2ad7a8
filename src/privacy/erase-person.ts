/**
 * Erasing a person on request (docs/privacy.md): the store removes it from every table and cache; the audit log
 * records that it happened, by whom, and what went, under a hash of the id asked for, so the log itself keeps no
 * identifier of the person.
 */
import { createHash } from 'node:crypto';
import { audit } from '../access/audit.js';
import { FunnelscopeError } from '../model/errors.js';
import type { PersonErasure, Store } from '../store/store.js';

/** The audit log's name for an erased id: the first 16 hex digits of its SHA-256 (the same id, the same name). */
export function erasedIdHash(id: string): string {
  return `sha256:${createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 16)}`;
}

export async function erasePerson(
  store: Store,
  project: string,
  id: string,
  actor: string,
): Promise<PersonErasure & { id: string }> {
  if (id === '' || id.length > 1000) {
    throw new FunnelscopeError('invalid_argument', 'id: expected a distinct id or person id (1 to 1000 characters)', {
      field: 'id',
    });
  }
  const erased = await store.deletePerson(project, id);
  if (!erased) {
    throw new FunnelscopeError('not_found', `no person with the id "${id}" in project ${project}`, {
      field: 'id',
      value: id,
    });
  }
  const target = erasedIdHash(id);
  await audit(store, { project, actor, action: 'person.delete', target, details: { ...erased } });
  return { id: target, ...erased };
}
