/**
 * The ClickHouse store on current ClickHouse: chdb (ClickHouse as a library, through its connection for
 * `@clickhouse/client`) in this process, one server, no cluster. The Debian suite (clickhouse-cluster.test.ts) runs
 * 18.16; this one proves the same SQL on a modern release: the funnel scenarios and a migrated demo business give
 * the DuckDB store's numbers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFunnel } from '../../src/analysis/funnel/run-funnel.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { FunnelscopeError } from '../../src/model/errors.js';
import { parseFunnelDefinition } from '../../src/model/funnel-definition.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { defaultBatchEvents } from '../../src/store/clickhouse/clickhouse-url.js';
import { migrateDuckDBToClickHouse } from '../../src/store/clickhouse/migrate-from-duckdb.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { demoStore } from '../helpers/cli.js';
import { scenarios, toDefinition, toNdjson } from '../helpers/funnel-scenarios.js';

let store: ClickHouseStore;
/** The same database, its funnels streamed in batches of a few events (bounded memory). */
let streamed: ClickHouseStore;
/** Runs the streamed store did stream (the others it loaded whole). */
let streamedRuns = 0;
let client: ClickHouseClient;
let dir = '';
let version = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'funnelscope-chdb-'));
  const { createChdbConnection } = await import('chdb/connection');
  // chdb types the connection against @clickhouse/client-common's copy of the same interface.
  const connection = createChdbConnection({ path: join(dir, 'data') }) as unknown as NonNullable<
    Parameters<typeof createClient>[0]
  >['connection'];
  client = createClient({ connection });
  const target = {
    shards: [{ host: 'chdb', port: 0 }],
    database: 'funnelscope',
    cluster: null,
    user: 'default',
    password: '',
    batchEvents: defaultBatchEvents,
  };
  store = await ClickHouseStore.open(target, { clients: [client] });
  // It shares the client, closed with `store`.
  streamed = await ClickHouseStore.open({ ...target, batchEvents: 3 }, { clients: [client] });
  const stream = streamed.streamPersons.bind(streamed);
  streamed.streamPersons = async (project, request) => {
    const persons = await stream(project, request);
    if (persons) streamedRuns += 1;
    return persons;
  };
  version = (await store.shards.rows(0, 'SELECT version()'))[0]?.[0] ?? '';
}, 60_000);
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function numbers(report: unknown): unknown {
  return JSON.parse(JSON.stringify(report), (key, value) =>
    key === 'elapsedMs' || key === 'batches' ? undefined : value,
  );
}

/** The report, or the error's code. */
async function funnelOf(source: DuckDBStore | ClickHouseStore, project: string, definition: string) {
  try {
    return numbers(await runFunnel(new ColumnCache(source), project, parseFunnelDefinition(definition)));
  } catch (error) {
    if (error instanceof FunnelscopeError) return { error: error.code };
    throw error;
  }
}

describe('ClickHouse store on current ClickHouse (chdb)', () => {
  it('runs a modern ClickHouse', () => {
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it('gives every funnel scenario the numbers the DuckDB store gives', async () => {
    const failures: string[] = [];
    for (const s of scenarios) {
      const file = join(dir, `${s.id}.ndjson`);
      writeFileSync(file, toNdjson(s));
      const definition = JSON.stringify(toDefinition(s.funnel));
      const duck = await DuckDBStore.open({ path: ':memory:' });
      try {
        await duck.importFile('events', file, { project: 'default', skipInvalid: false });
        const project = `scenario_${s.id}`;
        await store.importFile('events', file, { project, skipInvalid: false });
        const a = await funnelOf(duck, 'default', definition);
        const [b, c] = [await funnelOf(store, project, definition), await funnelOf(streamed, project, definition)];
        try {
          expect(b).toEqual(a);
          expect(c).toEqual(a);
        } catch (error) {
          failures.push(`${s.id}: ${(error as Error).message.slice(0, 400)}`);
        }
      } finally {
        await duck.close();
      }
    }
    expect(failures).toEqual([]);
    // Every run the kernel can take batch by batch was streamed: units are persons, a breakdown has one property,
    // and the project holds more than the 3 events of a batch.
    const streamable = scenarios.filter((s) => {
      const events = toNdjson(s).trim().split('\n').length;
      try {
        const d = parseFunnelDefinition(JSON.stringify(toDefinition(s.funnel)));
        return d.countBy.type === 'person' && (d.breakdown?.properties.length ?? 1) === 1 && events > 3;
      } catch {
        return false; // an invalid definition fails before any run
      }
    });
    expect(streamedRuns).toBe(streamable.length);
  }, 240_000);

  it('gives a migrated demo business the same funnels, deals, KPI inputs, persons and counts', async () => {
    const { db, cleanup } = await demoStore(['--visitors', '2000', '--days', '45', '--end-date', '2026-10-31']);
    const source = await DuckDBStore.open({ path: db });
    try {
      const summary = await migrateDuckDBToClickHouse(source, store, {});
      const counts = await source.counts('default');
      expect(summary.projects.find((p) => p.project === 'default')?.events).toBe(counts.events);
      expect(await store.counts('default')).toEqual(counts);
      for (const definition of [
        { steps: [{ event: '$pageview' }, { event: 'Signed Up' }], breakdown: { properties: ['channel'] } },
        {
          steps: [
            { event: 'Signed Up' },
            { event: '$deal_stage', filters: [{ property: 'stage', op: 'eq', value: 'qualified' }] },
          ],
          window: { amount: 60, unit: 'day' },
        },
      ]) {
        const text = JSON.stringify(definition);
        const expected = await funnelOf(source, 'default', text);
        expect(await funnelOf(store, 'default', text)).toEqual(expected);
        expect(await funnelOf(streamed, 'default', text)).toEqual(expected);
      }
      expect(await store.dealRecords('default')).toEqual(await source.dealRecords('default'));
      expect(await store.spendAndDeals('default')).toEqual(await source.spendAndDeals('default'));
      const [row] = await source.db.rows<{ id: string }>(
        'SELECT d.user_id AS id FROM deals d JOIN person_map m ON m.distinct_id = d.user_id LIMIT 1',
      );
      expect(row).toBeDefined();
      expect(await store.getPerson('default', row?.id as string)).toEqual(
        await source.getPerson('default', row?.id as string),
      );
    } finally {
      await source.close();
      await cleanup();
    }
  }, 120_000);
});
