// Attribution speed on the demo business at ~10M events (bench/demo-store.mjs): every model (six rule-based,
// Markov, Shapley) with 100 bootstrap replicates, for the signups (many conversions) and the won deals, timed:
//   warm   in-process over a warm column cache (median of 3 after a warm-up)
//   cold   a fresh `funnelscope attribution --conversion 'Signed Up' --format json` process (median of 3)
// Baseline in the same process: one run of the demo funnel, so the ratio shows what attribution costs against it.
// Target (issue 8): all models for one conversion in ≤ 5 s.
//   npm run bench:attribution          node bench/attribution-speed.mjs [--copies 8]
import { bin, demoStore } from './demo-store.mjs';
import { arg, median, runMeasured } from './run-measured.mjs';

const store = await demoStore(Number(arg('--copies', '8')), process.argv.includes('--regenerate'));
const { DuckDBStore } = await import('../dist/store/duckdb/duckdb-store.js');
const { ColumnCache } = await import('../dist/engine/column-cache.js');
const { runAttribution } = await import('../dist/analysis/attribution/run-attribution.js');
const { runFunnel } = await import('../dist/analysis/funnel/run-funnel.js');
const { parseFunnelDefinition } = await import('../dist/model/funnel-definition.js');
const { jsonName, attributionSpec } = await import('../dist/model/report-requests.js');

const definition = parseFunnelDefinition({
  steps: [{ event: '$pageview' }, { event: 'Signed Up' }, { event: 'Activated' }, { event: 'Demo Requested' }],
  window: { amount: 30, unit: 'day' },
});
// The CLI's defaults, as `funnelscope attribution --conversion X` reads them.
const spec = (conversion) => attributionSpec('default', { conversion }, jsonName);

const s = await DuckDBStore.open({ path: store });
const cache = new ColumnCache(s);
const times = { signup: [], won: [], funnel: [] };
let signup;
let won;
for (let i = 0; i < 4; i += 1) {
  let started = performance.now();
  signup = await runAttribution(cache, s, spec('Signed Up'));
  if (i > 0) times.signup.push((performance.now() - started) / 1000);
  started = performance.now();
  won = await runAttribution(cache, s, spec('deal_won'));
  if (i > 0) times.won.push((performance.now() - started) / 1000);
  started = performance.now();
  await runFunnel(cache, 'default', definition);
  if (i > 0) times.funnel.push((performance.now() - started) / 1000);
}
const events = (await cache.get('default')).columns.eventCount;
await s.close();

const colds = [];
for (let i = 0; i < 3; i += 1) {
  colds.push(await runMeasured([bin, '--db', store, 'attribution', '--conversion', 'Signed Up', '--format', 'json']));
}
const cold = colds.sort((a, b) => a.seconds - b.seconds)[1];
const warm = median(times.signup);
const funnel = median(times.funnel);
console.log(
  JSON.stringify(
    {
      events,
      signups: signup.totals.conversions,
      touchpoints: signup.totals.touchpoints,
      journeysWithoutConversion: signup.totals.journeysWithoutConversion,
      wonDeals: won.totals.conversions,
      warmSignupSeconds: +warm.toFixed(3),
      warmWonSeconds: +median(times.won).toFixed(3),
      coldCliSeconds: +cold.seconds.toFixed(3),
      coldPeakMiB: Math.round(cold.peakMiB),
      oneFunnelSeconds: +funnel.toFixed(3),
      'warm attribution / one funnel': +(warm / funnel).toFixed(2),
      target: { seconds: 5 },
    },
    null,
    2,
  ),
);
