/**
 * The ClickHouse store against a real 2-shard cluster: two Debian clickhouse-server processes started here on
 * 127.0.0.1 (temp dirs, free ports). Every number must equal the DuckDB store's on the same data: the funnel
 * scenarios of FUNNEL-SEMANTICS, and a migrated demo store under funnels, diagnosis, paths and cohorts. With a
 * shard down, reads and writes fail fast naming it, and ingestion resumes after its restart without loss or
 * duplicates.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastEventUs } from '../../src/analysis/data-end.js';
import { ClickHouseShards } from '../../src/store/clickhouse/clickhouse-shards.js';
import { chString, tsvField } from '../../src/store/clickhouse/clickhouse-sql.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { parseClickHouseUrl } from '../../src/store/clickhouse/clickhouse-url.js';
import { type LocalCluster, startLocalCluster } from '../../src/store/clickhouse/local-cluster.js';
import { type EventValueSource, valueSourceKey } from '../../src/store/event-columns.js';
import { demoStore, queryStore, runCli, runCliJson, tempDir } from '../helpers/cli.js';
import { clickhouseAvailable, clickhouseSuite } from '../helpers/clickhouse.js';
import { scenarios, toDefinition, toNdjson } from '../helpers/funnel-scenarios.js';
import { createProject, startServer } from '../helpers/server.js';

let cluster: LocalCluster;
let dir = '';
let cleanup: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  if (!clickhouseAvailable) return;
  ({ dir, cleanup } = await tempDir());
  cluster = await startLocalCluster({ shards: 2 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  await cleanup();
});

/** A query's TabSeparated answer from one shard's HTTP interface. */
async function onShard(index: number, sql: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${cluster.shards[index]?.httpPort}/?query=${encodeURIComponent(sql)}`);
  return (await response.text()).trim();
}

/** The cluster with funnels over more than `events` events streamed in batches of about that many persons' events. */
function streamingUrl(events: number): string {
  return `${cluster.url}&batch_events=${events}`;
}

/** A report without the figures that describe the run rather than the data (time taken, batches streamed). */
function numbers(report: unknown): unknown {
  return JSON.parse(JSON.stringify(report), (key, value) =>
    key === 'elapsedMs' || key === 'batches' ? undefined : value,
  );
}

clickhouseSuite('ClickHouse store on a 2-shard cluster', () => {
  it('spreads a project over both shards by person', async () => {
    const { dir: d } = { dir };
    const file = join(d, 'spread.ndjson');
    const lines = Array.from({ length: 400 }, (_, i) =>
      JSON.stringify({
        type: 'track',
        event: 'Viewed',
        userId: `p${i % 100}`,
        messageId: `spread-${i}`,
        timestamp: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      }),
    );
    writeFileSync(file, `${lines.join('\n')}\n`);
    const imported = await runCliJson<{ imported: number }>([
      '--store',
      cluster.url,
      '--project',
      'spread',
      'import',
      'events',
      file,
      '--json',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.json.imported).toBe(400);
    const perShard = await Promise.all(
      cluster.shards.map(async (s) => {
        const text = await onShard(
          cluster.shards.indexOf(s),
          "SELECT count(), uniqExact(distinct_id) FROM funnelscope.events_local WHERE project_id = 'spread'",
        );
        return text.split('\t').map(Number);
      }),
    );
    // Every event of a person on one shard, and both shards used.
    expect(perShard.reduce((a, s) => a + (s[0] as number), 0)).toBe(400);
    expect(perShard.reduce((a, s) => a + (s[1] as number), 0)).toBe(100);
    for (const s of perShard) expect(s[0]).toBeGreaterThan(0);
  });

  it('takes any text as a literal: quotes, backslashes, control characters and unicode come back as sent', async () => {
    const samples = [
      "it's",
      'a\\b',
      "\\'; DROP TABLE funnelscope.events_local; --",
      'tab\there\nnewline\rreturn',
      'nul\u0000byte',
      '😀 emoji, é, ß, 中文',
      '/* comment */ -- x',
      "'')) OR 1=1 --",
      'x'.repeat(10_000),
    ];
    for (let i = 0; i < 200; i += 1) {
      samples.push(
        Array.from({ length: 1 + (i % 13) }, (_, k) =>
          String.fromCodePoint([39, 92, 0, 10, 9, 13, 34, 59, 0x1f600, 0xe9, 65][(i * 7 + k * 3) % 11] as number),
        ).join(''),
      );
    }
    const shards = await ClickHouseShards.connect(parseClickHouseUrl(cluster.url));
    try {
      for (const text of samples) {
        const rows = await shards.rows(0, `SELECT ${chString(text)}, length(${chString(text)})`);
        expect(tsvField(rows[0]?.[0] as string)).toBe(text);
        expect(Number(rows[0]?.[1])).toBe(Buffer.byteLength(text));
      }
    } finally {
      await shards.close();
    }
  });

  it('gives every funnel scenario the numbers the DuckDB store gives', async () => {
    const failures: string[] = [];
    const queue = [...scenarios];
    const worker = async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        const events = join(dir, `${s.id}.ndjson`);
        writeFileSync(events, toNdjson(s));
        const definition = JSON.stringify(toDefinition(s.funnel));
        const duck = await runCliJson(['funnel', '--events', events, '--definition', definition]);
        const project = `scenario_${s.id}`;
        const imported = await runCli(['--store', cluster.url, '--project', project, 'import', 'events', events]);
        if (imported.code !== 0) {
          failures.push(`${s.id}: import ${imported.stderr}`);
          continue;
        }
        const click = await runCliJson([
          '--store',
          cluster.url,
          '--project',
          project,
          'funnel',
          '--definition',
          definition,
        ]);
        // And streamed, in batches of a few events (bounded memory).
        const streamed = await runCliJson([
          '--store',
          streamingUrl(3),
          '--project',
          project,
          'funnel',
          '--definition',
          definition,
        ]);
        for (const [how, run] of [
          ['loaded whole', click],
          ['streamed', streamed],
        ] as const) {
          if (run.code !== duck.code) failures.push(`${s.id} ${how}: exit ${run.code} vs ${duck.code} ${run.stderr}`);
          else {
            try {
              expect(numbers(run.json)).toEqual(numbers(duck.json));
            } catch (error) {
              failures.push(`${s.id} ${how}: ${(error as Error).message.slice(0, 400)}`);
            }
          }
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    expect(failures).toEqual([]);
  }, 240_000);

  describe('a migrated demo store', () => {
    let duck = '';
    let demoCleanup: () => Promise<void> = async () => undefined;
    const store = () => ['--store', cluster.url, '--project', 'default'];

    beforeAll(async () => {
      if (!clickhouseAvailable) return;
      ({ db: duck, cleanup: demoCleanup } = await demoStore([
        '--visitors',
        '3000',
        '--days',
        '60',
        '--end-date',
        '2026-10-31',
      ]));
      const migrated = await runCliJson<{ projects: { project: string; events: number }[] }>([
        'migrate',
        '--from',
        `duckdb://${duck}`,
        '--to',
        cluster.url,
        '--json',
      ]);
      expect(migrated.code, migrated.stderr).toBe(0);
      const [{ n }] = (await queryStore<{ n: bigint }>(duck, 'SELECT count(*) AS n FROM events')) as [{ n: bigint }];
      expect(migrated.json.projects.find((p) => p.project === 'default')?.events).toBe(Number(n));
    }, 120_000);
    afterAll(() => demoCleanup());

    const definitions: Record<string, unknown> = {
      'ordered, breakdown by channel': {
        steps: [{ event: '$pageview' }, { event: 'Signed Up' }, { event: 'Requested Demo' }],
        breakdown: { properties: ['channel'] },
        window: { amount: 30, unit: 'day' },
      },
      'strict with a step filter': {
        steps: [
          { event: '$pageview', filters: [{ property: 'path', op: 'eq', value: '/pricing' }] },
          { event: 'Signed Up' },
        ],
        order: 'strict',
      },
      'unordered, by device, time to convert': {
        steps: [{ event: 'Signed Up' }, { event: 'Requested Demo' }],
        order: 'unordered',
        breakdown: { properties: ['device_type'] },
        view: 'time_to_convert',
      },
      'to a deal stage (stage changes as events of the deal person)': {
        steps: [
          { event: 'Signed Up' },
          { event: '$deal_stage', filters: [{ property: 'stage', op: 'eq', value: 'qualified' }] },
        ],
        window: { amount: 60, unit: 'day' },
        breakdown: { properties: ['pipeline'] },
      },
      'trends by week with an exclusion': {
        steps: [{ event: '$pageview' }, { event: 'Signed Up' }],
        exclusions: [{ event: 'Requested Demo', fromStep: 0, toStep: 1 }],
        view: 'trends',
        interval: 'week',
      },
      'by a person trait, a group trait filter, identify traits and correlation': {
        steps: [{ event: 'Signed Up' }, { event: 'Requested Demo' }],
        filters: [{ property: 'industry', scope: 'group', groupType: 'company', op: 'neq', value: 'Retail' }],
        breakdown: { properties: ['role'], scope: 'person' },
        correlation: { type: 'events' },
        window: { amount: 30, unit: 'day' },
      },
      'by group key, a person filter': {
        steps: [
          { event: '$pageview', filters: [{ property: 'plan', scope: 'person', op: 'in', value: ['pro', 'team'] }] },
          { event: 'Signed Up' },
        ],
        breakdown: { properties: ['$group_key'], scope: 'group', groupType: 'company', limit: 5 },
      },
    };
    for (const [name, definition] of Object.entries(definitions)) {
      it(`funnel: ${name}`, async () => {
        const args = ['funnel', '--definition', JSON.stringify(definition)];
        const [a, b, c] = await Promise.all([
          runCliJson(['--db', duck, ...args]),
          runCliJson([...store(), ...args]),
          runCliJson(['--store', streamingUrl(500), '--project', 'default', ...args]),
        ]);
        expect(b.code, b.stderr).toBe(0);
        expect(a.code, a.stderr).toBe(0);
        expect(numbers(b.json)).toEqual(numbers(a.json));
        expect(c.code, c.stderr).toBe(0);
        expect(numbers(c.json), 'streamed').toEqual(numbers(a.json));
        const batches = (r: unknown) => (r as { stats: { batches: number } }).stats.batches;
        expect(batches(b.json)).toBe(1);
        expect(batches(c.json)).toBeGreaterThan(10);
      });
    }

    it('streams the rows of the whole load in batches of whole persons no larger than batch_events', async () => {
      const store = await ClickHouseStore.open(streamingUrl(500));
      try {
        const path: EventValueSource = { kind: 'event', property: 'path' };
        const stage: EventValueSource = { kind: 'event', property: 'stage' };
        const stream = await store.streamPersons('default', { eventValues: [path, stage], personValues: ['role'] });
        if (!stream) throw new Error('a project over batch_events is streamed');
        const rows: [number, number, string | null, string | null][] = [];
        const roles: (string | null)[] = [];
        let batches = 0;
        for await (const batch of stream.batches) {
          batches += 1;
          const c = batch.columns;
          if (c.eventCount > 500) expect(c.personCount).toBe(1);
          const paths = batch.eventValues.get(valueSourceKey(path));
          const stages = batch.eventValues.get(valueSourceKey(stage));
          const role = batch.personValues.get('role');
          for (let i = 0; i < c.eventCount; i += 1) {
            rows.push([
              c.tsUs[i] as number,
              c.eventCode[i] as number,
              paths?.values[paths.codes[i] as number] ?? null,
              stages?.values[stages.codes[i] as number] ?? null,
            ]);
          }
          for (let p = 0; p < c.personCount; p += 1) roles.push(role?.values[role.codes[p] as number] ?? null);
        }
        // The same rows, values and persons as the whole load (which DuckDB's equals, store-contract).
        const whole = await store.loadEventColumns('default');
        expect(batches).toBeGreaterThanOrEqual(Math.ceil(whole.eventCount / 500));
        const [paths, stages, role] = [
          await store.loadEventValues('default', path),
          await store.loadEventValues('default', stage),
          await store.loadPersonValues('default', 'role'),
        ];
        expect(rows.length).toBe(whole.eventCount);
        expect(stream.eventNames).toEqual(whole.eventNames);
        const expected = Array.from({ length: whole.eventCount }, (_, i) => [
          whole.tsUs[i],
          whole.eventCode[i],
          paths.values[paths.codes[i] as number] ?? null,
          stages.values[stages.codes[i] as number] ?? null,
        ]);
        expect(rows).toEqual(expected);
        expect(rows.filter((r) => r[3] !== null).length).toBeGreaterThan(0);
        expect(roles).toEqual(
          Array.from({ length: whole.personCount }, (_, p) => role.values[role.codes[p] as number] ?? null),
        );
        expect(stream.lastEventUs).toBe(lastEventUs(whole));
        expect(stream.span).toEqual({
          lo: Math.min(...whole.tsUs.subarray(0, whole.eventCount)),
          hi: Math.max(...whole.tsUs.subarray(0, whole.eventCount)),
        });
      } finally {
        await store.close();
      }
    });

    it("the dashboard's event list and catalog on a streamed project equal DuckDB's", async () => {
      const servers = [
        await startServer(duck),
        await startServer(streamingUrl(500), ['--ingest-dir', join(dir, 'ingest-dashboard')]),
      ];
      try {
        for (const route of ['/api/events', '/api/catalog']) {
          const [a, b] = await Promise.all(servers.map(async (s) => (await fetch(`${s.url}${route}`)).json()));
          expect(b, route).toEqual(a);
        }
        const events = (await (await fetch(`${servers[1]?.url}/api/events`)).json()) as { events: unknown[] };
        expect(events.events.length).toBeGreaterThan(3);
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    });

    it('diagnose, paths, cohorts, KPIs, pipeline, attribution, forecast, a person and counts', async () => {
      const definition = JSON.stringify(definitions['ordered, breakdown by channel']);
      const [{ person }] = (await queryStore<{ person: string }>(
        duck,
        `SELECT m.person_id AS person FROM person_map m JOIN deals d ON d.user_id = m.distinct_id LIMIT 1`,
      )) as [{ person: string }];
      for (const args of [
        ['diagnose', '--definition', definition, '--format', 'json'],
        ['paths', '--from', 'Signed Up', '--format', 'json'],
        ['paths', '--to', '$pageview /pricing', '--page-paths', '--depth', '3', '--format', 'json'],
        ['cohorts', '--definition', definition, '--period', 'week', '--format', 'json'],
        [
          'cohorts',
          '--definition',
          definition,
          '--property',
          'channel',
          '--retention',
          '$pageview /pricing',
          '--retention-period',
          'day',
          '--format',
          'json',
        ],
        ['kpi', '--format', 'json'],
        ['anomalies', '--metric', 'funnel', '--definition', definition, '--format', 'json'],
        ['pipeline', '--as-of', '2026-10-31', '--format', 'json'],
        ['attribution', '--conversion', 'deal_won', '--format', 'json'],
        ['attribution', '--conversion', 'Signed Up', '--format', 'json'],
        ['forecast', '--format', 'json'],
        ['forecast', '--metric', 'conversions', '--event', 'Signed Up', '--format', 'json'],
        ['anomalies', '--metric', 'conversions', '--event', 'Signed Up', '--format', 'json'],
        ['people', 'show', person, '--json'],
      ]) {
        const [a, b] = await Promise.all([runCliJson(['--db', duck, ...args]), runCliJson([...store(), ...args])]);
        expect(b.code, `${args[0]}: ${b.stderr}`).toBe(0);
        expect(numbers(b.json), args[0]).toEqual(numbers(a.json));
        if (!['pipeline', 'people'].includes(args[0] as string)) {
          // Again over the store with the project streamed in batches of about 500 events (a diagnosis loads it
          // whole for its per-unit hand-overs; the pipeline and a person read no event columns).
          const c = await runCliJson(['--store', streamingUrl(500), '--project', 'default', ...args]);
          expect(c.code, `${args[0]} streamed: ${c.stderr}`).toBe(0);
          expect(numbers(c.json), `${args[0]} streamed`).toEqual(numbers(a.json));
        }
      }
      const [a, b] = await Promise.all([
        runCliJson<Record<string, unknown>>(['--db', duck, 'status', '--json']),
        runCliJson<Record<string, unknown>>([...store(), 'status', '--json']),
      ]);
      const counts = (r: Record<string, unknown>) => (r.counts ?? r) as Record<string, unknown>;
      for (const key of [
        'events',
        'persons',
        'distinctIds',
        'deals',
        'dealStageChanges',
        'spendRows',
        'firstEvent',
        'lastEvent',
      ]) {
        expect(counts(b.json)[key], key).toEqual(counts(a.json)[key]);
      }
    }, 180_000);

    it('a second migration run copies nothing twice', async () => {
      const again = await runCliJson<{ projects: { project: string; events: number; eventsBefore: number }[] }>([
        'migrate',
        '--from',
        duck,
        '--to',
        cluster.url,
        '--json',
      ]);
      expect(again.code, again.stderr).toBe(0);
      const p = again.json.projects.find((x) => x.project === 'default');
      expect(p?.eventsBefore).toBe(p?.events);
      const status = await runCliJson<{ counts?: { events: number }; events?: number }>([
        ...store(),
        'status',
        '--json',
      ]);
      const [{ n }] = (await queryStore<{ n: bigint }>(duck, 'SELECT count(*) AS n FROM events')) as [{ n: bigint }];
      expect(status.json.counts?.events ?? status.json.events).toBe(Number(n));
    });
  });

  it('imports deals, stage history and spend as the DuckDB store does: upserts, duplicates and the pipeline', async () => {
    const deals = join(dir, 'deals-v1.csv');
    writeFileSync(
      deals,
      [
        'deal_id,name,amount,currency,status,owner,created_at,email,stage',
        '17,Acme rollout,12500,USD,open,Dana,2024-03-01 09:00:00,ann@acme.io,proposal',
        '18,Globex pilot,900,USD,lost,Sam,2024-03-02 10:00:00,bo@globex.com,lead',
      ].join('\n'),
    );
    const dealsV2 = join(dir, 'deals-v2.csv');
    writeFileSync(dealsV2, readFileSync(deals, 'utf8').replace('open,Dana', 'won,Dana'));
    const stages = join(dir, 'stages.csv');
    writeFileSync(
      stages,
      [
        'deal_id,stage,entered_at',
        '17,lead,2024-03-01',
        '17,proposal,2024-03-10',
        '17,won,2024-04-01',
        '18,lead,2024-03-02',
        '18,lead,2024-03-02',
      ].join('\n'),
    );
    const spend = join(dir, 'spend.csv');
    writeFileSync(
      spend,
      [
        'date,channel,source,campaign,cost',
        '2024-03-01,Paid Search,google,brand,120.5',
        '2024-03-02,Paid Search,google,brand,99.25',
      ].join('\n'),
    );
    const duck = join(dir, 'crm.duckdb');
    const steps: string[][] = [
      ['import', 'deals', deals, '--json'],
      ['import', 'deals', deals, '--json'],
      ['import', 'deals', dealsV2, '--json'],
      ['import', 'deal-stages', stages, '--json'],
      ['import', 'spend', spend, '--json'],
      ['pipeline', '--as-of', '2024-05-01', '--format', 'json'],
      ['status', '--json'],
    ];
    for (const args of steps) {
      const a = await runCliJson(['--db', duck, ...args]);
      const b = await runCliJson(['--store', cluster.url, '--project', 'crm', ...args]);
      expect(b.code, `${args.join(' ')}: ${b.stderr}`).toBe(a.code);
      const same = (x: unknown) =>
        JSON.parse(JSON.stringify(x), (key, value) =>
          ['seconds', 'db', 'project', 'recentImports', 'file', 'elapsedMs'].includes(key) ? undefined : value,
        );
      expect(same(b.json), args.join(' ')).toEqual(same(a.json));
    }
  }, 60_000);

  it("classifies later imports by the project's own channel rules, migrated with it", async () => {
    const source = join(dir, 'rules.duckdb');
    const rules = JSON.stringify({ rules: [{ channel: 'Brand Search', source: '^google$', campaign: '^brand' }] });
    expect((await runCli(['--db', source, 'channels', 'set', rules])).code).toBe(0);
    const url = cluster.url.replace('/funnelscope?', '/rules?');
    expect((await runCli(['migrate', '--from', source, '--to', url])).code).toBe(0);
    const file = join(dir, 'rules.ndjson');
    writeFileSync(
      file,
      `${['brand-spring', 'generic']
        .map((campaign, i) =>
          JSON.stringify({
            type: 'page',
            userId: `u${i}`,
            messageId: `rules-${i}`,
            timestamp: '2026-06-01T10:00:00Z',
            context: { page: { url: `https://x.io/?utm_source=google&utm_medium=cpc&utm_campaign=${campaign}` } },
          }),
        )
        .join('\n')}\n`,
    );
    const definition = JSON.stringify({ steps: [{ event: '$pageview' }], breakdown: { properties: ['channel'] } });
    const answers = [];
    for (const store of [
      ['--db', source],
      ['--store', url],
    ]) {
      expect((await runCli([...store, 'import', 'events', file])).code).toBe(0);
      const report = await runCliJson<{ breakdown: { value: string; steps: { count: number }[] }[] }>([
        ...store,
        'funnel',
        '--definition',
        definition,
      ]);
      answers.push(report.json.breakdown.map((b) => [b.value, b.steps[0]?.count]));
    }
    expect(answers[0]).toContainEqual(['Brand Search', 1]);
    expect(answers[1]).toEqual(answers[0]);
  });

  it('resumes a migration a shard outage stopped, copying no event twice', async () => {
    const source = join(dir, 'resume.duckdb');
    const file = join(dir, 'resume.ndjson');
    writeFileSync(
      file,
      `${Array.from({ length: 2000 }, (_, i) =>
        JSON.stringify({
          type: 'track',
          event: i % 3 === 0 ? 'Signed Up' : 'Viewed',
          userId: `r${i % 400}`,
          messageId: `resume-${i}`,
          timestamp: new Date(Date.UTC(2026, 4, 1) + i * 60_000).toISOString(),
        }),
      ).join('\n')}\n`,
    );
    expect((await runCli(['--db', source, 'import', 'events', file])).code).toBe(0);
    const url = cluster.url.replace('/funnelscope?', '/resume?');
    const { spawn } = await import('node:child_process');
    const { binPath } = await import('../helpers/cli.js');
    const child = spawn(process.execPath, [binPath, 'migrate', '--from', source, '--to', url, '--batch-rows', '10'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const copying = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk) => {
        stderr += String(chunk);
        if (/events copied/.test(stderr)) resolve();
      });
    });
    await copying;
    await cluster.killShard(1);
    try {
      expect(await exited).not.toBe(0);
      expect(stderr).toMatch(/shard 2 \(127\.0\.0\.1:\d+\) is unreachable/);
    } finally {
      // Back up even when the checks fail, so the tests after this one have their cluster.
      await cluster.startShard(1);
    }
    const again = await runCliJson<{ projects: { project: string; events: number; eventsBefore: number }[] }>([
      'migrate',
      '--from',
      source,
      '--to',
      url,
      '--batch-rows',
      '10',
      '--json',
    ]);
    expect(again.code, again.stderr).toBe(0);
    const p = again.json.projects.find((x) => x.project === 'default');
    expect(p?.eventsBefore).toBeGreaterThan(0);
    expect(p?.events).toBe(2000);
    expect(
      await onShard(
        0,
        "SELECT count(), uniqExact(message_id), uniqExact(seq) FROM resume.events WHERE project_id = 'default'",
      ),
    ).toBe('2000\t2000\t2000');
  }, 120_000);

  it('with a shard down fails fast naming it, and ingestion resumes after its restart without loss or duplicates', async () => {
    const url = cluster.url;
    const project = 'outage';
    const { writeKey } = await createProject(url, project);
    const server = await startServer(url, [
      '--project',
      project,
      '--flush-ms',
      '50',
      '--ingest-dir',
      join(dir, 'ingest'),
    ]);
    const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    const send = async (from: number, count: number) => {
      const batch = Array.from({ length: count }, (_, i) => ({
        type: 'track',
        event: 'Viewed',
        userId: `v${(from + i) % 50}`,
        messageId: `outage-${from + i}`,
        timestamp: new Date(Date.UTC(2026, 2, 1) + (from + i) * 1000).toISOString(),
      }));
      const response = await fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ batch }),
      });
      expect(response.status).toBe(200);
    };
    const stored = async () => {
      const r = await runCliJson<{ counts?: { events: number }; events?: number }>([
        '--store',
        url,
        '--project',
        project,
        'status',
        '--json',
      ]);
      return r.code === 0 ? (r.json.counts?.events ?? r.json.events ?? -1) : -1;
    };
    const viewed = <T>() =>
      runCliJson<T>(['--store', url, '--project', project, 'funnel', '--definition', '{"steps":[{"event":"Viewed"}]}']);
    const waitFor = async (events: number) => {
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        if ((await stored()) === events) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`the store did not reach ${events} events (has ${await stored()})`);
    };
    try {
      await send(0, 200);
      await waitFor(200);

      await cluster.killShard(1);
      const started = Date.now();
      const funnel = await viewed<{ error?: { code: string; message: string } }>();
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(funnel.code).not.toBe(0);
      expect(funnel.json.error?.code).toBe('unavailable');
      expect(funnel.json.error?.message).toMatch(/shard 2 \(127\.0\.0\.1:\d+\)/);
      const status = await runCli(['--store', url, '--project', project, 'status']);
      expect(status.code).not.toBe(0);
      expect(status.stderr).toMatch(/shard 2/);

      // Accepted while the shard is down: they wait in the server's log.
      await send(200, 300);
      await new Promise((r) => setTimeout(r, 500));
      await cluster.startShard(1);
      await waitFor(500);
      const funnelAfter = await viewed<{ steps: { count: number }[] }>();
      expect(funnelAfter.json.steps[0]?.count).toBe(50);
      // Exactly once: 500 distinct message ids in 500 rows.
      expect(
        await onShard(0, "SELECT count(), uniqExact(message_id) FROM funnelscope.events WHERE project_id = 'outage'"),
      ).toBe('500\t500');
    } finally {
      await server.stop();
    }
  }, 120_000);
});
