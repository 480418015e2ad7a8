/**
 * The builder's pick lists (GET /api/catalog): property names by use (typed columns and JSON keys, counted over a
 * sample of 100,000 events: all of these), and deal stages in the order deals pass them. Expected values counted by
 * hand from the rows below.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';

let dir: string;
let store: DuckDBStore;

const at = (day: number) => `2026-01-0${day}T10:00:00Z`;
const events = [
  // Three page views with a path (typed column) and a title (JSON key only); one with a campaign.
  { type: 'page', anonymousId: 'a', properties: { path: '/', title: 'Home' }, timestamp: at(1), messageId: 'p1' },
  {
    type: 'page',
    anonymousId: 'a',
    properties: { path: '/pricing', title: 'Pricing' },
    timestamp: at(2),
    messageId: 'p2',
  },
  {
    type: 'page',
    anonymousId: 'b',
    properties: { path: '/' },
    context: { campaign: { source: 'news', medium: 'email' } },
    timestamp: at(2),
    messageId: 'p3',
  },
  // Two tracks with a plan; one with a team size too; one in another project.
  {
    type: 'track',
    userId: 'u',
    event: 'Signed Up',
    properties: { plan: 'pro', team_size: 3 },
    timestamp: at(3),
    messageId: 't1',
  },
  { type: 'track', userId: 'v', event: 'Signed Up', properties: { plan: 'free' }, timestamp: at(3), messageId: 't2' },
];

// Deal histories: lead → qualified → won, lead → lost, lead → qualified → lost, and one that skipped lead.
const deals = `deal_id,user_id,stage,status,created_at
D1,u,won,won,2026-01-03
D2,v,lost,lost,2026-01-03
D3,v,lost,lost,2026-01-03
D4,u,qualified,open,2026-01-04
`;
const stages = `deal_id,stage,entered_at
D1,lead,2026-01-03
D1,qualified,2026-01-04
D1,won,2026-01-06
D2,lead,2026-01-03
D2,lost,2026-01-05
D3,lead,2026-01-03
D3,qualified,2026-01-05
D3,lost,2026-01-07
D4,qualified,2026-01-04
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-catalog-'));
  store = await DuckDBStore.open({ path: join(dir, 'store.duckdb') });
  const write = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };
  const opts = { project: 'default', skipInvalid: false };
  await store.importFile('events', await write('e.ndjson', events.map((e) => JSON.stringify(e)).join('\n')), opts);
  const other = {
    type: 'track',
    userId: 'x',
    event: 'Other',
    properties: { secret: 1 },
    timestamp: at(1),
    messageId: 'o1',
  };
  await store.importFile('events', await write('o.ndjson', JSON.stringify(other)), { ...opts, project: 'other' });
  await store.importFile('deals', await write('deals.csv', deals), opts);
  await store.importFile('deal-stages', await write('stages.csv', stages), opts);
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('catalog', () => {
  it('lists the properties in use, the most used first, of this project only', async () => {
    const { properties } = await store.catalog('default');
    const byName = Object.fromEntries(properties.map((p) => [p.property, p.events]));
    // path: three page views (typed column); title: two (JSON); plan: two; team_size: one; the campaign's source
    // and medium land in the typed utm columns (one event each).
    expect(byName.path).toBe(3);
    expect(byName.title).toBe(2);
    expect(byName.plan).toBe(2);
    expect(byName.team_size).toBe(1);
    expect(byName.utm_source).toBe(1);
    expect(byName.utm_medium).toBe(1);
    expect(byName.secret).toBeUndefined();
    const counts = properties.map((p) => p.events);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('orders deal stages as deals pass them, with the deals that entered each', async () => {
    // Positions: lead 1,1,1 (mean 1); qualified 2,2,1 (5/3); lost 2,3 (2.5); won 3.
    expect((await store.catalog('default')).dealStages).toEqual([
      { stage: 'lead', deals: 3 },
      { stage: 'qualified', deals: 3 },
      { stage: 'lost', deals: 2 },
      { stage: 'won', deals: 1 },
    ]);
    expect((await store.catalog('other')).dealStages).toEqual([]);
  });
});
