// KPI speed on demo-scale data of ~10M events: the demo business (500,000 visitors, ~1.3M events, deals, stage
// history, spend) imported through the bin once, then copied eight times in DuckDB with every id suffixed (so the
// copies are distinct people and deals), and timed:
//   warm   in-process: the store's KPI inputs plus the report by channel × month (median of 5 after a warm-up)
//   cold   a fresh `funnelscope kpi --by channel-month --format json` process (median of 3), with the sorted
//          columns, the two visitor columns and the deal people saved beside the file, as an import leaves them
//   coldUnprepared  the same after deleting those saved visitor columns and deal people (they come from SQL, as
//          after a change that no import prepared)
// Visitors are counted over the column cache (warm: in memory; cold: read from the saved files).
// Baseline in the same run: DuckDB alone counting the monthly page-view visitors per channel (one scan of the
// events, without identity merges), so the ratio shows the whole report against that one query.
//   npm run bench:kpi          node bench/kpi-speed.mjs [--copies 8]
import { rmSync } from 'node:fs';
import { bin, demoStore } from './demo-store.mjs';
import { arg, median, runMeasured } from './run-measured.mjs';

const store = await demoStore(Number(arg('--copies', '8')), process.argv.includes('--regenerate'));

const { DuckDBStore } = await import('../dist/store/duckdb/duckdb-store.js');
const { runKpi } = await import('../dist/analysis/kpi/run-kpi.js');
const { monthlyVisitors } = await import('../dist/analysis/kpi/monthly-visitors.js');
const { ColumnCache } = await import('../dist/engine/column-cache.js');
const spec = { project: 'default', from: '2026-06-01', to: '2026-11-27', by: 'channel-month', grossMargin: 0.8 };

const s = await DuckDBStore.open({ path: store });
const cache = new ColumnCache(s);
const kpiInputs = async () => ({
  ...(await s.spendAndDeals('default')),
  visitors: await monthlyVisitors(await cache.get('default')),
});
const [{ events }] = await s.db.rows(`SELECT count(*)::DOUBLE AS events FROM events`);
let report;
const warmTimes = [];
for (let i = 0; i < 6; i += 1) {
  const started = performance.now();
  report = runKpi(await kpiInputs(), spec);
  if (i > 0) warmTimes.push((performance.now() - started) / 1000);
}
const baselineTimes = [];
for (let i = 0; i < 4; i += 1) {
  const started = performance.now();
  await s.db.rows(`SELECT strftime(ts, '%Y-%m') AS month, channel, count(DISTINCT distinct_id) AS visitors
                   FROM events WHERE project_id = 'default' AND type = 'page' GROUP BY ALL`);
  if (i > 0) baselineTimes.push((performance.now() - started) / 1000);
}
await s.close();

const kpiProcess = () =>
  runMeasured([
    bin,
    '--db',
    store,
    'kpi',
    '--from',
    spec.from,
    '--to',
    spec.to,
    '--by',
    'channel-month',
    '--format',
    'json',
  ]);
// As after an import (which saves the sorted columns and the visitor columns): median of 3 processes.
const colds = [];
for (let i = 0; i < 3; i += 1) colds.push(await kpiProcess());
const cold = colds.sort((a, b) => a.seconds - b.seconds)[1];
// The first report after a change the import did not prepare: the visitor columns come from SQL (then are saved).
rmSync(`${store}.columns/default.values`, { recursive: true, force: true });
const unprepared = await kpiProcess();

const warm = median(warmTimes);
const baseline = median(baselineTimes);
console.log(
  JSON.stringify(
    {
      events,
      rows: report.rows.length,
      leads: report.total.leads,
      customers: report.total.customers,
      warmSeconds: +warm.toFixed(3),
      coldSeconds: +cold.seconds.toFixed(3),
      coldPeakMiB: Math.round(cold.peakMiB),
      coldUnpreparedSeconds: +unprepared.seconds.toFixed(3),
      duckdbVisitorScanSeconds: +baseline.toFixed(3),
      'warm / scan': +(warm / baseline).toFixed(2),
      target: { seconds: 2 },
    },
    null,
    2,
  ),
);
