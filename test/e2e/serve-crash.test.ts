/**
 * Durability: 100,000 events sent in batches of 500 (four requests in flight) to a server that is killed with
 * SIGKILL at random moments and started again; a batch that got no 2xx is sent again with the same message ids,
 * as SDKs retry. Afterwards every acknowledged messageId is in the store exactly once.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { createProject, type RunningServer, startServer } from '../helpers/server.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-crash-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const totalEvents = 100_000;
const batchSize = 500;

function batchBody(b: number): string {
  const batch = Array.from({ length: batchSize }, (_, i) => {
    const n = b * batchSize + i;
    return {
      type: 'track',
      messageId: `crash-${n}`,
      userId: `u${n % 3000}`,
      event: n % 7 === 0 ? 'Signed Up' : 'Page Viewed',
      timestamp: new Date(Date.UTC(2026, 10, 1) + n * 1000).toISOString(),
      properties: { n },
    };
  });
  return JSON.stringify({ batch });
}

describe('serve: crash safety', () => {
  it('every acknowledged messageId is stored exactly once across SIGKILLs and restarts', async () => {
    const db = join(dir, 'store.duckdb');
    const { writeKey } = await createProject(db, 'default');
    const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    const random = rng(20261128);
    const pending = Array.from({ length: totalEvents / batchSize }, (_, b) => b);
    const acked = new Set<number>();
    let kills = 0;
    /** Log segments a kill left behind (the start after it must store them). */
    let leftBehind = 0;

    while (pending.length > 0) {
      const server: RunningServer = await startServer(db, ['--flush-ms', '50']);
      // Kill after a random while, unless this is the round that finishes the job.
      const killAfterMs = kills < 6 ? 150 + random() * 600 : Number.POSITIVE_INFINITY;
      let killed = false;
      const killer =
        killAfterMs === Number.POSITIVE_INFINITY
          ? null
          : setTimeout(() => {
              killed = true;
              void server.kill();
            }, killAfterMs);
      const send = async () => {
        while (!killed && pending.length > 0) {
          const b = pending.shift() as number;
          try {
            const response = await fetch(`${server.url}/v1/batch`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: auth },
              body: batchBody(b),
            });
            if (response.status === 200) acked.add(b);
            else pending.push(b);
            await response.arrayBuffer();
          } catch {
            pending.push(b); // no answer: the client sends it again
          }
        }
      };
      await Promise.all([send(), send(), send(), send()]);
      if (killer) {
        clearTimeout(killer);
        if (!killed) await server.stop();
        else await server.kill();
        kills += 1;
        leftBehind += readdirSync(`${db}.ingest`).filter((f) => f.endsWith('.ndjson')).length;
      } else {
        expect(await server.stop()).toBe(0);
      }
    }
    expect(acked.size).toBe(totalEvents / batchSize);
    expect(kills).toBeGreaterThanOrEqual(1);
    expect(leftBehind).toBeGreaterThan(0);

    const store = await DuckDBStore.open({ path: db });
    try {
      const [row] = await store.db.rows<{ events: bigint; ids: bigint; wanted: bigint }>(
        `SELECT count(*) AS events, count(DISTINCT message_id) AS ids,
                count(*) FILTER (WHERE message_id LIKE 'crash-%') AS wanted
         FROM events WHERE project_id = 'default'`,
      );
      expect(Number(row?.events)).toBe(totalEvents);
      expect(Number(row?.ids)).toBe(totalEvents);
      expect(Number(row?.wanted)).toBe(totalEvents);
    } finally {
      await store.close();
    }
  }, 300_000);
});
