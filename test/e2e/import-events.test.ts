import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { fixtures, runCliJson, tempDir } from '../helpers/cli.js';

const ottoCsv = join(fixtures, 'otto/otto_events_flat.csv');
const ottoMap = ['--map', 'user_id=session', '--map', 'event=type', '--map', 'timestamp=ts'];

/** The OTTO events as read straight from the CSV, the independent reference for every count below. */
const ottoRows = readFileSync(ottoCsv, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [session, aid, ts, type] = line.split(',');
    return { session: String(session), aid: Number(aid), ts: Number(ts), type: String(type) };
  });

/** OTTO's own JSONL (one line per session) turned into Segment track calls, one per line. */
function ottoAsSegmentNdjson(): string[] {
  const sessions = readFileSync(join(fixtures, 'otto/otto_sessions_sample.jsonl'), 'utf8').trim().split('\n');
  return sessions.flatMap((line) => {
    const s = JSON.parse(line) as { session: number; events: { aid: number; ts: number; type: string }[] };
    return s.events.map((e) =>
      JSON.stringify({
        type: 'track',
        userId: String(s.session),
        event: e.type,
        timestamp: e.ts,
        properties: { aid: e.aid },
      }),
    );
  });
}

interface Summary {
  rowsRead: number;
  imported: number;
  duplicates: number;
  rejected: number;
  updated: number;
  rejectsFile?: string;
}
interface ErrorBody {
  error: { code: string; message: string; details: { line?: number; row?: number; field?: string; file?: string } };
}

async function eventCounts(db: string, project = 'default') {
  const store = await DuckDBStore.open({ path: db });
  try {
    const byEvent = await store.db.rows<{ event: string; n: bigint }>(
      `SELECT event, count(*) AS n FROM events WHERE project_id = $project GROUP BY event ORDER BY event`,
      { project },
    );
    const [range = { first: new Date(Number.NaN), last: new Date(Number.NaN) }] = await store.db.rows<{
      first: Date;
      last: Date;
    }>(`SELECT min(ts) AS first, max(ts) AS last FROM events WHERE project_id = $project`, { project });
    return {
      counts: await store.counts(project),
      byEvent: Object.fromEntries(byEvent.map((r) => [r.event, Number(r.n)])),
      range,
    };
  } finally {
    await store.close();
  }
}

const expectedByEvent = () => {
  const by: Record<string, number> = {};
  for (const r of ottoRows) by[r.type] = (by[r.type] ?? 0) + 1;
  return by;
};

describe('importing the OTTO sessions sample (real clickstream, CC BY 4.0)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(() => cleanup());

  it('imports the CSV with --map, exactly, and stores nothing twice on re-import', async () => {
    const db = join(dir, 'csv.duckdb');
    const first = await runCliJson<Summary>(['--db', db, 'import', 'events', ottoCsv, ...ottoMap, '--json']);
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({ rowsRead: 862, imported: 862, duplicates: 0, rejected: 0 });
    const again = await runCliJson<Summary>(['--db', db, 'import', 'events', ottoCsv, ...ottoMap, '--json']);
    expect(again.json).toMatchObject({ rowsRead: 862, imported: 0, duplicates: 862, rejected: 0 });

    const { counts, byEvent, range } = await eventCounts(db);
    expect(counts.events).toBe(ottoRows.length);
    expect(counts.persons).toBe(new Set(ottoRows.map((r) => r.session)).size);
    expect(byEvent).toEqual(expectedByEvent());
    expect(range.first.getTime()).toBe(Math.min(...ottoRows.map((r) => r.ts)));
    expect(range.last.getTime()).toBe(Math.max(...ottoRows.map((r) => r.ts)));
  });

  it('imports the same events from Segment NDJSON, gzipped NDJSON and Parquet with the same counts', async () => {
    const db = join(dir, 'formats.duckdb');
    const lines = ottoAsSegmentNdjson();
    const ndjson = join(dir, 'otto.ndjson');
    await writeFile(ndjson, `${lines.join('\n')}\n`);
    await writeFile(`${ndjson}.gz`, gzipSync(`${lines.join('\r\n')}\r\n`));

    const plain = await runCliJson<Summary>(['--db', db, '--project', 'nd', 'import', 'events', ndjson, '--json']);
    expect(plain.json).toMatchObject({ rowsRead: 862, imported: 862, duplicates: 0, rejected: 0 });
    // Same messages, gzipped and with CRLF line ends: every one is a duplicate of the plain file's.
    const gz = await runCliJson<Summary>(['--db', db, '--project', 'nd', 'import', 'events', `${ndjson}.gz`, '--json']);
    expect(gz.json).toMatchObject({ rowsRead: 862, imported: 0, duplicates: 862, rejected: 0 });

    // Parquet written by DuckDB with a typed TIMESTAMP column and a numeric property column.
    const parquet = join(dir, 'otto.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT session::VARCHAR AS user_id, type AS event, make_timestamp(ts * 1000) AS timestamp, aid
             FROM read_csv($src, header = true)) TO '${parquet.replaceAll("'", "''")}' (FORMAT parquet)`,
      { src: ottoCsv },
    );
    connection.closeSync();
    instance.closeSync();
    const pq = await runCliJson<Summary>(['--db', db, '--project', 'pq', 'import', 'events', parquet, '--json']);
    expect(pq.json).toMatchObject({ rowsRead: 862, imported: 862, duplicates: 0, rejected: 0 });

    for (const project of ['nd', 'pq']) {
      const { counts, byEvent, range } = await eventCounts(db, project);
      expect(counts.events).toBe(862);
      expect(counts.persons).toBe(20);
      expect(byEvent).toEqual(expectedByEvent());
      expect(range.first.getTime()).toBe(Math.min(...ottoRows.map((r) => r.ts)));
    }
    const store = await DuckDBStore.open({ path: db });
    try {
      const aid = await store.db.value<string>(
        `SELECT properties->>'aid' FROM events WHERE project_id = 'pq' AND distinct_id = '0' ORDER BY ts LIMIT 1`,
      );
      expect(aid).toBe(String(ottoRows[0]?.aid));
    } finally {
      await store.close();
    }
  });
});

describe('bad input: all-or-nothing per file, errors that name the line and field', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let lines: string[];
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    lines = ottoAsSegmentNdjson();
  });
  afterAll(() => cleanup());

  async function storeWithGoodFile(name: string): Promise<string> {
    const db = join(dir, `${name}.duckdb`);
    const good = join(dir, `${name}-good.ndjson`);
    await writeFile(good, `${lines.slice(0, 100).join('\n')}\n`);
    const result = await runCliJson<Summary>(['--db', db, 'import', 'events', good, '--json']);
    expect(result.json.imported).toBe(100);
    return db;
  }

  const corruptions: {
    name: string;
    make: (l: string[]) => string[];
    line: number;
    field: string;
    format: 'ndjson' | 'csv';
  }[] = [
    {
      name: 'a truncated line',
      make: (l) => l.map((x, i) => (i === 199 ? x.slice(0, Math.floor(x.length / 2)) : x)),
      line: 200,
      field: 'line',
      format: 'ndjson',
    },
    {
      name: 'a missing event name',
      make: (l) =>
        l.map((x, i) => {
          if (i !== 299) return x;
          const { event: _event, ...rest } = JSON.parse(x) as Record<string, unknown>;
          return JSON.stringify(rest);
        }),
      line: 300,
      field: 'event',
      format: 'ndjson',
    },
    {
      name: 'a bad timestamp',
      make: (l) =>
        l.map((x, i) => (i === 149 ? x.replace(/"timestamp":\d+/, '"timestamp":"2022-13-45T10:00:00Z"') : x)),
      line: 150,
      field: 'timestamp',
      format: 'ndjson',
    },
  ];

  for (const c of corruptions) {
    it(`aborts on ${c.name}, stores nothing of the file, and --skip-invalid keeps the rest`, async () => {
      const db = await storeWithGoodFile(c.name.replaceAll(' ', '-'));
      const bad = join(dir, `${c.name.replaceAll(' ', '-')}.ndjson`);
      await writeFile(bad, `${c.make(lines).join('\n')}\n`);
      const failed = await runCliJson<ErrorBody>(['--db', db, 'import', 'events', bad, '--json']);
      expect(failed.code).toBe(2);
      expect(failed.json.error.code).toBe('invalid_input');
      expect(failed.json.error.details).toMatchObject({ file: bad, line: c.line, field: c.field });
      expect((await eventCounts(db)).counts.events).toBe(100);

      const skipped = await runCliJson<Summary>(['--db', db, 'import', 'events', bad, '--skip-invalid', '--json']);
      expect(skipped.code).toBe(0);
      // 862 lines: 1 rejected, the first 100 already stored, the other 761 new.
      expect(skipped.json).toMatchObject({ rowsRead: 862, rejected: 1, imported: 761, duplicates: 100 });
      const rejects = (await readFile(`${bad}.rejected.ndjson`, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(rejects).toHaveLength(1);
      expect(rejects[0]).toMatchObject({ line: c.line, field: c.field });
      expect(rejects[0].input).toBe(c.make(lines)[c.line - 1]);
      expect((await eventCounts(db)).counts.events).toBe(861);
    });
  }

  it('names the CSV line of a bad timestamp, counting rows the reader set aside', async () => {
    const db = join(dir, 'csv-bad.duckdb');
    const csv = readFileSync(ottoCsv, 'utf8').trim().split('\n');
    csv[10] = `${csv[10]},extra-column`; // line 11: one field too many
    csv[50] = csv[50]?.replace(/,(\d{13}),/, ',yesterday,') ?? ''; // line 51: not a time
    const bad = join(dir, 'otto-bad.csv');
    await writeFile(bad, `${csv.join('\n')}\n`);
    const failed = await runCliJson<ErrorBody>(['--db', db, 'import', 'events', bad, ...ottoMap, '--json']);
    expect(failed.code).toBe(2);
    expect(failed.json.error.details).toMatchObject({ line: 11 });
    const skipped = await runCliJson<Summary>([
      '--db',
      db,
      'import',
      'events',
      bad,
      ...ottoMap,
      '--skip-invalid',
      '--json',
    ]);
    expect(skipped.json).toMatchObject({ rowsRead: 862, imported: 860, rejected: 2 });
    const rejects = (await readFile(`${bad}.rejected.ndjson`, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rejects.map((r) => [r.line, r.field])).toEqual([
      [11, 'line'],
      [51, 'timestamp'],
    ]);
    expect(rejects[1].input).toMatchObject({ ts: 'yesterday', type: csv[50]?.split(',')[3] });
  });

  it('rejects a missing file, an unknown format and an unknown --map field with their own codes', async () => {
    const db = join(dir, 'misc.duckdb');
    const missing = await runCliJson<ErrorBody>(['--db', db, 'import', 'events', join(dir, 'nope.csv'), '--json']);
    expect(missing.json.error.code).toBe('file_not_found');
    await writeFile(join(dir, 'x.xlsx'), 'x');
    const format = await runCliJson<ErrorBody>(['--db', db, 'import', 'events', join(dir, 'x.xlsx'), '--json']);
    expect(format.json.error.code).toBe('unsupported_format');
    const map = await runCliJson<ErrorBody>([
      '--db',
      db,
      'import',
      'events',
      ottoCsv,
      '--map',
      'colour=type',
      '--json',
    ]);
    expect(map.json.error).toMatchObject({ code: 'invalid_argument', details: { field: 'colour' } });
  });
});
