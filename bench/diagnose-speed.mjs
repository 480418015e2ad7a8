// Diagnose speed on the demo business at ~10M events (bench/demo-store.mjs): the demo funnel (visit → pricing →
// signup → activation → demo request, 30 days) over 6 dimensions (channel, utm_campaign, device_type, os, browser,
// country), timed:
//   warm   in-process over a warm column cache (median of 3 after a warm-up)
//   cold   a fresh `funnelscope diagnose --format json` process with the property columns saved beside the file
//          by an earlier run (median of 3)
//   first  the same after deleting the saved property columns (each dimension read from SQL once)
// Baseline in the same process: one run of the same funnel without a breakdown, so the ratio shows what the six
// broken-down runs and the ranking cost against one funnel.
//   npm run bench:diagnose          node bench/diagnose-speed.mjs [--copies 8]
import { rmSync } from 'node:fs';
import { bin, demoStore } from './demo-store.mjs';
import { arg, median, runMeasured } from './run-measured.mjs';

const store = await demoStore(Number(arg('--copies', '8')), process.argv.includes('--regenerate'));
const { DuckDBStore } = await import('../dist/store/duckdb/duckdb-store.js');
const { ColumnCache } = await import('../dist/engine/column-cache.js');
const { runDiagnose } = await import('../dist/analysis/diagnose/run-diagnose.js');
const { runFunnel } = await import('../dist/analysis/funnel/run-funnel.js');
const { parseFunnelDefinition } = await import('../dist/model/funnel-definition.js');
const { diagnoseSpec, jsonName } = await import('../dist/model/report-requests.js');

const funnel = {
  steps: [
    { event: '$pageview', name: 'Visit' },
    { event: '$pageview', name: 'Pricing', filters: [{ property: 'path', value: '/pricing' }] },
    { event: 'Signed Up', name: 'Signup' },
    { event: 'Activated', name: 'Activation' },
    { event: 'Demo Requested', name: 'Demo request' },
  ],
  window: { amount: 30, unit: 'day' },
};
const dimensions = ['channel', 'utm_campaign', 'device_type', 'os', 'browser', 'country'];
const definition = parseFunnelDefinition(JSON.stringify(funnel));

const s = await DuckDBStore.open({ path: store });
const cache = new ColumnCache(s);
// The CLI's defaults (as `funnelscope diagnose --dimensions …` reads them), so warm and cold run the same spec.
const spec = diagnoseSpec(definition, { dimensions }, jsonName);
let report;
const warmTimes = [];
const baselineTimes = [];
for (let i = 0; i < 4; i += 1) {
  let started = performance.now();
  report = await runDiagnose(cache, 'default', spec);
  if (i > 0) warmTimes.push((performance.now() - started) / 1000);
  started = performance.now();
  await runFunnel(cache, 'default', definition);
  if (i > 0) baselineTimes.push((performance.now() - started) / 1000);
}
const events = (await cache.get('default')).columns.eventCount;
await s.close();

const cli = () =>
  runMeasured([
    bin,
    '--db',
    store,
    'diagnose',
    '--definition',
    JSON.stringify(funnel),
    '--dimensions',
    dimensions.join(','),
    '--format',
    'json',
  ]);
const colds = [];
for (let i = 0; i < 3; i += 1) colds.push(await cli());
const cold = colds.sort((a, b) => a.seconds - b.seconds)[1];
rmSync(`${store}.columns/default.values`, { recursive: true, force: true });
const first = await cli();

const warm = median(warmTimes);
const baseline = median(baselineTimes);
const [top] = report.leaks.findings;
console.log(
  JSON.stringify(
    {
      events,
      dimensions: dimensions.length,
      cellsTested: report.leaks.cellsTested,
      topFinding: top ? `${top.segment}: ${top.fromName} → ${top.toName}` : null,
      warmSeconds: +warm.toFixed(3),
      coldSeconds: +cold.seconds.toFixed(3),
      coldPeakMiB: Math.round(cold.peakMiB),
      firstSeconds: +first.seconds.toFixed(3),
      oneFunnelSeconds: +baseline.toFixed(3),
      'warm / one funnel': +(warm / baseline).toFixed(2),
      target: { seconds: 5 },
    },
    null,
    2,
  ),
);
