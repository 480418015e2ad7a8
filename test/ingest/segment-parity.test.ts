/**
 * The receiver's checks and the file importer's agree: 2,000 random messages (ids as text or numbers, times as ISO
 * with and without offsets or as epoch seconds/milliseconds, odd properties and context) go through
 * `checkMessage`; every one it accepts, written to NDJSON as the ingest log writes it, is stored by the importer
 * without a rejection, at the time the receiver computed, under its type's event name.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkMessage, type LiveMessage } from '../../src/ingest/segment.js';
import { eventNameByType } from '../../src/ingest/segment-fields.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';

const receivedMs = Date.UTC(2026, 10, 28, 12, 0, 0);

const timeArbitrary = fc.oneof(
  fc
    .date({ min: new Date('2000-01-02'), max: new Date('2026-11-28T12:00:00Z'), noInvalidDate: true })
    .chain((d) =>
      fc.constantFrom(
        d.toISOString(),
        d.toISOString().replace('Z', '+00:00'),
        d.toISOString().replace('T', ' ').replace('Z', ''),
        `${d.toISOString().slice(0, 19)}+05:30`,
        `${d.toISOString().slice(0, 19)}-0800`,
        d.toISOString().slice(0, 10),
        Math.floor(d.getTime() / 1000),
        d.getTime(),
        String(d.getTime()),
        `${Math.floor(d.getTime() / 1000)}.25`,
      ),
    ),
  fc.constant(undefined),
  fc.string({ maxLength: 12 }),
);

const idArbitrary = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer({ min: -1e6, max: 1e9 }),
  fc.constant(undefined),
  fc.constant(null),
);

const messageArbitrary = fc.record({
  type: fc.option(fc.constantFrom('track', 'page', 'screen', 'identify', 'group', 'alias', 'Track', 'PAGE'), {
    nil: undefined,
  }),
  userId: idArbitrary,
  anonymousId: idArbitrary,
  groupId: idArbitrary,
  previousId: idArbitrary,
  event: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
  name: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  timestamp: timeArbitrary,
  properties: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }), {
    nil: undefined,
  }),
  traits: fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }), {
    nil: undefined,
  }),
  context: fc.option(
    fc.record({
      page: fc.option(fc.record({ url: fc.webUrl({ withQueryParameters: true }) }), { nil: undefined }),
      userAgent: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
      groups: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }), {
        nil: undefined,
      }),
    }),
    { nil: undefined },
  ),
});

describe('receiver checks vs the file importer', () => {
  it('every message the receiver accepts is stored by the importer, at the same time', async () => {
    const raw = fc.sample(messageArbitrary, { numRuns: 2000, seed: 42 });
    const accepted: LiveMessage[] = [];
    raw.forEach((message, i) => {
      const checked = checkMessage({ ...message, messageId: `parity-${i}` }, i, { receivedMs });
      if (!('reason' in checked)) accepted.push(checked);
    });
    // The generator reaches both sides.
    expect(accepted.length).toBeGreaterThan(300);
    expect(accepted.length).toBeLessThan(1900);

    const dir = await mkdtemp(join(tmpdir(), 'fs-parity-'));
    const store = await DuckDBStore.open({ path: ':memory:' });
    try {
      const file = join(dir, 'log.ndjson');
      await writeFile(file, accepted.map((m) => `${JSON.stringify(m)}\n`).join(''));
      const summary = await store.importFile('events', file, {
        project: 'default',
        skipInvalid: false,
        format: 'ndjson',
      });
      expect(summary.rejected).toBe(0);
      expect(summary.imported).toBe(accepted.length);
      const rows = await store.db.rows<{ message_id: string; ts: Date; event: string }>(
        `SELECT message_id, ts, event FROM events`,
      );
      const byId = new Map(rows.map((r) => [r.message_id, r]));
      for (const m of accepted) {
        const row = byId.get(m.messageId);
        expect(row?.ts.toISOString(), m.messageId).toBe(m.timestamp);
        expect(row?.event).toBe(m.type === 'track' ? m.event : eventNameByType[m.type]);
      }
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
