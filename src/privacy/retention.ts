/**
 * Retention (docs/privacy.md): a project may keep events for N days; older ones are removed when the server
 * applies the policy (hourly) or `funnelscope retention apply` does. Each change and each removal is audited.
 */
import { audit } from '../access/audit.js';
import { FunnelscopeError } from '../model/errors.js';
import type { Store } from '../store/store.js';

/** 1 to 36,500 days, or null (off). */
export function retentionDaysOf(value: unknown, field = 'days'): number | null {
  if (value === null || value === 'off') return null;
  const days = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 36_500) {
    throw new FunnelscopeError('invalid_argument', `${field}: expected whole days from 1 to 36500, or off`, {
      field,
      ...(typeof value === 'string' ? { value } : {}),
    });
  }
  return days;
}

export async function setRetention(store: Store, project: string, days: number | null, actor: string): Promise<void> {
  await store.setRetentionDays(project, days);
  await audit(store, { project, actor, action: 'retention.set', target: project, details: { days } });
}

export interface RetentionRun {
  project: string;
  days: number | null;
  /** Events before this time were removed (null: no retention set). */
  cutoff: string | null;
  deleted: number;
}

/** Removes the project's events older than its retention, as of `nowMs`. */
export async function applyRetention(
  store: Store,
  project: string,
  nowMs: number,
  actor: string,
): Promise<RetentionRun> {
  const days = await store.retentionDays(project);
  if (days === null) return { project, days, cutoff: null, deleted: 0 };
  const cutoff = new Date(nowMs - days * 86_400_000).toISOString();
  const deleted = await store.deleteEventsBefore(project, cutoff);
  if (deleted > 0) {
    await audit(store, {
      at: new Date(nowMs).toISOString(),
      project,
      actor,
      action: 'retention.apply',
      target: project,
      details: { days, cutoff, deleted },
    });
  }
  return { project, days, cutoff, deleted };
}
