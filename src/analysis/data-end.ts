/**
 * Where a project's data ends: the time of its last event or deal stage change, identity calls aside (identify calls
 * carry traits, e.g. the lead scores written back at their as-of time, and must not move it). Pure over the columns.
 */
import { type ColumnCache, type EventSpan, eventSpan } from '../engine/column-cache.js';
import { identityEventNames } from '../model/bookkeeping-events.js';
import type { EventColumns } from '../store/event-columns.js';

/** Microseconds since the epoch; −∞ without such rows. */
export function lastEventUs(columns: EventColumns): number {
  const identity = Uint8Array.from(columns.eventNames, (n) => (identityEventNames.has(n) ? 1 : 0));
  let end = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < columns.eventCount; r += 1) {
    const ts = columns.tsUs[r] as number;
    if (ts > end && identity[columns.eventCode[r] as number] === 0) end = ts;
  }
  return end;
}

/**
 * A project's first and last event times and `lastEventUs`, without loading a project the store streams (its
 * stream reports them; no batch is read).
 */
export async function projectEnds(
  cache: ColumnCache,
  project: string,
): Promise<{ span: EventSpan; lastEventUs: number }> {
  const opened = await cache.open(project, () => ({ eventValues: [], personValues: [] }));
  if ('stream' in opened) return { span: opened.stream.span, lastEventUs: opened.stream.lastEventUs };
  const { columns } = opened.whole;
  return { span: eventSpan(columns), lastEventUs: lastEventUs(columns) };
}
