/**
 * Where a project's data ends: the time of its last event or deal stage change, identity calls aside (identify calls
 * carry traits, e.g. the lead scores written back at their as-of time, and must not move it). Pure over the columns.
 */
import { identityEventNames } from '../engine/funnel-stream.js';
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
