// Ingestion load: `funnelscope serve` (a child process, as users run it) on loopback, driven by autocannon with
// Segment batches of 100 events, every event with its own messageId:
//   sustained  as fast as 16 connections go for --seconds; acknowledged events/s, and stored events/s (until
//              the write-ahead log is empty, so the store kept up, not only the log)
//   latency    a fixed 10,000 events/s (100 requests/s) for --seconds: p50 / p99 acknowledgement latency
// Baseline in the same run: a bare node:http server that reads each body and answers 200 (the HTTP floor of
// this machine and client), under the same load; the ratio shows what checking, logging and fsync cost.
//   npm run bench:ingest            node bench/ingest-load.mjs --seconds 10
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { arg } from './run-measured.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/funnelscope.js');
const seconds = Number(arg('--seconds', '10'));
const batchSize = 100;

function run(command) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command.join(' ')}: exit ${code}`))));
  });
}

function startServe(db) {
  const child = spawn(process.execPath, [bin, '--db', db, 'serve', '--port', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = / at (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
  });
}

let sequence = 0;
/** A batch of 100 track calls with fresh message ids. */
function batchBody() {
  const now = new Date().toISOString();
  const batch = [];
  for (let i = 0; i < batchSize; i += 1) {
    sequence += 1;
    batch.push({
      type: 'track',
      messageId: `load-${sequence}`,
      userId: `user-${sequence % 50_000}`,
      event: sequence % 10 === 0 ? 'Signed Up' : 'Page Viewed',
      timestamp: now,
      properties: { plan: 'pro', path: '/pricing', n: sequence },
      context: { page: { url: 'https://shop.example/pricing?utm_source=google' }, userAgent: 'Mozilla/5.0' },
    });
  }
  return JSON.stringify({ batch });
}

function cannon(url, headers, options) {
  return autocannon({
    url: `${url}/v1/batch`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    connections: options.connections,
    duration: seconds,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [{ setupRequest: (request) => ({ ...request, body: batchBody() }) }],
  });
}

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

function summary(result) {
  const ok = result['2xx'];
  return {
    'events/s': Math.round((ok * batchSize) / seconds),
    'req/s': Math.round(ok / seconds),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

// Baseline: the HTTP floor.
const floor = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}'));
});
await new Promise((r) => floor.listen(0, '127.0.0.1', r));
const floorUrl = `http://127.0.0.1:${floor.address().port}`;
const floorSustained = summary(await cannon(floorUrl, {}, { connections: 16 }));
const floorFixed = summary(await cannon(floorUrl, {}, { connections: 16, overallRate: 100 }));
floor.close();

const dir = mkdtempSync(join(tmpdir(), 'fs-ingest-bench-'));
const db = join(dir, 'store.duckdb');
const { writeKey } = JSON.parse(await run([bin, '--db', db, 'projects', 'create', 'default', '--json']));
const auth = { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` };
const { url, child } = await startServe(db);

const started = performance.now();
const sustained = summary(await cannon(url, auth, { connections: 16 }));
// Until the log is stored: the sustained rate the whole path keeps.
while ((await metric(url, 'funnelscope_ingest_queue_events')) > 0) await new Promise((r) => setTimeout(r, 100));
const storedSeconds = (performance.now() - started) / 1000;
const stored = await metric(url, 'funnelscope_events_stored_total');
const fixed = summary(await cannon(url, auth, { connections: 16, overallRate: 100 }));

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });

const report = {
  seconds,
  batchSize,
  sustained: { ...sustained, 'stored events/s': Math.round(stored / storedSeconds), stored },
  at10kPerSecond: fixed,
  httpFloor: { sustained: floorSustained, at10kPerSecond: floorFixed },
  'sustained / floor': +(sustained['events/s'] / floorSustained['events/s']).toFixed(2),
  targets: { sustainedEventsPerSecond: 50_000, p99MsAt10k: 50 },
};
console.log(JSON.stringify(report, null, 2));
