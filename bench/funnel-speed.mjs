// Funnel speed: a generated business (~1.5M people, 10M events, 6 channels, a 5-step funnel with realistic
// drop-off and noise events), imported once into a funnelscope store, then timed:
//   cold      a fresh `funnelscope funnel` process (open, load columns, run, print): without the column snapshot
//             (columns sorted from SQL, then saved) and with it (as after a default import, which prepares it)
//   warm      in-process runFunnel with the column cache loaded: 5-step, breakdown by channel, trends
//   baseline  the same 5-step funnel as DuckDB SQL (ASOF joins per step) on the same store, in the same run
//   ClickHouse windowFunnel over the same events, when `clickhouse` (Debian clickhouse-server) is installed
//   npm run bench:funnel                    # 10M events
//   node bench/funnel-speed.mjs --events 1000000
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { arg, median, runMeasured } from './run-measured.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'bench/data');
const eventTarget = Number(arg('--events', '10000000'));
const people = Math.round(eventTarget / 6.6);
mkdirSync(dataDir, { recursive: true });
const parquet = join(dataDir, `funnel-${eventTarget}.parquet`);
const store = join(dataDir, `funnel-${eventTarget}.duckdb`);

const steps = ['$pageview', 'Pricing Viewed', 'Signed Up', 'Activated', 'Purchased'];
const windowDays = 14;
const definition = {
  steps: steps.map((event) => ({ event })),
  window: { amount: windowDays, unit: 'day' },
  order: 'ordered',
};
const breakdownDefinition = { ...definition, breakdown: { properties: ['channel'] } };
const trendsDefinition = {
  ...definition,
  view: 'trends',
  interval: 'week',
  dateFrom: '2026-01-01',
  dateTo: '2026-06-30',
};

/** Deterministic data from DuckDB's hash(): the same files every run. */
async function generate() {
  if (existsSync(parquet)) return;
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const started = performance.now();
  await c.run(`
    COPY (
      WITH p AS (
        SELECT i AS pid,
               ['google', 'facebook', 'linkedin', 'newsletter', 'direct', 'referral'][1 + (hash(i, 1) % 6)::INT] AS channel,
               TIMESTAMP '2026-01-01' + to_seconds((hash(i, 2) % (150 * 86400))::BIGINT) AS t0,
               (hash(i, 3) % 10000) / 10000.0 AS u,
               (hash(i, 4) % 10)::INT AS noise
        FROM range(${people}) t(i)),
      reach AS (
        SELECT pid, channel, t0, noise,
               u * CASE channel WHEN 'google' THEN 1.0 WHEN 'facebook' THEN 1.3 WHEN 'linkedin' THEN 0.9
                                WHEN 'newsletter' THEN 0.7 WHEN 'direct' THEN 1.1 ELSE 1.2 END AS v
        FROM p),
      funnel AS (
        SELECT pid, channel, ${JSON.stringify(steps).replaceAll('"', "'")}[k + 1] AS event,
               t0 + to_seconds((k * (600 + hash(pid, 10 + k) % (4 * 86400)))::BIGINT) AS ts
        FROM reach, range(5) s(k)
        WHERE v < [1.5, 0.55, 0.30, 0.16, 0.08][k + 1]),
      other AS (
        SELECT pid, channel, ['$pageview', 'Feature Used', 'Docs Viewed', 'Support Chat'][1 + (hash(pid, 20 + j) % 4)::INT] AS event,
               t0 + to_seconds((hash(pid, 40 + j) % (20 * 86400))::BIGINT - 86400) AS ts
        FROM reach, range(10) s(j)
        WHERE j < noise)
      SELECT 'u' || pid AS user_id, event, strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS timestamp, channel
      FROM (SELECT * FROM funnel UNION ALL SELECT * FROM other)
      ORDER BY ts
    ) TO '${parquet}' (FORMAT parquet)`);
  console.error(`generated ${parquet} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const bin = join(root, 'bin/funnelscope.js');

async function importStore() {
  if (existsSync(store)) return;
  const started = performance.now();
  // A 100M-event file needs more than the import's default 1 GB of DuckDB memory.
  await runMeasured([bin, '--db', store, 'import', 'events', parquet, '--json'], {
    FUNNELSCOPE_IMPORT_MEMORY: eventTarget > 20_000_000 ? '12GB' : '1GB',
  });
  console.error(`imported into ${store} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Median seconds of `runs` timed calls, after `warmup` untimed ones (steady state: JIT compiled, buffers grown). */
async function timeIt(fn, runs = 7, warmup = 2) {
  const times = [];
  let result;
  for (let i = 0; i < warmup; i += 1) await fn();
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now();
    result = await fn();
    times.push((performance.now() - t) / 1000);
  }
  return { seconds: median(times), result };
}

/** The same 5-step funnel in DuckDB SQL: per step-0 event, the first next step at or after it (ASOF), in window. */
function baselineSql() {
  const w = windowDays * 86400;
  const ev = (k) => `(SELECT coalesce(m.person_id, e.distinct_id) AS person, epoch(e.ts) AS t FROM events e
      LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
      WHERE e.project_id = 'default' AND e.event = '${steps[k]}')`;
  let sql = `WITH e0 AS ${ev(0)}`;
  for (let k = 1; k < steps.length; k += 1) sql += `, e${k} AS ${ev(k)}`;
  // One ASOF join per CTE; a start that missed step k−1 must not pick up step k (ASOF may match a NULL key).
  sql += ', c0 AS (SELECT person, t AS t0 FROM e0)';
  for (let k = 1; k < steps.length; k += 1) {
    const prev = Array.from({ length: k }, (_, j) => `c.t${j}`).join(', ');
    sql += `, c${k} AS MATERIALIZED (SELECT c.person, ${prev}, if(c.t${k - 1} IS NULL, NULL, s.t) AS t${k} FROM c${k - 1} c
      ASOF LEFT JOIN e${k} s ON c.person = s.person AND c.t${k - 1} <= s.t)`;
  }
  sql += `, depth AS (SELECT person, max(CASE`;
  for (let k = steps.length - 1; k >= 1; k -= 1) sql += ` WHEN t${k} - t0 <= ${w} THEN ${k + 1}`;
  sql += ` ELSE 1 END) AS d FROM c${steps.length - 1} GROUP BY person)`;
  sql += ` SELECT ${steps.map((_, k) => `count(*) FILTER (WHERE d >= ${k + 1})`).join(', ')} FROM depth`;
  return sql;
}

/** Runs clickhouse-client against the bench server; resolves to stdout (and stderr, where --time prints). */
function chClient(port, args, input) {
  const r = spawnSync('clickhouse-client', ['--port', String(port), ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`clickhouse-client: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/**
 * ClickHouse windowFunnel over the same events (persons resolved the same way), on a clickhouse-server started
 * here on 127.0.0.1 with a throw-away data folder (Debian's clickhouse-server 18.16 has no clickhouse-local).
 */
async function clickhouse() {
  const which = spawnSync('sh', ['-c', 'command -v clickhouse-server && command -v clickhouse-client'], {
    encoding: 'utf8',
  });
  if (which.status !== 0) return { skipped: 'clickhouse-server is not installed (apt-get install clickhouse-server)' };
  const tsv = join(dataDir, `funnel-${eventTarget}.tsv`);
  if (!existsSync(tsv)) {
    const db = await DuckDBInstance.create(store, { access_mode: 'READ_ONLY' });
    const c = await db.connect();
    await c.run(`COPY (SELECT coalesce(m.person_id, e.distinct_id), epoch(e.ts)::BIGINT, e.event FROM events e
      LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id)
      TO '${tsv}' (FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '')`);
    c.closeSync();
    db.closeSync();
  }
  const home = join(dataDir, 'clickhouse');
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const port = 19000 + (process.pid % 500);
  writeFileSync(
    join(home, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${home}/server.log</log><errorlog>${home}/server.err.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>${port}</tcp_port>
  <http_port>${port + 1}</http_port>
  <path>${home}/data/</path>
  <tmp_path>${home}/tmp/</tmp_path>
  <user_files_path>${home}/user_files/</user_files_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>536870912</mark_cache_size>
</yandex>
`,
  );
  const server = spawn('clickhouse-server', ['--config-file', join(home, 'config.xml')], { stdio: 'ignore' });
  try {
    for (let i = 0; ; i += 1) {
      try {
        chClient(port, ['--query', 'SELECT 1']);
        break;
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    chClient(port, [
      '--query',
      'CREATE TABLE ev (person String, ts UInt32, event String) ENGINE = MergeTree ORDER BY (person, ts)',
    ]);
    const loadStarted = performance.now();
    // Streamed from the file (a 100M-event TSV is larger than a Node buffer may be).
    const load = spawnSync(
      'sh',
      ['-c', `clickhouse-client --port ${port} --query "INSERT INTO ev FORMAT TabSeparated" < "${tsv}"`],
      {
        encoding: 'utf8',
      },
    );
    if (load.status !== 0) throw new Error(`clickhouse-client: ${load.stderr}`);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    chClient(port, ['--query', 'OPTIMIZE TABLE ev FINAL']);
    const conds = steps.map((x) => `event = '${x}'`).join(', ');
    const query = `SELECT level, count() FROM (SELECT person, windowFunnel(${windowDays * 86400})(toDateTime(ts), ${conds}) AS level FROM ev GROUP BY person) GROUP BY level ORDER BY level`;
    const times = [];
    let levels = '';
    // Steady state on both sides: one untimed run, then the median of five.
    for (let i = 0; i < 6; i += 1) {
      const r = chClient(port, ['--time', '--query', query]);
      levels = r.stdout.trim();
      if (i > 0) times.push(Number(r.stderr.trim().split('\n').pop()));
    }
    // Persons reaching at least each step, from "level count" rows.
    const perLevel = new Map(levels.split('\n').map((l) => l.split('\t').map(Number)));
    const reached = steps.map((_, k) =>
      [...perLevel].filter(([level]) => level >= k + 1).reduce((a, [, c]) => a + c, 0),
    );
    return {
      version: chClient(port, ['--query', 'SELECT version()']).stdout.trim(),
      loadSeconds: +loadSeconds.toFixed(1),
      funnelSeconds: median(times),
      reached,
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}

await generate();
await importStore();
const defFile = join(dataDir, 'funnel-definition.json');
writeFileSync(defFile, JSON.stringify(definition));

// Cold: a fresh process, as a user runs it; first without the column snapshot (an import with --no-prepare, or a
// snapshot deleted: columns sorted from SQL, and saved), then with it (what follows a default import).
rmSync(`${store}.columns`, { recursive: true, force: true });
const coldFirst = await runMeasured([bin, '--db', store, 'funnel', '--definition', defFile]);
const cold = await runMeasured([bin, '--db', store, 'funnel', '--definition', defFile]);
const coldReport = JSON.parse(cold.stdout);

// Warm: in-process with the column cache loaded.
const { DuckDBStore } = await import('../dist/store/duckdb/duckdb-store.js');
const { ColumnCache } = await import('../dist/engine/column-cache.js');
const { runFunnel } = await import('../dist/analysis/funnel/run-funnel.js');
const { parseFunnelDefinition } = await import('../dist/model/funnel-definition.js');
const s = await DuckDBStore.open({ path: store });
const cache = new ColumnCache(s);
const loadStarted = performance.now();
const first = await runFunnel(cache, 'default', parseFunnelDefinition(definition));
const firstSeconds = (performance.now() - loadStarted) / 1000;
const warm = await timeIt(() => runFunnel(cache, 'default', parseFunnelDefinition(definition)));
const breakdownFirst = await timeIt(
  () => runFunnel(cache, 'default', parseFunnelDefinition(breakdownDefinition)),
  1,
  0,
);
const breakdown = await timeIt(() => runFunnel(cache, 'default', parseFunnelDefinition(breakdownDefinition)));
const trends = await timeIt(() => runFunnel(cache, 'default', parseFunnelDefinition(trendsDefinition)));
const rssMiB = process.resourceUsage().maxRSS / 1024;

// Baseline: DuckDB SQL on the same store, same process.
const sql = baselineSql();
// DuckDB may take 80% of RAM by default; beside 100M events of our columns in this process that is too much.
await s.db.run(`SET memory_limit = '8GB'`);
const baseline = await timeIt(() => s.db.rows(sql), 3, 1);
await s.close();

const ch = await clickhouse().catch((error) => ({ error: String(error.message ?? error).slice(0, 300) }));

const counts = first.steps.map((x) => x.count);
const report = {
  events: first.stats.eventsScanned,
  units: first.stats.units,
  counts,
  duckdbSqlCounts: Object.values(baseline.result[0] ?? {}).map(Number),
  coldNoSnapshotSeconds: +coldFirst.seconds.toFixed(3),
  coldNoSnapshotPeakMiB: Math.round(coldFirst.peakMiB),
  coldSeconds: +cold.seconds.toFixed(3),
  coldPeakMiB: Math.round(cold.peakMiB),
  coldEngineMs: coldReport.stats.elapsedMs,
  firstInProcessSeconds: +firstSeconds.toFixed(3),
  warmSeconds: +warm.seconds.toFixed(3),
  breakdownFirstSeconds: +breakdownFirst.seconds.toFixed(3),
  breakdownWarmSeconds: +breakdown.seconds.toFixed(3),
  trendsWarmSeconds: +trends.seconds.toFixed(3),
  peakRssMiB: Math.round(rssMiB),
  duckdbSqlSeconds: +baseline.seconds.toFixed(3),
  speedupVsDuckdbSql: +(baseline.seconds / warm.seconds).toFixed(1),
  clickhouse: ch,
};
if (ch.funnelSeconds) report.clickhouseMatches = JSON.stringify(ch.reached) === JSON.stringify(counts);
if (ch.funnelSeconds) report.speedupVsClickhouse = +(ch.funnelSeconds / warm.seconds).toFixed(1);
console.log(JSON.stringify(report, null, 2));
if (process.argv.includes('--clean')) rmSync(store, { force: true });
