import { setOwn } from '../model/own-property.js';
import { type Checked, checkedOne, checkMessage } from './segment.js';

/**
 * The tracking pixel: `GET /v1/pixel.gif?…` for e-mails and pages without JavaScript. Query parameters, short or
 * long: `k`/`writeKey`, `t`/`type` (track, or page when no event is named), `e`/`event`, `u`/`userId`,
 * `a`/`anonymousId`, `m`/`messageId`, `ts`/`timestamp`, `n`/`name`, `url` and `ref` (the page and referrer),
 * and every `p.NAME=value` as property NAME (text). `data=` may instead carry a whole Segment message as
 * base64url JSON. Pure.
 */

/** A transparent 1×1 GIF. */
export const pixelGif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

type Query = Record<string, string | string[] | undefined>;

function one(query: Query, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = query[name];
    const text = Array.isArray(value) ? value[0] : value;
    if (text !== undefined && text !== '') return text;
  }
  return undefined;
}

export function pixelWriteKey(query: Query): string | undefined {
  return one(query, 'k', 'writeKey');
}

/** `headers`: the request's User-Agent and Referer, used when the query names no page. */
export function pixelMessages(
  query: Query,
  receivedMs: number,
  headers: { userAgent?: string | undefined; referer?: string | undefined } = {},
): Checked {
  const data = one(query, 'data');
  if (data !== undefined) {
    let message: unknown;
    try {
      message = JSON.parse(Buffer.from(data, 'base64url').toString('utf8'));
    } catch {
      return { messages: [], rejected: [{ index: 0, field: 'data', reason: 'not base64url-encoded JSON' }] };
    }
    return checkedOne(checkMessage(message, 0, { receivedMs }));
  }
  const event = one(query, 'e', 'event');
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (key.startsWith('p.') && key.length > 2)
      setOwn(properties, key.slice(2), (Array.isArray(value) ? value[0] : value) ?? '');
  }
  const url = one(query, 'url') ?? headers.referer;
  const referrer = one(query, 'ref');
  if (url !== undefined) properties.url = url;
  if (referrer !== undefined) properties.referrer = referrer;
  const message: Record<string, unknown> = {
    type: one(query, 't', 'type') ?? (event === undefined ? 'page' : 'track'),
    event,
    name: one(query, 'n', 'name'),
    userId: one(query, 'u', 'userId'),
    anonymousId: one(query, 'a', 'anonymousId'),
    messageId: one(query, 'm', 'messageId'),
    timestamp: one(query, 'ts', 'timestamp'),
    properties,
    context: {
      library: { name: 'funnelscope-pixel' },
      ...(headers.userAgent ? { userAgent: headers.userAgent } : {}),
      ...(url !== undefined || referrer !== undefined ? { page: { url, referrer } } : {}),
    },
  };
  return checkedOne(checkMessage(message, 0, { receivedMs }));
}
