// Dashboard speed on the demo business at ~10M events (bench/demo-store.mjs), in Debian's Chromium:
//   paint       navigation start → the funnel view's chart drawn (its `funnel:drawn` User Timing mark), with a
//               4-step funnel in the URL
//   breakdown   Run with a breakdown (channel) typed → the broken-down chart drawn (`funnel:run` → `funnel:drawn`)
// Both are read from the page's own marks (Playwright's selector polling adds a few hundred ms of its own).
// against the same requests straight to the JSON API from Node (the baseline: what the page adds is the ratio).
// The server is started once and warmed with one request, as a running `funnelscope serve` is.
//   npm run bench:dashboard          node bench/dashboard-speed.mjs [--copies 8]
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { bin, demoStore } from './demo-store.mjs';
import { arg, median } from './run-measured.mjs';

const store = await demoStore(Number(arg('--copies', '8')), process.argv.includes('--regenerate'));
const definition = {
  steps: [{ event: '$pageview' }, { event: 'Signed Up' }, { event: 'Activated' }, { event: 'Demo Requested' }],
  window: { amount: 30, unit: 'day' },
};

const server = spawn(process.execPath, [bin, '--db', store, 'serve', '--port', '0', '--log-level', 'warn'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (chunk) => {
    out += String(chunk);
    const match = / at (http:\/\/[\d.]+:\d+)/.exec(out);
    if (match) resolve(match[1]);
  });
  server.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
});
const post = async (body) => {
  const started = performance.now();
  const response = await fetch(`${url}/api/funnel`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.json();
  return (performance.now() - started) / 1000;
};

await post(definition); // warm: the columns load once
const apiTimes = [];
const apiBreakdownTimes = [];
for (let i = 0; i < 3; i += 1) {
  apiTimes.push(await post(definition));
  apiBreakdownTimes.push(await post({ ...definition, breakdown: { properties: ['channel'], limit: 8 } }));
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const paints = [];
const rerenders = [];
for (let i = 0; i < 3; i += 1) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const marks = () =>
    page.evaluate(() => performance.getEntriesByType('mark').map((m) => ({ name: m.name, at: m.startTime })));
  await page.goto(`${url}/?definition=${encodeURIComponent(JSON.stringify(definition))}`);
  await page.waitForFunction(() => performance.getEntriesByName('funnel:drawn').length > 0);
  const first = (await marks()).find((m) => m.name === 'funnel:drawn');
  paints.push(first.at / 1000); // mark times count from the navigation's start
  await page.fill('#breakdown', 'channel');
  await page.dispatchEvent('#breakdown', 'change');
  await page.click('button.primary');
  await page.waitForSelector('table:not([data-breakdown-values="0"])');
  await page.waitForFunction(
    () =>
      (performance.getEntriesByName('funnel:drawn').at(-1)?.startTime ?? 0) >
      (performance.getEntriesByName('funnel:run').at(-1)?.startTime ?? Number.POSITIVE_INFINITY),
  );
  const all = await marks();
  const run = all.filter((m) => m.name === 'funnel:run').at(-1);
  const drawn = all.filter((m) => m.name === 'funnel:drawn').at(-1);
  rerenders.push((drawn.at - run.at) / 1000);
  await page.close();
}
await browser.close();
server.kill('SIGTERM');

const paint = median(paints);
const rerender = median(rerenders);
console.log(
  JSON.stringify(
    {
      paintSeconds: +paint.toFixed(3),
      apiFunnelSeconds: +median(apiTimes).toFixed(3),
      'paint / api': +(paint / median(apiTimes)).toFixed(2),
      breakdownRerenderSeconds: +rerender.toFixed(3),
      apiBreakdownSeconds: +median(apiBreakdownTimes).toFixed(3),
      'rerender / api': +(rerender / median(apiBreakdownTimes)).toFixed(2),
      target: { paintSeconds: 1.5, rerenderSeconds: 0.5 },
    },
    null,
    2,
  ),
);
