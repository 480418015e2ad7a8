import { setOwn } from '../model/own-property.js';
import {
  type Checked,
  checkMessage,
  type ItemRejection,
  isJsonObject,
  type LiveMessage,
  maxBatchEvents,
} from './segment.js';

/**
 * PostHog's capture API (`/batch/`, `/capture/`, `/e/`, `/i/v0/e/`) as Segment messages: `$identify` becomes an
 * identify call (distinct id + `$anon_distinct_id`, traits from `$set`), `$create_alias` an alias, `$groupidentify`
 * a group call, `$pageview` / `$screen` page and screen calls, anything else a track call. `$set` on an ordinary
 * event also yields an identify carrying those traits, as PostHog sets person properties from it. Pure.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => isJsonObject(value);

/** The events of a capture body: `{batch: [...]}`, an array of events, or one event. */
export function posthogEvents(body: unknown): unknown[] | ItemRejection {
  if (Array.isArray(body)) return body;
  if (!isObject(body)) return { index: 0, field: 'body', reason: 'not a JSON object or array' };
  if (body.batch !== undefined) {
    return Array.isArray(body.batch) ? body.batch : { index: 0, field: 'batch', reason: 'must be an array of events' };
  }
  return [body];
}

/** The project key of a capture body: `api_key` or `token` at the top, or in the first event (posthog-js). */
export function posthogApiKey(body: unknown): string | undefined {
  const candidates: unknown[] = [];
  if (isObject(body)) candidates.push(body.api_key, body.token);
  const events = posthogEvents(body);
  if (Array.isArray(events)) {
    const first = events[0];
    if (isObject(first)) {
      candidates.push(first.api_key, first.token);
      if (isObject(first.properties)) candidates.push(first.properties.token, first.properties.$token);
    }
  }
  return candidates.find((c): c is string => typeof c === 'string' && c !== '');
}

const internal = new Set([
  'distinct_id',
  'token',
  '$token',
  '$set',
  '$set_once',
  '$groups',
  '$ip',
  '$anon_distinct_id',
]);

function toMessages(event: unknown): unknown[] {
  if (!isObject(event)) return [event];
  const properties = isObject(event.properties) ? event.properties : {};
  const distinct = event.distinct_id ?? properties.distinct_id;
  const name = event.event;
  const base: Json = {
    messageId: event.uuid ?? event.message_id,
    timestamp: event.timestamp ?? properties.$time,
  };
  const context: Json = {};
  if (typeof properties.$lib === 'string')
    context.library = { name: properties.$lib, version: properties.$lib_version };
  if (typeof properties.$current_url === 'string' || typeof properties.$referrer === 'string') {
    context.page = { url: properties.$current_url, referrer: properties.$referrer };
  }
  if (isObject(properties.$groups)) context.groups = properties.$groups;
  const kept: Json = {};
  for (const [key, value] of Object.entries(properties)) if (!internal.has(key)) setOwn(kept, key, value);
  const traits = {
    ...(isObject(properties.$set_once) ? properties.$set_once : {}),
    ...(isObject(properties.$set) ? properties.$set : {}),
  };
  const ids = properties.$is_identified === false ? { anonymousId: distinct } : { userId: distinct };
  const withContext = Object.keys(context).length > 0 ? { context } : {};

  if (name === '$identify') {
    return [
      {
        ...base,
        type: 'identify',
        userId: distinct,
        anonymousId: properties.$anon_distinct_id,
        traits,
        ...withContext,
      },
    ];
  }
  if (name === '$create_alias') {
    return [{ ...base, type: 'alias', userId: distinct, previousId: properties.alias, ...withContext }];
  }
  if (name === '$groupidentify') {
    const groupType = typeof properties.$group_type === 'string' ? properties.$group_type : 'company';
    return [
      {
        ...base,
        type: 'group',
        ...ids,
        groupId: properties.$group_key,
        traits: isObject(properties.$group_set) ? properties.$group_set : {},
        context: { ...context, groups: { [groupType]: properties.$group_key } },
      },
    ];
  }
  const call =
    name === '$pageview'
      ? { type: 'page', name: properties.$title }
      : name === '$screen'
        ? { type: 'screen', name: properties.$screen_name }
        : { type: 'track', event: name };
  const messages: unknown[] = [{ ...base, ...call, ...ids, properties: kept, ...withContext }];
  if (Object.keys(traits).length > 0 && distinct !== undefined) {
    const id = typeof base.messageId === 'string' ? `${base.messageId}:set` : undefined;
    messages.push({ ...base, messageId: id, type: 'identify', ...ids, traits, ...withContext });
  }
  return messages;
}

/** A capture body's events, checked as Segment messages; item indexes are the events' places in the body. */
export function posthogMessages(body: unknown, receivedMs: number): Checked {
  const events = posthogEvents(body);
  if (!Array.isArray(events)) return { messages: [], rejected: [events] };
  if (events.length > maxBatchEvents) {
    return {
      messages: [],
      rejected: [{ index: 0, field: 'batch', reason: `${events.length} events; a batch holds at most 2,500` }],
    };
  }
  const messages: LiveMessage[] = [];
  const rejected: ItemRejection[] = [];
  events.forEach((event, index) => {
    for (const message of toMessages(event)) {
      const checked = checkMessage(message, index, { receivedMs });
      if ('reason' in checked) {
        // Name PostHog's fields rather than the Segment ones they became.
        const field =
          checked.field === 'userId' ? 'distinct_id' : checked.field === 'messageId' ? 'uuid' : checked.field;
        rejected.push({ ...checked, field });
        break;
      }
      messages.push(checked);
    }
  });
  return { messages, rejected };
}
