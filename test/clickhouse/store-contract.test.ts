/**
 * The store contract: one sequence of calls through the Store and EventColumnSource interfaces, run on the DuckDB
 * store and on the ClickHouse store over a 2-shard cluster of Debian clickhouse-server processes started here.
 * Every answer must be the same, apart from what names the moment or the store (generated ids, times of writing).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { type LocalCluster, startLocalCluster } from '../../src/store/clickhouse/local-cluster.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import type { EventColumnSource } from '../../src/store/event-columns.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/cli.js';
import { clickhouseAvailable, clickhouseSuite } from '../helpers/clickhouse.js';

type AnyStore = Store & EventColumnSource;
let cluster: LocalCluster;
let dir = '';
let cleanup: () => Promise<void> = async () => undefined;
const stores: { name: string; store: AnyStore }[] = [];

const events = [
  { type: 'identify', userId: 'ann', anonymousId: 'a1', traits: { email: 'ann@acme.io', plan: 'pro' } },
  {
    type: 'page',
    anonymousId: 'a1',
    properties: { path: '/pricing', url: 'https://x.io/pricing?utm_source=google&utm_medium=cpc' },
  },
  {
    type: 'track',
    event: 'Signed Up',
    userId: 'ann',
    properties: { plan: 'pro', seats: 3, toString: 'a property named as an Object method' },
  },
  { type: 'group', userId: 'ann', groupId: 'acme', traits: { industry: 'retail', $group_type: 'company' } },
  {
    type: 'track',
    event: 'Purchased',
    userId: 'ann',
    properties: { revenue: 49.5 },
    context: { groups: { company: 'acme' } },
  },
  { type: 'track', event: 'Signed Up', anonymousId: 'b1', properties: { plan: 'it\'s "free" -- ;' } },
  { type: 'identify', userId: 'bob', anonymousId: 'b1', traits: { email: 'bob@globex.com', plan: 'free' } },
  { type: 'track', event: 'Viewed', userId: 'bob', properties: { 'ключ 🔑': 'значение' } },
].map((e, i) => ({ ...e, messageId: `c-${i}`, timestamp: new Date(Date.UTC(2026, 5, 1, 9, i)).toISOString() }));

beforeAll(async () => {
  if (!clickhouseAvailable) return;
  ({ dir, cleanup } = await tempDir());
  cluster = await startLocalCluster({ shards: 2 });
  stores.push({ name: 'duckdb', store: await DuckDBStore.open({ path: join(dir, 'contract.duckdb') }) });
  stores.push({ name: 'clickhouse', store: await ClickHouseStore.open(cluster.url) });
}, 60_000);
afterAll(async () => {
  for (const { store } of stores) await store.close();
  await cluster?.stop();
  await cleanup();
});

/** The same call on every store; the answers, with generated ids and write times masked. */
async function each<T>(call: (store: AnyStore) => Promise<T>): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const { store } of stores) answers.push(await call(store));
  return answers.map((a) =>
    JSON.parse(JSON.stringify(a ?? null), (key, value) =>
      [
        'id',
        'createdAt',
        'updatedAt',
        'trainedAt',
        'seconds',
        'finishedAt',
        'receivedAt',
        'writeKey',
        'readKey',
      ].includes(key)
        ? typeof value
        : value,
    ),
  );
}

function same(answers: unknown[]): unknown {
  for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
  return answers[0];
}

clickhouseSuite('store contract: DuckDB and ClickHouse answer alike', () => {
  it('imports events and reports them alike: counts, persons, imports, traits, catalog, live view', async () => {
    const file = join(dir, 'contract.ndjson');
    writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const summary = same(await each((s) => s.importFile('events', file, { project: 'p1', skipInvalid: false })));
    expect(summary).toMatchObject({ imported: 8, identityLinks: 2 });
    same(await each((s) => s.importFile('events', file, { project: 'p1', skipInvalid: false })));
    expect(same(await each((s) => s.counts('p1')))).toMatchObject({ events: 8, persons: 2, distinctIds: 4 });
    for (const id of ['a1', 'ann', 'b1', 'nobody']) same(await each((s) => s.getPerson('p1', id)));
    same(
      await each(async (s) => (await s.recentImports('p1', 5)).map((r) => ({ kind: r.kind, imported: r.imported }))),
    );
    same(await each((s) => s.personTraitNames('p1', 10)));
    same(await each((s) => s.catalog('p1')));
    same(
      await each(async (s) => {
        const live = await s.recentEvents('p1', 0, 3);
        return {
          events: live.events.map(({ receivedAt: _, ...e }) => e).sort((a, b) => a.ts.localeCompare(b.ts)),
          total: live.perMinute.reduce((n, m) => n + m.events, 0),
        };
      }),
    );
  });

  it('hands the engine the same columns, property values and person keys', async () => {
    same(
      await each((s) =>
        s
          .loadEventColumns('p1')
          .then((c) => ({ ...c, personStarts: [...c.personStarts], tsUs: [...c.tsUs], eventCode: [...c.eventCode] })),
      ),
    );
    const column = async (s: AnyStore, load: () => Promise<{ codes: Int32Array; values: (string | null)[] }>) => {
      await s.loadEventColumns('p1');
      const d = await load();
      return [...d.codes].map((c) => d.values[c] ?? null);
    };
    for (const property of ['plan', 'seats', 'revenue', 'path', 'ключ 🔑', 'utm_source', 'toString', 'constructor']) {
      same(await each((s) => column(s, () => s.loadEventValues('p1', { kind: 'event', property }))));
    }
    same(await each((s) => column(s, () => s.loadEventValues('p1', { kind: 'identify', property: 'email' }))));
    same(await each((s) => column(s, () => s.loadEventValues('p1', { kind: 'column', column: 'channel' }))));
    same(await each((s) => column(s, () => s.loadEventValues('p1', { kind: 'group_key', groupType: 'company' }))));
    same(
      await each((s) =>
        column(s, () => s.loadEventValues('p1', { kind: 'group', groupType: 'company', property: 'industry' })),
      ),
    );
    same(await each((s) => column(s, () => s.loadPersonKeys('p1'))));
    same(await each((s) => column(s, () => s.loadPersonValues('p1', 'plan'))));
  });

  it('keeps keys, saved funnels, goals, alert rules and history, and scoring models alike', async () => {
    const keys = (await each((s) => s.createProjectKeys('p2'))) as unknown[];
    same(keys);
    const own: Record<string, { writeKey: string; readKey: string }> = {};
    for (const { name, store } of stores) own[name] = await store.createProjectKeys('p3');
    same(
      await Promise.all(
        stores.map(async ({ name, store }) => [
          (await store.keyOwner(own[name]?.writeKey as string))?.role,
          (await store.keyOwner(own[name]?.readKey as string))?.project,
          await store.keyOwner('fs_w_nonsense'),
          await store.hasKey('p3', 'read'),
          await store.hasKey('p4', 'write'),
        ]),
      ),
    );
    // Admin keys, labels, revocation; users; the audit log.
    same(
      await Promise.all(
        stores.map(async ({ store }) => {
          const made = await store.createApiKey('p3', 'admin', 'ops "team"; --');
          const owner = await store.keyOwner(made.key);
          const revoked = await store.revokeApiKey('p3', made.info.id);
          const again = await store.revokeApiKey('p3', made.info.id);
          const listed = (await store.listApiKeys('p3')).map((k) => [k.role, k.label, k.revokedAt !== null, k.project]);
          return [owner?.id === made.info.id, owner?.role, revoked, again, await store.keyOwner(made.key), listed];
        }),
      ),
    );
    same(
      await Promise.all(
        stores.map(async ({ store }) => {
          await store.putUser({ email: 'a@x.io', role: 'admin', projects: null, passwordHash: 'h1' });
          await store.putUser({ email: "o'b@x.io", role: 'viewer', projects: ['p1', 'p2'], passwordHash: 'h2' });
          await store.putUser({ email: 'a@x.io', role: 'analyst', projects: ['p3'], passwordHash: 'h3' });
          const users = (await store.listUsers()).map(({ createdAt: _c, updatedAt: _u, ...u }) => u);
          const one = await store.getUser('a@x.io');
          const removed = [await store.removeUser("o'b@x.io"), await store.removeUser('none@x.io')];
          const at = ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z'];
          await store.recordAudit({
            at: at[0] as string,
            project: null,
            actor: 'cli',
            action: 'user.add',
            target: 'a@x.io',
            details: {},
          });
          await store.recordAudit({
            at: at[1] as string,
            project: 'p3',
            actor: 'a@x.io',
            action: 'key.revoke',
            target: 'k',
            details: { n: 1 },
          });
          await store.recordAudit({
            at: at[2] as string,
            project: 'p1',
            actor: 'a@x.io',
            action: 'person.delete',
            target: "it's",
            details: {},
          });
          return [
            users,
            one?.passwordHash,
            one?.role,
            removed,
            (await store.listUsers()).length,
            await store.auditLog('p3', 10),
            await store.auditLog(null, 2),
          ];
        }),
      ),
    );

    same(await each((s) => s.saveFunnel('p1', 'Signup', { steps: [{ event: 'Signed Up' }] })));
    same(await each((s) => s.saveFunnel('p1', 'another', { steps: [{ event: 'Viewed' }] })));
    same(await each((s) => s.listFunnels('p1')));
    same(
      await each(async (s) => {
        const [first] = await s.listFunnels('p1');
        const renamed = await s.updateFunnel('p1', first?.id as string, { name: 'Zeta' });
        const missing = await s.updateFunnel('p1', 'no-such-id', { name: 'x' });
        const deleted = await s.deleteFunnel('p1', first?.id as string);
        return {
          renamed,
          missing,
          deleted,
          left: await s.listFunnels('p1'),
          again: await s.deleteFunnel('p1', first?.id as string),
        };
      }),
    );

    const goal = {
      metric: 'conversions',
      event: 'Signed Up',
      target: 10,
      period: 'month',
      direction: 'at_least',
    } as never;
    same(await each((s) => s.addGoal('p1', goal)));
    same(await each((s) => s.listGoals('p1')));
    same(await each(async (s) => s.deleteGoal('p1', (await s.listGoals('p1'))[0]?.id as string)));
    same(await each((s) => s.listGoals('p1')));

    const rule = { kind: 'anomaly', schedule: '0 8 * * *', channels: [] } as never;
    same(await each((s) => s.addAlertRule('p1', rule)));
    same(
      await each(async (s) => {
        const [first] = await s.listAlertRules('p1');
        await s.setAlertState('p1', first?.rule.id as string, { lastRunMs: 1_780_000_000_000, incident: null });
        await s.recordAlert('p1', {
          ruleId: first?.rule.id as string,
          at: '2026-06-02T08:00:00.000Z',
          kind: 'fire',
          message: { subject: 's', text: 't' } as never,
          deliveries: [{ channel: 'webhook', ok: true, error: null }],
        });
        return { rules: await s.listAlertRules('p1'), projects: await s.projectsWithAlertRules() };
      }),
    );
    same(await each(async (s) => (await s.alertHistory('p1', 5)).map((r) => ({ ...r, ruleId: typeof r.ruleId }))));

    same(await each((s) => s.saveScoringModel('p1', 'won', { kind: 'logistic', weights: [0.5, -1.25] })));
    same(await each((s) => s.saveScoringModel('p1', 'won', { kind: 'logistic', weights: [2] })));
    same(await each((s) => s.getScoringModel('p1', 'won')));
    same(await each((s) => s.getScoringModel('p1', 'missing')));
    same(await each((s) => s.listScoringModels('p1')));
    same(await each((s) => s.channelSettings('p1')));
  });

  it('lets one process at a time write to a project (the writer lease), and the next after it closes', async () => {
    const file = join(dir, 'lease.ndjson');
    writeFileSync(
      file,
      `${JSON.stringify({ type: 'track', event: 'E', userId: 'u', messageId: 'lease-1', timestamp: '2026-06-01T00:00:00Z' })}\n`,
    );
    const first = await ClickHouseStore.open(cluster.url);
    const second = await ClickHouseStore.open(cluster.url);
    try {
      await first.importFile('events', file, { project: 'lease', skipInvalid: false });
      await expect(second.importFile('events', file, { project: 'lease', skipInvalid: false })).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/another funnelscope process \(pid \d+ on .+\) is writing to this project/),
      });
      // Reads are never refused.
      expect((await second.counts('lease')).events).toBe(1);
      await first.close();
      const summary = await second.importFile('events', file, { project: 'lease', skipInvalid: false });
      expect(summary).toMatchObject({ imported: 0, duplicates: 1 });
    } finally {
      await second.close();
      await first.close().catch(() => undefined);
    }
  });

  it('imports deals, stage history and spend and gives the same pipeline and KPI inputs', async () => {
    const deals = join(dir, 'deals.csv');
    writeFileSync(
      deals,
      [
        'deal_id,name,amount,status,created_at,user_id,stage',
        'd1,Acme,1200,won,2026-06-01 12:00:00,ann,won',
        'd2,Globex,300,open,2026-06-01 13:00:00,bob,lead',
      ].join('\n'),
    );
    const stages = join(dir, 'stages.csv');
    writeFileSync(
      stages,
      [
        'deal_id,stage,entered_at',
        'd1,lead,2026-06-01 12:00:00',
        'd1,won,2026-06-05 12:00:00',
        'd2,lead,2026-06-01 13:00:00',
      ].join('\n'),
    );
    const spend = join(dir, 'spend.csv');
    writeFileSync(spend, ['date,channel,source,campaign,cost', '2026-06-01,Paid Search,google,brand,20.5'].join('\n'));
    same(await each((s) => s.importFile('deals', deals, { project: 'p1', skipInvalid: false })));
    same(await each((s) => s.importFile('deal-stages', stages, { project: 'p1', skipInvalid: false })));
    same(await each((s) => s.importFile('spend', spend, { project: 'p1', skipInvalid: false })));
    same(await each((s) => s.dealRecords('p1')));
    const inputs = same(await each((s) => s.spendAndDeals('p1'))) as { dealPeople: unknown[] };
    expect(inputs.dealPeople).toHaveLength(2);
    same(await each((s) => s.getPerson('p1', 'ann')));
    same(
      await each((s) =>
        s.loadEventColumns('p1').then((c) => ({ names: c.eventNames, count: c.eventCount, code: [...c.eventCode] })),
      ),
    );
  });

  it('erases a person alike, from every table of every shard', async () => {
    const file = join(dir, 'erase.ndjson');
    writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const dealsFile = join(dir, 'erase-deals.csv');
    writeFileSync(
      dealsFile,
      'deal_id,user_id,email,stage,amount,status\nd1,ann,,won,100,won\nd2,,ANN@acme.io,demo,50,open\nd3,bob,,won,70,won\n',
    );
    await each((s) => s.importFile('events', file, { project: 'p9', skipInvalid: false }));
    await each((s) => s.importFile('deals', dealsFile, { project: 'p9', skipInvalid: false }));
    const erased = same(await each((s) => s.deletePerson('p9', 'a1')));
    expect(erased).toEqual({ distinctIds: 2, events: 5, identityLinks: 1, personMap: 2, dealsUnlinked: 2 });
    same(await each((s) => s.deletePerson('p9', 'ann')));
    expect(same(await each((s) => s.getPerson('p9', 'ann')))).toBeNull();
    same(await each((s) => s.getPerson('p9', 'bob')));
    expect(same(await each((s) => s.counts('p9')))).toMatchObject({ events: 3, persons: 1, distinctIds: 2 });
    same(await each(async (s) => (await s.dealRecords('p9')).deals));
    same(await each((s) => s.loadEventColumns('p9').then((c) => ({ names: c.eventNames, count: c.eventCount }))));
    // Table by table on every shard of the ClickHouse store: no field of p9's rows names ann, a1 or her e-mail.
    const ch = stores.find((x) => x.name === 'clickhouse')?.store as unknown as ClickHouseStore;
    const left: string[] = [];
    let tablesRead = 0;
    for (let shard = 0; shard < ch.shards.count; shard += 1) {
      const tables = await ch.shards.rows(
        shard,
        `SELECT DISTINCT c.table FROM system.columns AS c WHERE c.database = '${ch.database}' AND c.name = 'project_id'`,
      );
      for (const [table] of tables) {
        tablesRead += 1;
        const rows = await ch.shards.rows(shard, `SELECT * FROM ${ch.database}.${table} WHERE project_id = 'p9'`);
        for (const row of rows) {
          const text = row.join('\t').toLowerCase();
          if (row.some((f) => f === 'ann' || f === 'a1') || text.includes('ann@acme.io') || text.includes('"ann"')) {
            left.push(`shard ${shard + 1} ${table}: ${row.join(' | ').slice(0, 200)}`);
          }
        }
      }
    }
    expect(tablesRead).toBeGreaterThanOrEqual(8);
    expect(left).toEqual([]);
  });

  it('keeps a retention and removes the events before a time alike', async () => {
    same(await each((s) => s.retentionDays('p9')));
    await each((s) => s.setRetentionDays('p9', 30));
    expect(same(await each((s) => s.retentionDays('p9')))).toBe(30);
    expect(same(await each(async (s) => (await s.projectsWithRetention()).includes('p9')))).toBe(true);
    // p1's events are at 09:00 … 09:07 on 2026-06-01: those before 09:03 go.
    expect(same(await each((s) => s.deleteEventsBefore('p1', '2026-06-01T09:03:00.000Z')))).toBe(3);
    expect(same(await each((s) => s.deleteEventsBefore('p1', '2026-06-01T09:03:00.000Z')))).toBe(0);
    same(await each((s) => s.counts('p1')));
    same(await each((s) => s.loadEventColumns('p1').then((c) => ({ names: c.eventNames, count: c.eventCount }))));
    await each((s) => s.setRetentionDays('p9', null));
    expect(same(await each((s) => s.retentionDays('p9')))).toBeNull();
  });
});
