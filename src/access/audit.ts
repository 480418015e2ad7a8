import type { AuditEntry, Store } from '../store/store.js';

/**
 * Appends a change to the audit log (docs/access.md), stamped now unless `at` is given. A project of '' (the
 * server-wide keys) is logged as server-wide, as users are.
 */
export function audit(
  store: Pick<Store, 'recordAudit'>,
  change: Omit<AuditEntry, 'at' | 'details'> & { at?: string; details?: AuditEntry['details'] },
): Promise<void> {
  return store.recordAudit({
    at: change.at ?? new Date().toISOString(),
    project: change.project === '' ? null : change.project,
    actor: change.actor,
    action: change.action,
    target: change.target,
    details: change.details ?? {},
  });
}
