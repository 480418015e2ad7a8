import { type Checked, checkMessage, type ItemRejection, isJsonObject, type LiveMessage } from './segment.js';

/**
 * The GA4 Measurement Protocol (`POST /mp/collect?measurement_id=…&api_secret=…`) as Segment messages: one per
 * event; `page_view` becomes a page call (page_location → url, page_referrer → referrer, page_title → name),
 * anything else a track call named as in GA4; client_id is the anonymous id, user_id the user id;
 * `timestamp_micros` (the event's, else the request's) the time; `user_properties` an identify with those traits.
 * GA4 sends no message id, so each event gets one here (a client retry stores twice, as in GA4). Pure.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => isJsonObject(value);

/** GA4 takes at most 25 events a request. */
export const maxGa4Events = 25;

function micros(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? Math.floor(n / 1000) : undefined;
}

export function ga4Messages(body: unknown, measurementId: string, receivedMs: number): Checked {
  const reject = (field: string, reason: string): Checked => ({
    messages: [],
    rejected: [{ index: 0, field, reason }],
  });
  if (!isObject(body)) return reject('body', 'not a JSON object');
  if (!Array.isArray(body.events)) return reject('events', 'must be an array of events');
  if (body.events.length > maxGa4Events) return reject('events', `${body.events.length} events; GA4 takes at most 25`);
  const ids = {
    ...(body.client_id !== undefined ? { anonymousId: body.client_id } : {}),
    ...(body.user_id !== undefined ? { userId: body.user_id } : {}),
  };
  const requestMs = micros(body.timestamp_micros);
  const context = { ga4: { measurement_id: measurementId } };
  const messages: LiveMessage[] = [];
  const rejected: ItemRejection[] = [];
  const add = (message: Json, index: number): boolean => {
    const checked = checkMessage(message, index, { receivedMs });
    if ('reason' in checked) {
      const field = checked.field === 'userId' ? 'client_id' : checked.field === 'event' ? 'name' : checked.field;
      rejected.push({ ...checked, field: field === 'timestamp' ? 'timestamp_micros' : field });
      return false;
    }
    messages.push(checked);
    return true;
  };
  body.events.forEach((event: unknown, index: number) => {
    if (!isObject(event)) {
      rejected.push({ index, field: 'events', reason: 'an event must be a JSON object' });
      return;
    }
    const params = isObject(event.params) ? event.params : {};
    const ms = micros(event.timestamp_micros) ?? requestMs;
    const base = { ...ids, ...(ms !== undefined ? { timestamp: ms } : {}), context };
    if (event.name === 'page_view') {
      const { page_location, page_referrer, page_title, ...rest } = params;
      add(
        {
          ...base,
          type: 'page',
          name: page_title,
          properties: { ...rest, url: page_location, referrer: page_referrer },
        },
        index,
      );
    } else {
      add({ ...base, type: 'track', event: event.name, properties: params }, index);
    }
  });
  if (isObject(body.user_properties) && Object.keys(body.user_properties).length > 0 && rejected.length === 0) {
    // {name: {value}} → {name: value}
    const traits = Object.fromEntries(
      Object.entries(body.user_properties).map(([k, v]) => [k, isObject(v) && 'value' in v ? v.value : v]),
    );
    add({ ...ids, ...(requestMs !== undefined ? { timestamp: requestMs } : {}), type: 'identify', traits, context }, 0);
  }
  return { messages, rejected };
}
