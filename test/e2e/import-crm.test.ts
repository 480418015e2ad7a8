import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStore, runCliJson, sharedDatasets, tempDir } from '../helpers/cli.js';

interface Summary {
  rowsRead: number;
  imported: number;
  updated: number;
  duplicates: number;
  rejected: number;
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('deals, stage history and spend from CSV', () => {
  it('maps a Pipedrive-style export, upserts on re-export, and dedupes stage history', async () => {
    const db = join(dir, 'crm.duckdb');
    const v1 = join(dir, 'pipedrive-v1.csv');
    await writeFile(
      v1,
      [
        'Deal - ID,Deal - Title,Deal - Value,Deal - Currency,Deal - Status,Deal - Owner,Deal - Deal created,Person - Email,Region',
        '17,Acme rollout,"$12,500.00",USD,Open,Dana,2024-03-01 09:00:00,ann@acme.io,EMEA',
        '18,Globex pilot,900,USD,Lost,Sam,2024-03-02 10:00:00,bo@globex.com,NA',
      ].join('\n'),
    );
    const map = [
      '--map',
      'deal_id=Deal - ID,name=Deal - Title,amount=Deal - Value,currency=Deal - Currency,status=Deal - Status',
      '--map',
      'owner=Deal - Owner,created_at=Deal - Deal created,email=Person - Email',
    ];
    const first = await runCliJson<Summary>(['--db', db, 'import', 'deals', v1, ...map, '--json']);
    expect(first.json).toMatchObject({ rowsRead: 2, imported: 2, updated: 0, duplicates: 0, rejected: 0 });
    const same = await runCliJson<Summary>(['--db', db, 'import', 'deals', v1, ...map, '--json']);
    expect(same.json).toMatchObject({ imported: 0, updated: 0, duplicates: 2 });
    const v2 = join(dir, 'pipedrive-v2.csv');
    await writeFile(v2, (await readFile(v1, 'utf8')).replace('Open,Dana', 'Won,Dana'));
    const second = await runCliJson<Summary>(['--db', db, 'import', 'deals', v2, ...map, '--json']);
    expect(second.json).toMatchObject({ imported: 0, updated: 1, duplicates: 1 });
    const deals = await queryStore<{ deal_id: string; amount: number; status: string; properties: string }>(
      db,
      `SELECT deal_id, amount, status, properties::VARCHAR AS properties FROM deals ORDER BY deal_id`,
    );
    expect(deals.map((d) => [d.deal_id, d.amount, d.status])).toEqual([
      ['17', 12500, 'won'],
      ['18', 900, 'lost'],
    ]);
    expect(JSON.parse(deals[0]?.properties ?? '{}')).toEqual({ Region: 'EMEA' });

    const stages = join(dir, 'stages.csv');
    await writeFile(stages, 'deal_id,stage,entered_at\n17,lead,2024-03-01T09:00:00Z\n17,won,2024-03-20T15:00:00Z\n');
    expect((await runCliJson<Summary>(['--db', db, 'import', 'deal-stages', stages, '--json'])).json).toMatchObject({
      imported: 2,
    });
    expect((await runCliJson<Summary>(['--db', db, 'import', 'deal-stages', stages, '--json'])).json).toMatchObject({
      imported: 0,
      duplicates: 2,
    });
  });

  it('rejects a bad amount with its line and field, storing nothing of the file', async () => {
    const db = join(dir, 'bad-deals.duckdb');
    const bad = join(dir, 'bad-deals.csv');
    await writeFile(bad, 'deal_id,amount,created_at\nD1,100,2024-01-01\nD2,lots,2024-01-02\nD3,300,2024-01-03\n');
    const failed = await runCliJson<{ error: { code: string; details: Record<string, unknown> } }>([
      '--db',
      db,
      'import',
      'deals',
      bad,
      '--json',
    ]);
    expect(failed.code).toBe(2);
    expect(failed.json.error).toMatchObject({ code: 'invalid_input', details: { line: 3, field: 'amount' } });
    expect(await queryStore(db, 'SELECT * FROM deals')).toEqual([]);
    const skipped = await runCliJson<Summary>(['--db', db, 'import', 'deals', bad, '--skip-invalid', '--json']);
    expect(skipped.json).toMatchObject({ imported: 2, rejected: 1 });
    const missing = await runCliJson<{ error: { code: string; details: Record<string, unknown> } }>([
      '--db',
      db,
      'import',
      'spend',
      bad,
      '--json',
    ]);
    expect(missing.json.error).toMatchObject({ code: 'invalid_input', details: { field: 'date' } });
  });

  it('imports daily spend with a constant channel, and updates a restated day', async () => {
    const db = join(dir, 'spend.duckdb');
    const file = join(dir, 'spend.csv');
    await writeFile(
      file,
      'Day,Campaign,Cost,Impr.,Clicks\n2024-05-01,brand,120.50,10000,300\n2024-05-02,brand,99.10,9000,"1,250"\n',
    );
    const args = [
      '--db',
      db,
      'import',
      'spend',
      file,
      '--map',
      'date=Day,cost=Cost,impressions=Impr.',
      '--set',
      'channel=Paid Search,source=google',
      '--json',
    ];
    expect((await runCliJson<Summary>(args)).json).toMatchObject({ imported: 2, rejected: 0 });
    await writeFile(
      file,
      'Day,Campaign,Cost,Impr.,Clicks\n2024-05-01,brand,130.00,10000,300\n2024-05-02,brand,99.10,9000,"1,250"\n',
    );
    expect((await runCliJson<Summary>(args)).json).toMatchObject({ imported: 0, updated: 1, duplicates: 1 });
    const rows = await queryStore<{ date: Date; cost: number; clicks: bigint; channel: string }>(
      db,
      `SELECT date, cost, clicks, channel FROM spend ORDER BY date`,
    );
    expect(rows.map((r) => [r.cost, Number(r.clicks), r.channel])).toEqual([
      [130, 300, 'Paid Search'],
      [99.1, 1250, 'Paid Search'],
    ]);
  });
});

const olist = join(sharedDatasets, 'olist-marketing-funnel');
const haveOlist = existsSync(join(olist, 'olist_marketing_qualified_leads_dataset.csv'));
if (!haveOlist) console.warn(`SKIPPED: the Olist tests need ${olist} (non-commercial data, kept out of the repo)`);

describe.skipIf(!haveOlist)('the Olist marketing funnel (real, CC BY-NC-SA, read from ../shared/datasets)', () => {
  it('loads 8,000 MQLs as leads and 842 closed deals onto them via --map', async () => {
    const db = join(dir, 'olist.duckdb');
    const mql = await runCliJson<Summary>([
      '--db',
      db,
      'import',
      'deals',
      join(olist, 'olist_marketing_qualified_leads_dataset.csv'),
      '--map',
      'deal_id=mql_id,created_at=first_contact_date,source_channel=origin',
      '--set',
      'stage=mql',
      '--json',
    ]);
    expect(mql.json).toMatchObject({ rowsRead: 8000, imported: 8000, rejected: 0 });
    const closedDeals = [
      '--db',
      db,
      'import',
      'deals',
      join(olist, 'olist_closed_deals_dataset.csv'),
      '--map',
      'deal_id=mql_id,closed_at=won_date,owner=sr_id,amount=declared_monthly_revenue',
      '--set',
      'status=won,stage=won',
      '--json',
    ];
    const won = await runCliJson<Summary>(closedDeals);
    expect(won.json).toMatchObject({ rowsRead: 842, imported: 0, updated: 842, rejected: 0 });
    const again = await runCliJson<Summary>(closedDeals);
    expect(again.json).toMatchObject({ imported: 0, updated: 0, duplicates: 842 });
    const [counts] = await queryStore<{ total: bigint; won: bigint; open: bigint; organic: bigint }>(
      db,
      `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'won') AS won, count(*) FILTER (WHERE status = 'open') AS open,
              count(*) FILTER (WHERE source_channel = 'organic_search') AS organic FROM deals`,
    );
    expect(Number(counts?.total)).toBe(8000);
    expect(Number(counts?.won)).toBe(842);
    expect(Number(counts?.open)).toBe(8000 - 842);
    // Independent count of the file: lines whose origin column is organic_search.
    const lines = (await readFile(join(olist, 'olist_marketing_qualified_leads_dataset.csv'), 'utf8'))
      .trim()
      .split('\n');
    expect(Number(counts?.organic)).toBe(lines.filter((l) => l.endsWith(',organic_search')).length);
  });
});
