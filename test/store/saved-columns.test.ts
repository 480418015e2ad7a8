/**
 * Data derived from one data version is saved beside the file (`<db>.columns/`): the sorted columns, property
 * columns and the deal people. A fresh process must read them instead of querying again, never use them once the
 * data changed, and treat a damaged file as missing.
 */
import { mkdtemp, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';

let dir: string;
let db: string;
const opts = { project: 'default', skipInvalid: false };
const channel = { kind: 'column', column: 'channel' } as const;

const page = (id: string, user: string, day: number, url: string) =>
  JSON.stringify({
    type: 'page',
    userId: user,
    properties: { url },
    timestamp: `2026-03-0${day}T10:00:00Z`,
    messageId: id,
  });

async function write(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** Opens the store, runs `body` with it and a spy on its SQL, and closes it. */
async function withStore<T>(body: (store: DuckDBStore, sql: () => string[]) => Promise<T>): Promise<T> {
  const store = await DuckDBStore.open({ path: db });
  const run = vi.spyOn(store.db, 'run');
  const rows = vi.spyOn(store.db, 'rows');
  try {
    return await body(store, () => [...run.mock.calls, ...rows.mock.calls].map((c) => String(c[0])));
  } finally {
    await store.close();
  }
}

async function channelColumn(store: DuckDBStore) {
  const project = await new ColumnCache(store).get('default');
  const column = await project.eventValues(channel);
  return { codes: [...column.codes], values: column.values, rows: project.columns.eventCount };
}

const versionFolders = () => readdir(join(`${db}.columns`, 'default.values'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-saved-columns-'));
  db = join(dir, 'store.duckdb');
  const events = [
    page('p1', 'u1', 1, 'https://shop.example/?utm_source=google&utm_medium=cpc'),
    page('p2', 'u1', 2, 'https://shop.example/pricing'),
    page('p3', 'u2', 1, 'https://shop.example/?utm_source=newsletter&utm_medium=email'),
  ];
  await withStore(async (store) => {
    await store.importFile('events', await write('a.ndjson', events.join('\n')), opts);
    await store.importFile(
      'deals',
      await write('d1.csv', 'deal_id,user_id,stage,created_at\nD1,u1,lead,2026-03-03\n'),
      opts,
    );
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saved derived data', () => {
  it('is read by the next process instead of queried again', async () => {
    const first = await withStore(async (store, sql) => {
      const column = await channelColumn(store);
      expect(sql().some((q) => q.includes('funnel_values'))).toBe(true);
      const people = (await store.spendAndDeals('default')).dealPeople;
      return { column, people };
    });
    expect(first.column.rows).toBe(3);
    expect(first.column.values).toEqual([null, 'Direct', 'Email', 'Paid Search']);
    expect(first.people).toEqual([{ dealId: 'D1', personKey: 'u1', firstCampaign: null }]);
    expect(await versionFolders()).toHaveLength(1);

    await withStore(async (store, sql) => {
      expect(await channelColumn(store)).toEqual(first.column);
      expect((await store.spendAndDeals('default')).dealPeople).toEqual(first.people);
      // Neither the property column nor the deal people came from SQL.
      expect(sql().filter((q) => q.includes('funnel_values') || q.includes('deal_people'))).toEqual([]);
    });
  });

  it('treats a damaged file as missing and writes it again', async () => {
    const [version] = await versionFolders();
    const folder = join(`${db}.columns`, 'default.values', version as string);
    const [file] = (await readdir(folder)).filter((f) => f.endsWith('.bin'));
    const path = join(folder, file as string);
    const size = (await stat(path)).size;
    await truncate(path, size - 4);
    await writeFile(join(folder, 'deal-people.json'), '{"version": "x", "val');
    await withStore(async (store, sql) => {
      const column = await channelColumn(store);
      expect(column.values).toEqual([null, 'Direct', 'Email', 'Paid Search']);
      expect(column.codes.filter((c) => c > 0)).toHaveLength(3);
      expect((await store.spendAndDeals('default')).dealPeople).toHaveLength(1);
      expect(sql().some((q) => q.includes('funnel_values'))).toBe(true);
    });
    expect((await stat(path)).size).toBe(size);
  });

  it('is never used once the data changed, and the old version is removed', async () => {
    const [before] = await versionFolders();
    await withStore(async (store) => {
      await store.importFile('events', await write('b.ndjson', page('p4', 'u3', 4, 'https://shop.example/')), opts);
      await store.importFile(
        'deals',
        await write('d2.csv', 'deal_id,user_id,stage,created_at\nD2,u3,lead,2026-03-05\n'),
        opts,
      );
    });
    await withStore(async (store) => {
      const column = await channelColumn(store);
      expect(column.rows).toBe(4);
      expect(column.codes.filter((c) => c > 0)).toHaveLength(4);
      expect((await store.spendAndDeals('default')).dealPeople.map((d) => d.dealId)).toEqual(['D1', 'D2']);
    });
    const after = await versionFolders();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);
  });
});
