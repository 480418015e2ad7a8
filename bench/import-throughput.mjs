// Import throughput: generated events as CSV, NDJSON and Parquet, imported by the funnelscope CLI (a child
// process, as a user runs it) into a fresh DuckDB file. Baseline in the same run: DuckDB itself copying the same
// file into a table with its own reader and no validation, so the ratio shows what our checks cost.
//   npm run bench:import                        # 1M and 10M events
//   node bench/import-throughput.mjs --sizes 1000000   # just 1M
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { runMeasured } from './run-measured.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'bench/data');
const sizesArg = process.argv.indexOf('--sizes');
const sizes = sizesArg > 0 ? process.argv[sizesArg + 1].split(',').map(Number) : [1_000_000, 10_000_000];
mkdirSync(dataDir, { recursive: true });

const events = ['$pageview', 'Pricing Viewed', 'Signed Up', 'Activated', 'Demo Requested'];
const plans = ['free', 'pro', 'team', 'enterprise'];
const sources = ['google', 'facebook', 'linkedin', 'newsletter', ''];

/** A seeded xorshift so every run writes the same files. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

async function write(path, lines) {
  const out = createWriteStream(path);
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise((r) => out.once('drain', r));
      buffer = '';
    }
  }
  out.write(buffer);
  await new Promise((r) => out.end(r));
}

function* rows(n) {
  const random = rng(n);
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i += 1) {
    const r = random();
    yield {
      user: `u${Math.floor(r * n * 0.1)}`,
      event: events[Math.floor(random() * events.length)],
      ts: new Date(start + Math.floor((i / n) * 180 * 86_400_000)).toISOString(),
      plan: plans[i % plans.length],
      price: (i % 500) + 0.5,
      source: sources[i % sources.length],
    };
  }
}

async function generate(n) {
  const csv = join(dataDir, `events-${n}.csv`);
  const ndjson = join(dataDir, `events-${n}.ndjson`);
  const parquet = join(dataDir, `events-${n}.parquet`);
  if (!existsSync(csv)) {
    await write(
      csv,
      (function* () {
        yield 'user_id,event,timestamp,plan,price,utm_source\n';
        for (const r of rows(n)) yield `${r.user},${r.event},${r.ts},${r.plan},${r.price},${r.source}\n`;
      })(),
    );
  }
  if (!existsSync(ndjson)) {
    await write(
      ndjson,
      (function* () {
        let i = 0;
        for (const r of rows(n)) {
          i += 1;
          yield `${JSON.stringify({
            type: 'track',
            messageId: `m-${i}`,
            userId: r.user,
            event: r.event,
            timestamp: r.ts,
            properties: { plan: r.plan, price: r.price },
            context: { campaign: { source: r.source }, page: { url: `https://example.com/p?utm_source=${r.source}` } },
          })}\n`;
        }
      })(),
    );
  }
  if (!existsSync(parquet)) {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`,
    );
    connection.closeSync();
    instance.closeSync();
  }
  return { csv, ndjson, parquet };
}

const baselineSql = {
  csv: (f) => `CREATE TABLE t AS SELECT * FROM read_csv('${f}', all_varchar = true)`,
  ndjson: (f) => `CREATE TABLE t AS SELECT * FROM read_json('${f}', format = 'newline_delimited')`,
  parquet: (f) => `CREATE TABLE t AS SELECT * FROM read_parquet('${f}')`,
};

async function baseline(format, file) {
  const db = join(dataDir, 'baseline.duckdb');
  rmSync(db, { force: true });
  const script = `import { DuckDBInstance } from '@duckdb/node-api';
    const i = await DuckDBInstance.create(${JSON.stringify(db)}); const c = await i.connect();
    await c.run(${JSON.stringify(baselineSql[format](file))}); c.closeSync(); i.closeSync();`;
  const result = await runMeasured(['--input-type=module', '-e', script]);
  rmSync(db, { force: true });
  return result;
}

const results = [];
for (const n of sizes) {
  console.error(`generating ${n.toLocaleString('en-US')} events …`);
  const files = await generate(n);
  for (const format of ['csv', 'ndjson', 'parquet']) {
    const file = files[format];
    const db = join(dataDir, `bench-${format}.duckdb`);
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
    const ours = await runMeasured([join(root, 'bin/funnelscope.js'), '--db', db, 'import', 'events', file, '--json']);
    const summary = JSON.parse(ours.stdout);
    if (summary.imported !== n) throw new Error(`${format}: imported ${summary.imported} of ${n}`);
    rmSync(db, { force: true });
    const base = await baseline(format, file);
    const row = {
      events: n,
      format,
      mb: (statSync(file).size / 1e6).toFixed(0),
      'events/s': Math.round(n / ours.seconds),
      'peak MiB': Math.round(ours.peakMiB),
      'duckdb copy events/s': Math.round(n / base.seconds),
      'ours / duckdb copy': (base.seconds / ours.seconds).toFixed(2),
    };
    results.push(row);
    console.log(JSON.stringify(row));
  }
}
console.table(results);
