/** The receiver's checks on hand-made messages (expected values worked out by hand). */
import { describe, expect, it } from 'vitest';
import { checkMessage, parseTimestampMs, segmentMessages } from '../../src/ingest/segment.js';

const received = Date.UTC(2026, 10, 28, 12, 0, 0);

describe('parseTimestampMs', () => {
  it('reads ISO-8601 with and without offsets, and epoch numbers by magnitude', () => {
    expect(parseTimestampMs('2026-03-01T10:00:00+05:30')).toBe(Date.UTC(2026, 2, 1, 4, 30));
    expect(parseTimestampMs('2026-03-01T10:00:00-0800')).toBe(Date.UTC(2026, 2, 1, 18, 0));
    expect(parseTimestampMs('2026-03-01 10:00:00.25')).toBe(Date.UTC(2026, 2, 1, 10, 0, 0, 250));
    expect(parseTimestampMs('2026-03-01')).toBe(Date.UTC(2026, 2, 1));
    expect(parseTimestampMs(1_700_000_000)).toBe(1_700_000_000_000);
    expect(parseTimestampMs('1700000000123')).toBe(1_700_000_000_123);
    expect(parseTimestampMs(1_700_000_000_123_456)).toBe(1_700_000_000_123);
  });

  it('refuses what is not a time', () => {
    for (const bad of ['2026-02-30', '2026-13-01', 'yesterday', '', '12:00', true, {}, Number.NaN]) {
      expect(parseTimestampMs(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('checkMessage', () => {
  const check = (message: unknown) => checkMessage(message, 3, { receivedMs: received });

  it('puts a good message in canonical form', () => {
    expect(
      check({
        type: 'TRACK',
        userId: 42,
        event: 'Signed Up',
        messageId: 'm-1',
        timestamp: '2026-11-28T13:00:00+01:00',
      }),
    ).toEqual({
      type: 'track',
      userId: '42',
      event: 'Signed Up',
      messageId: 'm-1',
      timestamp: '2026-11-28T12:00:00.000Z',
    });
  });

  it('gives a message without time or id the arrival time and a server id', () => {
    const m = check({ anonymousId: 'a', event: 'x' });
    expect('reason' in m).toBe(false);
    if ('reason' in m) return;
    expect(m.timestamp).toBe('2026-11-28T12:00:00.000Z');
    expect(m.messageId).toMatch(/^fs-[0-9a-f-]{36}$/);
  });

  it('names the item and the field of what is wrong', () => {
    expect(check({ type: 'track', userId: 'u' })).toEqual({
      index: 3,
      field: 'event',
      reason: 'missing: a track call needs an event name',
    });
    expect(check({ type: 'page' })).toMatchObject({ field: 'userId' });
    expect(check({ type: 'pageview', userId: 'u' })).toMatchObject({ field: 'type' });
    expect(check({ type: 'track', userId: 'u', event: 'x', properties: [1] })).toMatchObject({
      field: 'properties',
      reason: 'must be a JSON object',
    });
    expect(check({ type: 'track', userId: { id: 1 }, event: 'x' })).toMatchObject({ field: 'userId' });
    expect(check({ type: 'alias', userId: 'u' })).toMatchObject({ field: 'previousId' });
    expect(check({ type: 'group', userId: 'u' })).toMatchObject({ field: 'groupId' });
    expect(check('text')).toMatchObject({ field: 'item' });
    expect(check({ type: 'track', userId: 'u', event: 'x', properties: { blob: 'x'.repeat(33_000) } })).toMatchObject({
      field: 'item',
      reason: 'larger than 32 KB',
    });
  });

  it('refuses times before 2000 or more than a day after the request', () => {
    expect(check({ userId: 'u', event: 'x', timestamp: '1999-12-31T23:59:59Z' })).toMatchObject({ field: 'timestamp' });
    expect(check({ userId: 'u', event: 'x', timestamp: '2026-11-29T12:00:01Z' })).toMatchObject({ field: 'timestamp' });
    expect('reason' in check({ userId: 'u', event: 'x', timestamp: '2026-11-29T12:00:00Z' })).toBe(false);
    expect(check({ userId: 'u', event: 'x', originalTimestamp: 'soon' })).toMatchObject({ field: 'originalTimestamp' });
  });
});

describe('segmentMessages', () => {
  it('keeps the good items of a batch, reports the bad by index, applies the batch context', () => {
    const { messages, rejected } = segmentMessages(
      {
        context: { library: { name: 'x' } },
        batch: [
          { type: 'track', userId: 'u', event: 'a', messageId: '1' },
          { type: 'track', userId: 'u', messageId: '2' },
          { type: 'identify', anonymousId: 'v', context: { ip: '0' }, messageId: '3' },
        ],
      },
      'batch',
      received,
    );
    expect(messages.map((m) => [m.messageId, m.context])).toEqual([
      ['1', { library: { name: 'x' } }],
      ['3', { library: { name: 'x' }, ip: '0' }],
    ]);
    expect(rejected).toEqual([{ index: 1, field: 'event', reason: 'missing: a track call needs an event name' }]);
  });

  it('refuses a batch of more than 2,500 messages whole', () => {
    const batch = Array.from({ length: 2501 }, () => ({ type: 'track', userId: 'u', event: 'a' }));
    const { messages, rejected } = segmentMessages({ batch }, 'batch', received);
    expect(messages).toEqual([]);
    expect(rejected).toEqual([{ index: 0, field: 'batch', reason: '2501 messages; a batch holds at most 2,500' }]);
  });
});
