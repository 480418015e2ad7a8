// Path explorer speed on the demo business at ~10M events (bench/demo-store.mjs): paths of depth 5 after the
// first page view of every person (the widest anchor: every visitor), and after the first signup, timed:
//   warm   in-process over a warm column cache (median of 3 after a warm-up)
//   cold   a fresh `funnelscope paths --from '$pageview' --depth 5 --format json` process (median of 3)
// Baseline in the same process: one run of the demo funnel, so the ratio shows what paths cost against a funnel.
//   npm run bench:paths          node bench/paths-speed.mjs [--copies 8]
import { bin, demoStore } from './demo-store.mjs';
import { arg, median, runMeasured } from './run-measured.mjs';

const store = await demoStore(Number(arg('--copies', '8')), process.argv.includes('--regenerate'));
const { DuckDBStore } = await import('../dist/store/duckdb/duckdb-store.js');
const { ColumnCache } = await import('../dist/engine/column-cache.js');
const { runPaths } = await import('../dist/analysis/paths/run-paths.js');
const { runFunnel } = await import('../dist/analysis/funnel/run-funnel.js');
const { parseFunnelDefinition } = await import('../dist/model/funnel-definition.js');
const { jsonName, pathsSpec } = await import('../dist/model/report-requests.js');

const definition = parseFunnelDefinition({
  steps: [{ event: '$pageview' }, { event: 'Signed Up' }, { event: 'Activated' }, { event: 'Demo Requested' }],
  window: { amount: 30, unit: 'day' },
});
// The CLI's defaults, as `funnelscope paths --from EVENT --depth 5` reads them.
const spec = (from) => pathsSpec({ from, depth: 5 }, jsonName);

const s = await DuckDBStore.open({ path: store });
const cache = new ColumnCache(s);
const times = { pageview: [], signup: [], funnel: [] };
let pageview;
let signup;
for (let i = 0; i < 4; i += 1) {
  let started = performance.now();
  pageview = await runPaths(cache, 'default', spec('$pageview'));
  if (i > 0) times.pageview.push((performance.now() - started) / 1000);
  started = performance.now();
  signup = await runPaths(cache, 'default', spec('Signed Up'));
  if (i > 0) times.signup.push((performance.now() - started) / 1000);
  started = performance.now();
  await runFunnel(cache, 'default', definition);
  if (i > 0) times.funnel.push((performance.now() - started) / 1000);
}
const events = (await cache.get('default')).columns.eventCount;
await s.close();

const colds = [];
for (let i = 0; i < 3; i += 1) {
  colds.push(
    await runMeasured([bin, '--db', store, 'paths', '--from', '$pageview', '--depth', '5', '--format', 'json']),
  );
}
const cold = colds.sort((a, b) => a.seconds - b.seconds)[1];
const warm = median(times.pageview);
const funnel = median(times.funnel);
console.log(
  JSON.stringify(
    {
      events,
      anchorsPageview: pageview.units,
      distinctTopPath: pageview.paths[0]?.events.join(' → '),
      anchorsSignup: signup.units,
      warmPageviewSeconds: +warm.toFixed(3),
      warmSignupSeconds: +median(times.signup).toFixed(3),
      coldCliSeconds: +cold.seconds.toFixed(3),
      coldPeakMiB: Math.round(cold.peakMiB),
      oneFunnelSeconds: +funnel.toFixed(3),
      'warm paths / one funnel': +(warm / funnel).toFixed(2),
      target: { seconds: 2 },
    },
    null,
    2,
  ),
);
