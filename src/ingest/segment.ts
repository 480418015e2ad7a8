import { randomUUID } from 'node:crypto';
import { type MessageType, messageTypes } from './segment-fields.js';

/**
 * Segment Tracking API calls (and the PostHog, GA4 and pixel adapters, which build the same messages) checked and
 * put in one canonical form before they are acknowledged: the form the write-ahead log keeps and the file importer
 * reads back. Pure: body in, messages and per-item rejections out. The rules are those of the file importer
 * (docs/ingestion.md), so a message accepted here is never refused when it is stored.
 */

/** A message as stored in the ingest log: Segment fields only, ids as text, the time as ISO-8601 UTC. */
export interface LiveMessage {
  type: MessageType;
  messageId: string;
  timestamp: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  groupId?: string;
  previousId?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

/** Why one item of a call was refused: its index in the batch (0 for a single call), the field, what was wrong. */
export interface ItemRejection {
  index: number;
  field: string;
  reason: string;
}

export interface Checked {
  messages: LiveMessage[];
  rejected: ItemRejection[];
}

/** The limits of Segment's HTTP API. */
export const maxEventBytes = 32 * 1024;
export const maxBatchBytes = 500 * 1024;
export const maxBatchEvents = 2500;

/** Times outside [earliest, received + maxFutureMs] are refused, not clamped (docs/ingestion.md). */
export const earliestTimestampMs = Date.UTC(2000, 0, 1);
export const maxFutureMs = 24 * 3600 * 1000;

const isoPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A time as Segment clients send it: ISO-8601 (an offset applies; none means UTC) or epoch seconds /
 * milliseconds / microseconds / nanoseconds told apart by magnitude (as the file importer does). Milliseconds
 * since the epoch, or undefined when it is not a time.
 */
export function parseTimestampMs(value: unknown): number | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*-?\d+(\.\d*)?([eE][-+]?\d+)?\s*$/.test(value))) {
    const n = Number(value);
    if (!Number.isFinite(n)) return undefined;
    const abs = Math.abs(n);
    const ms = abs < 1e11 ? n * 1e3 : abs < 1e14 ? n : abs < 1e17 ? n / 1e3 : n / 1e6;
    return Number.isFinite(ms) ? Math.floor(ms) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const m = isoPattern.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[3] > 23 || fields[4] > 59 || fields[5] > 59) {
    return undefined;
  }
  let ms = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  // A day that does not exist (Feb 30) rolls over in Date.UTC: refuse it.
  if (new Date(ms).getUTCDate() !== fields[2]) return undefined;
  ms += Math.floor(Number(`0.${fraction || '0'}`) * 1000);
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return ms;
}

/** A JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An id: text, or a number written as text (analytics clients send both); "" counts as absent. */
function idField(item: Record<string, unknown>, field: string): string | undefined | Error {
  const value = item[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return new Error('must be a string');
}

function objectField(item: Record<string, unknown>, field: string): Record<string, unknown> | undefined | Error {
  const value = item[field];
  if (value === undefined || value === null) return undefined;
  return isJsonObject(value) ? value : new Error('must be a JSON object');
}

/**
 * Checks one message. `type` is the call's when the path names it (`/v1/track`), else the item's own (a batch);
 * `receivedMs` is when the request arrived (the time of a message that carries none). Returns the canonical
 * message, or the rejection.
 */
export function checkMessage(
  raw: unknown,
  index: number,
  options: { type?: MessageType; receivedMs: number; context?: Record<string, unknown> },
): LiveMessage | ItemRejection {
  const reject = (field: string, reason: string): ItemRejection => ({ index, field, reason });
  if (!isJsonObject(raw)) return reject('item', 'not a JSON object');
  if (JSON.stringify(raw).length > maxEventBytes) return reject('item', 'larger than 32 KB');
  const declared =
    options.type ?? raw.type ?? (typeof raw.event === 'string' && raw.event !== '' ? 'track' : undefined);
  if (declared === undefined || declared === null || declared === '') {
    return reject('type', `missing (one of ${messageTypes.join(', ')})`);
  }
  const type = String(declared).toLowerCase() as MessageType;
  if (!messageTypes.includes(type))
    return reject('type', `"${String(declared)}" is not one of ${messageTypes.join(', ')}`);

  const ids: Record<string, string | undefined> = {};
  for (const field of ['messageId', 'userId', 'anonymousId', 'groupId', 'previousId']) {
    const value = idField(raw, field);
    if (value instanceof Error) return reject(field, value.message);
    ids[field] = value;
  }
  const objects: Record<string, Record<string, unknown> | undefined> = {};
  for (const field of ['properties', 'traits', 'context']) {
    const value = objectField(raw, field);
    if (value instanceof Error) return reject(field, value.message);
    objects[field] = value;
  }
  for (const field of ['event', 'name']) {
    const value = raw[field];
    if (value !== undefined && value !== null && typeof value !== 'string') return reject(field, 'must be a string');
  }
  const event = typeof raw.event === 'string' && raw.event !== '' ? raw.event : undefined;
  const name = typeof raw.name === 'string' && raw.name !== '' ? raw.name : undefined;

  const given = raw.timestamp ?? raw.originalTimestamp;
  let timestampMs = options.receivedMs;
  if (given !== undefined && given !== null && given !== '') {
    const parsed = parseTimestampMs(given);
    const field = raw.timestamp !== undefined && raw.timestamp !== null ? 'timestamp' : 'originalTimestamp';
    if (parsed === undefined) {
      return reject(field, `"${String(given)}" is not an ISO-8601 time or epoch seconds/milliseconds`);
    }
    if (parsed < earliestTimestampMs) return reject(field, `"${String(given)}" is before 2000-01-01`);
    if (parsed > options.receivedMs + maxFutureMs) {
      return reject(field, `"${String(given)}" is more than 24 hours after the request arrived`);
    }
    timestampMs = parsed;
  }

  if (!ids.userId && !ids.anonymousId) return reject('userId', 'missing: a message needs userId or anonymousId');
  if (type === 'track' && !event) return reject('event', 'missing: a track call needs an event name');
  if (type === 'alias' && (!ids.previousId || !ids.userId)) {
    return reject('previousId', 'an alias call needs previousId and userId');
  }
  if (type === 'group' && !ids.groupId) return reject('groupId', 'missing: a group call needs groupId');

  const context =
    options.context && Object.keys(options.context).length > 0
      ? { ...options.context, ...(objects.context ?? {}) }
      : objects.context;
  const message: LiveMessage = {
    type,
    // A message without an id gets one now, so a replay of the log stores it once.
    messageId: ids.messageId ?? `fs-${randomUUID()}`,
    timestamp: new Date(timestampMs).toISOString(),
  };
  if (ids.userId) message.userId = ids.userId;
  if (ids.anonymousId) message.anonymousId = ids.anonymousId;
  if (event !== undefined && type === 'track') message.event = event;
  if (name !== undefined) message.name = name;
  if (ids.groupId) message.groupId = ids.groupId;
  if (ids.previousId) message.previousId = ids.previousId;
  if (objects.properties) message.properties = objects.properties;
  if (objects.traits) message.traits = objects.traits;
  if (context) message.context = context;
  return message;
}

function isRejection(value: LiveMessage | ItemRejection): value is ItemRejection {
  return 'reason' in value;
}

/** One checked message as a call's result. */
export function checkedOne(checked: LiveMessage | ItemRejection): Checked {
  return isRejection(checked) ? { messages: [], rejected: [checked] } : { messages: [checked], rejected: [] };
}

/** The calls of the Segment HTTP API by path, including analytics.js's one-letter short paths. */
export const segmentPaths: Readonly<Record<string, MessageType | 'batch'>> = {
  track: 'track',
  page: 'page',
  screen: 'screen',
  identify: 'identify',
  group: 'group',
  alias: 'alias',
  batch: 'batch',
  import: 'batch',
  t: 'track',
  p: 'page',
  s: 'screen',
  i: 'identify',
  g: 'group',
  a: 'alias',
  b: 'batch',
};

/**
 * A Segment call's body: one message (`/v1/track` …) or `{batch: [...]}` (`/v1/batch`, `/v1/import`), whose
 * top-level `context` applies to every item. More than 2,500 items refuse the whole batch.
 */
export function segmentMessages(body: unknown, call: MessageType | 'batch', receivedMs: number): Checked {
  if (call !== 'batch') {
    return checkedOne(checkMessage(body, 0, { type: call, receivedMs }));
  }
  if (!isJsonObject(body))
    return { messages: [], rejected: [{ index: 0, field: 'batch', reason: 'body is not a JSON object' }] };
  const items = body.batch;
  if (!Array.isArray(items)) {
    return { messages: [], rejected: [{ index: 0, field: 'batch', reason: 'must be an array of messages' }] };
  }
  if (items.length > maxBatchEvents) {
    return {
      messages: [],
      rejected: [{ index: 0, field: 'batch', reason: `${items.length} messages; a batch holds at most 2,500` }],
    };
  }
  const context = isJsonObject(body.context) ? body.context : undefined;
  return checkAll(items, (item, index) => checkMessage(item, index, { receivedMs, ...(context ? { context } : {}) }));
}

/** Checks every item; the good ones are kept, the bad ones reported by index. */
function checkAll(
  items: readonly unknown[],
  check: (item: unknown, index: number) => LiveMessage | ItemRejection,
): Checked {
  const messages: LiveMessage[] = [];
  const rejected: ItemRejection[] = [];
  items.forEach((item, index) => {
    const checked = check(item, index);
    if (isRejection(checked)) rejected.push(checked);
    else messages.push(checked);
  });
  return { messages, rejected };
}
