// The ClickHouse store against the DuckDB store on the same 10M events (bench/funnel-speed.mjs's generated business,
// built by it when missing), on a 2-shard cluster of Debian clickhouse-server processes started here:
//   load      `funnelscope migrate` of the DuckDB file into the cluster (events, identities)
//   cold      a fresh `funnelscope funnel` process on each store (open, load columns, run, print), and its peak
//             resident memory
//   streamed  the same cold funnel with the project streamed in batches of persons (`batch_events`): the time and
//             peak memory against loading it whole; the counts must be equal
//   warm      in-process runFunnel with each store's columns loaded: the 5-step funnel and a breakdown by channel
//   baseline  ClickHouse's own windowFunnel over the same tables (each shard groups its persons; levels summed),
//             the 14-day window, same steps
// Each funnel's step counts must be equal on both stores and windowFunnel's (ordered, no exclusions: the same
// definition).
//   kpi       the demo business at ~10M events with deals and spend (bench/demo-store.mjs) migrated too: a cold
//             `funnelscope kpi --by channel-month` on each store, and on ClickHouse streamed; the reports must be
//             equal.
//   npm run bench:clickhouse          node bench/clickhouse-speed.mjs [--events 10000000]
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoStore } from './demo-store.mjs';
import { arg, median, runMeasured } from './run-measured.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/funnelscope.js');
const events = Number(arg('--events', '10000000'));
const store = join(root, `bench/data/funnel-${events}.duckdb`);
if (!existsSync(store)) await runMeasured([join(root, 'bench/funnel-speed.mjs'), '--events', String(events)]);

const { startLocalCluster, clickhouseInstalled } = await import('../dist/store/clickhouse/local-cluster.js');
const { ClickHouseStore } = await import('../dist/store/clickhouse/clickhouse-store.js');
const { DuckDBStore } = await import('../dist/store/duckdb/duckdb-store.js');
const { ColumnCache } = await import('../dist/engine/column-cache.js');
const { runFunnel } = await import('../dist/analysis/funnel/run-funnel.js');
const { parseFunnelDefinition } = await import('../dist/model/funnel-definition.js');
const { chStrings } = await import('../dist/store/clickhouse/clickhouse-sql.js');

if (!clickhouseInstalled()) {
  console.log('clickhouse-server is not installed (apt-get install -y clickhouse-server): nothing to compare');
  process.exit(0);
}
const steps = ['$pageview', 'Pricing Viewed', 'Signed Up', 'Activated', 'Purchased'];
const plain = { steps: steps.map((event) => ({ event })), window: { amount: 14, unit: 'day' }, order: 'ordered' };
const byChannel = { ...plain, breakdown: { properties: ['channel'] } };
const cluster = await startLocalCluster({ shards: 2 });
const line = (label, seconds, extra = '') =>
  console.log(`${label.padEnd(52)} ${seconds.toFixed(2).padStart(7)} s ${extra}`);
try {
  console.log(`${events.toLocaleString('en')} events; ClickHouse 2 shards at ${cluster.url}`);
  const load = await runMeasured([bin, 'migrate', '--from', store, '--to', cluster.url, '--events-only', '--json']);
  line(
    'load: migrate the DuckDB file into the cluster',
    load.seconds,
    `(${Math.round(events / load.seconds).toLocaleString('en')} events/s)`,
  );

  const cold = async (args, definition = plain) => {
    const runs = [];
    const peaks = [];
    let out = '';
    for (let i = 0; i < 3; i += 1) {
      const r = await runMeasured([bin, ...args, 'funnel', '--definition', JSON.stringify(definition)]);
      runs.push(r.seconds);
      peaks.push(r.peakMiB);
      out = r.stdout;
    }
    const report = JSON.parse(out);
    return {
      seconds: median(runs),
      peakMiB: median(peaks),
      batches: report.stats.batches,
      counts: JSON.stringify([
        report.steps.map((s) => s.count),
        (report.breakdown ?? []).map((b) => [b.value, b.steps.map((s) => s.count)]),
      ]),
    };
  };
  const mib = (r) => `peak ${Math.round(r.peakMiB)} MiB`;
  const duckCold = await cold(['--db', store]);
  const chCold = await cold(['--store', cluster.url]);
  line('cold funnel, DuckDB store (fresh process)', duckCold.seconds, mib(duckCold));
  line(
    'cold funnel, ClickHouse store (fresh process)',
    chCold.seconds,
    `${mib(chCold)}; ratio ${(chCold.seconds / duckCold.seconds).toFixed(2)}×`,
  );

  // Bounded memory: the same cold runs streamed in batches of persons, against the whole load.
  for (const [name, definition] of Object.entries({ funnel: plain, 'breakdown by channel': byChannel })) {
    const whole = name === 'funnel' ? chCold : await cold(['--store', cluster.url], definition);
    if (name !== 'funnel') line(`cold ${name}, ClickHouse store, loaded whole`, whole.seconds, mib(whole));
    for (const batch of [2_000_000, 500_000]) {
      const streamed = await cold(['--store', `${cluster.url}&batch_events=${batch}`], definition);
      line(
        `cold ${name}, streamed in batches of ${batch.toLocaleString('en')} events`,
        streamed.seconds,
        `${mib(streamed)} (${(streamed.peakMiB / whole.peakMiB).toFixed(2)}× the whole load's), ` +
          `${streamed.batches} batches; time ${(streamed.seconds / whole.seconds).toFixed(2)}×`,
      );
      if (streamed.counts !== whole.counts) throw new Error(`${name}: streamed and whole runs disagree`);
    }
  }

  const warm = async (source) => {
    const cache = new ColumnCache(source);
    const times = {};
    const counts = {};
    for (const [name, d] of Object.entries({ funnel: plain, breakdown: byChannel })) {
      const definition = parseFunnelDefinition(JSON.stringify(d));
      await runFunnel(cache, 'default', definition);
      const runs = [];
      let report;
      for (let i = 0; i < 5; i += 1) {
        const t = performance.now();
        report = await runFunnel(cache, 'default', definition);
        runs.push((performance.now() - t) / 1000);
      }
      times[name] = median(runs);
      counts[name] = JSON.stringify([
        report.steps.map((s) => s.count),
        (report.breakdown ?? []).map((b) => [b.value, b.steps.map((s) => s.count)]),
      ]);
    }
    return { times, counts };
  };
  const duck = await DuckDBStore.open({ path: store });
  const duckWarm = await warm(duck);
  await duck.close();
  const ch = await ClickHouseStore.open(cluster.url);
  const chWarm = await warm(ch);
  for (const name of ['funnel', 'breakdown']) {
    line(`warm ${name}, DuckDB store`, duckWarm.times[name]);
    line(
      `warm ${name}, ClickHouse store`,
      chWarm.times[name],
      `ratio ${(chWarm.times[name] / duckWarm.times[name]).toFixed(2)}×`,
    );
    if (duckWarm.counts[name] !== chWarm.counts[name]) throw new Error(`${name}: the stores disagree`);
  }

  // ClickHouse's windowFunnel (18.16: DateTime seconds, default mode), each shard over its own persons.
  const conditions = steps.map((s) => `event = ${chStrings([s]).slice(1, -1)}`).join(', ');
  const levels = `SELECT level, count() FROM (
      SELECT shard_key, windowFunnel(${14 * 86400})(toDateTime(intDiv(ts_us, 1000000)), ${conditions}) AS level
      FROM funnelscope.events WHERE project_id = 'default' GROUP BY shard_key) GROUP BY level ORDER BY level`;
  const runs = [];
  let rows = [];
  for (let i = 0; i < 3; i += 1) {
    const t = performance.now();
    rows = await ch.shards.rows(0, levels);
    runs.push((performance.now() - t) / 1000);
  }
  await ch.close();
  const atLevel = new Map(rows.map((r) => [Number(r[0]), Number(r[1])]));
  const reached = steps.map((_, k) => [...atLevel].filter(([l]) => l >= k + 1).reduce((a, [, n]) => a + n, 0));
  line(
    'ClickHouse windowFunnel (SQL, 2 shards)',
    median(runs),
    `ratio to the ClickHouse store's warm funnel ${(median(runs) / chWarm.times.funnel).toFixed(2)}×`,
  );
  console.log(`step counts: stores ${JSON.parse(chCold.counts)[0]}, windowFunnel ${JSON.stringify(reached)}`);
  if (duckCold.counts !== chCold.counts) throw new Error('cold funnels disagree');

  // KPIs on the demo business at ~10M events with its deals, stage history and spend (bench/demo-store.mjs).
  const demo = await demoStore(8);
  const kpiUrl = cluster.url.replace('/funnelscope?', '/kpi?');
  const kpiLoad = await runMeasured([bin, 'migrate', '--from', demo, '--to', kpiUrl, '--json']);
  line('load: migrate the demo business (deals, spend) into the cluster', kpiLoad.seconds);
  const kpi = async (args) => {
    const runs = [];
    const peaks = [];
    let out = '';
    for (let i = 0; i < 3; i += 1) {
      const r = await runMeasured([bin, ...args, 'kpi', '--by', 'channel-month', '--format', 'json']);
      runs.push(r.seconds);
      peaks.push(r.peakMiB);
      out = r.stdout;
    }
    return { seconds: median(runs), peakMiB: median(peaks), report: out };
  };
  const duckKpi = await kpi(['--db', demo]);
  const chKpi = await kpi(['--store', kpiUrl]);
  const chKpiStreamed = await kpi(['--store', `${kpiUrl}&batch_events=2000000`]);
  line('cold KPI by channel × month, DuckDB store', duckKpi.seconds, mib(duckKpi));
  line(
    'cold KPI by channel × month, ClickHouse store',
    chKpi.seconds,
    `${mib(chKpi)}; ratio ${(chKpi.seconds / duckKpi.seconds).toFixed(2)}×`,
  );
  line(
    'cold KPI by channel × month, ClickHouse, streamed (2M)',
    chKpiStreamed.seconds,
    `${mib(chKpiStreamed)} (${(chKpiStreamed.peakMiB / chKpi.peakMiB).toFixed(2)}× the whole load's); ` +
      `time ${(chKpiStreamed.seconds / chKpi.seconds).toFixed(2)}×`,
  );
  const strip = (text) => JSON.stringify(JSON.parse(text), (key, value) => (key === 'elapsedMs' ? undefined : value));
  if (strip(duckKpi.report) !== strip(chKpi.report)) throw new Error('the KPI reports disagree');
  if (strip(chKpiStreamed.report) !== strip(chKpi.report)) throw new Error('the streamed KPI report disagrees');
  console.log('KPI reports: equal on both stores, streamed or not');
} finally {
  await cluster.stop();
}
