import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStore, runCliJson, tempDir } from '../helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

interface Summary {
  imported: number;
  rejected: number;
  duplicates: number;
}
interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

async function importFile(db: string, kind: string, name: string, content: string | Buffer, ...args: string[]) {
  const file = join(dir, name);
  await writeFile(file, content);
  return runCliJson<Summary & ErrorBody>(['--db', db, 'import', kind, file, '--json', ...args]);
}

describe('keyed imports: defaults, status, column mapping', () => {
  it('stores spend without campaign or channel columns, and with blank cells, under the empty key', async () => {
    const db = join(dir, 'spend.duckdb');
    const a = await importFile(
      db,
      'spend',
      'spend-a.csv',
      'Day,Cost\n2024-05-01,10\n',
      '--map',
      'date=Day,cost=Cost',
      '--set',
      'channel=Paid Search,source=google',
    );
    expect(a.json).toMatchObject({ imported: 1, rejected: 0 });
    const b = await importFile(db, 'spend', 'spend-b.csv', 'date,channel,cost\n20240502,,7.5\n');
    expect(b.json).toMatchObject({ imported: 1, rejected: 0 });
    expect(
      await queryStore(db, `SELECT date::VARCHAR AS date, channel, source, campaign, cost FROM spend ORDER BY date`),
    ).toEqual([
      { date: '2024-05-01', channel: 'Paid Search', source: 'google', campaign: '', cost: 10 },
      { date: '2024-05-02', channel: '', source: '', campaign: '', cost: 7.5 },
    ]);
  });

  it('reads won and lost from the stage when a deal has no status (HubSpot exports)', async () => {
    const db = join(dir, 'deals.duckdb');
    const result = await importFile(
      db,
      'deals',
      'hubspot.csv',
      'Record ID,Deal Stage\nD1,Closed Won\nD2,closedlost\nD3,Proposal\n',
      '--map',
      'deal_id=Record ID,stage=Deal Stage',
    );
    expect(result.json).toMatchObject({ imported: 3, rejected: 0 });
    expect(await queryStore(db, `SELECT deal_id, stage, status FROM deals ORDER BY deal_id`)).toEqual([
      { deal_id: 'D1', stage: 'Closed Won', status: 'won' },
      { deal_id: 'D2', stage: 'closedlost', status: 'lost' },
      { deal_id: 'D3', stage: 'Proposal', status: 'open' },
    ]);
  });

  it('gives a --map column to its field even when another field has that column name', async () => {
    const db = join(dir, 'map.duckdb');
    await importFile(db, 'deals', 'map.csv', 'deal_id,name,title\nD1,proposal,Acme\n', '--map', 'stage=name');
    expect(await queryStore(db, `SELECT name, stage, properties::VARCHAR AS properties FROM deals`)).toEqual([
      { name: null, stage: 'proposal', properties: '{"title":"Acme"}' },
    ]);
  });
});

describe('events: what makes two events one', () => {
  it('keeps events apart that differ only in context, in which id is set, or that carry an empty messageId', async () => {
    const db = join(dir, 'hash.duckdb');
    const lines = [
      {
        type: 'page',
        anonymousId: 'a1',
        timestamp: '2024-05-01T10:00:00Z',
        context: { page: { url: 'https://x.example/pricing' } },
      },
      {
        type: 'page',
        anonymousId: 'a1',
        timestamp: '2024-05-01T10:00:00Z',
        context: { page: { url: 'https://x.example/signup' } },
      },
      { type: 'track', userId: '42', event: 'Viewed', timestamp: '2024-05-01T10:00:00Z' },
      { type: 'track', anonymousId: '42', event: 'Viewed', timestamp: '2024-05-01T10:00:00Z' },
      { type: 'track', messageId: '', userId: 'u', event: 'A', timestamp: '2024-05-01T10:00:00Z' },
      { type: 'track', messageId: ' ', userId: 'u', event: 'B', timestamp: '2024-05-01T10:00:00Z' },
    ].map((m) => JSON.stringify(m));
    const result = await importFile(db, 'events', 'hash.ndjson', lines.join('\n'));
    expect(result.json).toMatchObject({ imported: 6, duplicates: 0 });
  });

  it('refuses NaN and Infinity, which are not JSON, naming the field', async () => {
    const db = join(dir, 'nan.duckdb');
    const result = await importFile(
      db,
      'events',
      'nan.ndjson',
      '{"type":"identify","userId":"u1","timestamp":"2024-05-01T10:00:00Z","traits":{"score":NaN}}\n',
    );
    expect(result.code).toBe(2);
    expect(result.json.error.details).toMatchObject({ line: 1, field: 'traits' });
  });

  it('refuses a CSV properties column that is not an object', async () => {
    const db = join(dir, 'props.duckdb');
    const result = await importFile(
      db,
      'events',
      'props.csv',
      'user_id,event,timestamp,properties\nu1,A,2024-05-01,"[1,2]"\n',
    );
    expect(result.json.error.details).toMatchObject({ line: 2, field: 'properties' });
  });

  it('takes a file column named like funnelscope internals as a plain property', async () => {
    const db = join(dir, 'internal.duckdb');
    const result = await importFile(
      db,
      'events',
      'internal.csv',
      'user_id,event,timestamp,row_no\nu1,A,2024-05-01,7\n',
    );
    expect(result.json).toMatchObject({ imported: 1 });
    expect(await queryStore(db, `SELECT properties->>'row_no' AS row_no FROM events`)).toEqual([{ row_no: '7' }]);
  });
});

describe('damaged files', () => {
  it('names the physical line of a CRLF file', async () => {
    const db = join(dir, 'crlf.duckdb');
    const lines = [
      '{"userId":"u","event":"A","timestamp":1}',
      '{"userId":"u","event":"B","timestamp":2}',
      '{"type":"track","userId":"u","timestamp":3}',
    ];
    const result = await importFile(db, 'events', 'crlf.ndjson', `${lines.join('\r\n')}\r\n`);
    expect(result.json.error.details).toMatchObject({ line: 3, field: 'event' });
  });

  it('refuses a cut-off gzip file whole, even when the cut falls between lines', async () => {
    const db = join(dir, 'gz.duckdb');
    const body = Array.from({ length: 2000 }, (_, i) => `u${i},Viewed,2024-05-01T10:00:00Z`).join('\n');
    const gz = gzipSync(`user_id,event,timestamp\n${body}\n`);
    const result = await importFile(db, 'events', 'cut.csv.gz', gz.subarray(0, gz.length - 8));
    expect(result.code).toBe(2);
    expect(result.json.error.code).toBe('invalid_input');
    expect(result.json.error.message).toContain('gzip');
    expect(await queryStore(db, 'SELECT count(*)::INTEGER AS n FROM events')).toEqual([{ n: 0 }]);
  });
});
