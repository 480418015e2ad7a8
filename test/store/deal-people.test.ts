/**
 * Which person a deal belongs to (docs/metrics.md, Journey): user id known to the events, then the e-mail trait,
 * then the account (group key), then the CRM's own user id; and its stage changes become `$deal_stage` events of
 * that person, so one funnel runs from a web step to a deal stage.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFunnel } from '../../src/analysis/funnel/run-funnel.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { parseFunnelDefinition } from '../../src/model/funnel-definition.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { createDealPeople } from '../../src/store/duckdb/queries/create-deal-people.js';

let dir: string;
let store: DuckDBStore;

const events = [
  // anon-1 becomes user-1 (identify), who later signs up.
  // First touches carry campaigns (context.campaign.name → utm_campaign); a later one must not win.
  {
    type: 'page',
    anonymousId: 'anon-1',
    context: { campaign: { name: 'spring' } },
    timestamp: '2026-01-01T10:00:00Z',
    messageId: 'e1',
  },
  {
    type: 'page',
    userId: 'user-1',
    context: { campaign: { name: 'later' } },
    timestamp: '2026-01-02T10:00:00Z',
    messageId: 'e1b',
  },
  {
    type: 'identify',
    userId: 'user-1',
    anonymousId: 'anon-1',
    traits: { email: 'Ann@Example.com' },
    timestamp: '2026-01-01T10:05:00Z',
    messageId: 'e2',
  },
  { type: 'track', userId: 'user-1', event: 'Signed Up', timestamp: '2026-01-01T10:06:00Z', messageId: 'e3' },
  // user-2 is known by e-mail only to the CRM; changes address later (the latest trait counts).
  {
    type: 'identify',
    userId: 'user-2',
    traits: { email: 'old@b.example' },
    timestamp: '2026-01-02T09:00:00Z',
    messageId: 'e4',
  },
  {
    type: 'identify',
    userId: 'user-2',
    traits: { email: 'bea@b.example' },
    timestamp: '2026-01-03T09:00:00Z',
    messageId: 'e5',
  },
  {
    type: 'page',
    userId: 'user-2',
    context: { campaign: { name: 'retarget' } },
    timestamp: '2026-01-03T09:01:00Z',
    messageId: 'e6',
  },
  // Account acme: user-3 named it first, user-4 later.
  {
    type: 'track',
    userId: 'user-4',
    event: 'Signed Up',
    context: { groups: { company: 'acme' } },
    timestamp: '2026-01-05T08:00:00Z',
    messageId: 'e7',
  },
  {
    type: 'page',
    userId: 'user-3',
    context: { groupId: 'acme', campaign: { name: '' } },
    timestamp: '2026-01-04T08:00:00Z',
    messageId: 'e8',
  },
];

const deals = `deal_id,user_id,email,account_key,stage,status,created_at
D-user,anon-1,,,won,won,2026-01-10
D-email,,  BEA@b.example ,,won,won,2026-01-11
D-old-email,,old@b.example,,lead,open,2026-01-11
D-account,,,acme,won,won,2026-01-12
D-crm,crm-only-9,,,won,won,2026-01-13
D-none,,nobody@x.example,globex,won,won,2026-01-14
`;

const stages = `deal_id,stage,entered_at
D-user,won,2026-01-20
D-email,won,2026-01-21
D-old-email,lead,2026-01-21
D-account,won,2026-01-22
D-crm,won,2026-01-23
D-none,won,2026-01-24
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-deal-people-'));
  store = await DuckDBStore.open({ path: join(dir, 'store.duckdb') });
  const write = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };
  const opts = { project: 'default', skipInvalid: false };
  await store.importFile('events', await write('e.ndjson', events.map((e) => JSON.stringify(e)).join('\n')), opts);
  await store.importFile('deals', await write('deals.csv', deals), opts);
  await store.importFile('deal-stages', await write('stages.csv', stages), opts);
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('deals belong to people', () => {
  it('by user id, then e-mail trait, then account, then the CRM id', async () => {
    const dealsOf = async (id: string) => (await store.getPerson('default', id))?.deals.map((d) => d.dealId) ?? [];
    // anon-1 merged into user-1: the deal naming anon-1 is user-1's.
    expect(await dealsOf('user-1')).toEqual(['D-user']);
    // user-2's latest e-mail is bea@…; the old address no longer links.
    expect(await dealsOf('user-2')).toEqual(['D-email']);
    // acme was named first by user-3.
    expect(await dealsOf('user-3')).toEqual(['D-account']);
    expect(await dealsOf('user-4')).toEqual([]);
    // The whole table: how each deal was matched; D-none (unknown e-mail and account) is nobody's.
    await createDealPeople(store.db, 'default');
    const rows = await store.db.rows<{ deal_id: string; person_key: string; matched_by: string }>(
      'SELECT deal_id, person_key, matched_by FROM deal_people ORDER BY deal_id',
    );
    expect(rows.map((r) => [r.deal_id, r.person_key, r.matched_by])).toEqual([
      ['D-account', 'user-3', 'account'],
      ['D-crm', 'crm-only-9', 'crm'],
      ['D-email', 'user-2', 'email'],
      ['D-user', 'user-1', 'user_id'],
    ]);
  });

  it("give each deal its person's first campaign, over all of the person's ids", async () => {
    const people = (await store.spendAndDeals('default')).dealPeople.map((d) => [
      d.dealId,
      d.personKey,
      d.firstCampaign,
    ]);
    // D-user: anon-1's page (merged into user-1) came before user-1's own; D-email was matched by e-mail, so its
    // person's ids are scanned after the user-id rule; user-3's only campaign is empty (none); D-crm has no events.
    expect(people).toEqual([
      ['D-account', 'user-3', null],
      ['D-crm', 'crm-only-9', null],
      ['D-email', 'user-2', 'retarget'],
      ['D-user', 'user-1', 'spring'],
    ]);
  });

  it('puts deal stages into funnels of those people', async () => {
    const report = await runFunnel(
      new ColumnCache(store),
      'default',
      parseFunnelDefinition({
        steps: [
          { event: null, name: 'Any event' },
          { event: '$deal_stage', name: 'Deal won', filters: [{ property: 'stage', value: 'won' }] },
        ],
        window: { amount: 60, unit: 'day' },
      }),
      { threads: 1 },
    );
    // Entered (any event): user-1, user-2, user-3, user-4 and crm-only-9, whose won deal stage is its only event
    // (it enters with it and cannot also convert with it); won deals follow for user-1, user-2 and user-3.
    // D-none links to nobody.
    expect(report.steps.map((s) => s.count)).toEqual([5, 3]);
  });
});
