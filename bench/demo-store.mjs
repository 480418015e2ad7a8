// The demo business at ~10M events, shared by the KPI and diagnose benchmarks: 500,000 visitors (~1.3M events,
// deals, stage history, spend) imported through the bin once, then copied `copies` times in DuckDB with every id
// suffixed (so the copies are distinct people and deals). Kept in bench/data/ between runs.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { runMeasured } from './run-measured.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = join(root, 'bin/funnelscope.js');

/** The store's path, generating it first when missing (or when `regenerate`). */
export async function demoStore(copies, regenerate = false) {
  const dataDir = join(root, 'bench/data');
  const store = join(dataDir, `kpi-demo-x${copies}.duckdb`);
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(store) || regenerate) {
    rmSync(store, { force: true });
    rmSync(`${store}.wal`, { force: true });
    console.error('generating the demo business (500,000 visitors) …');
    const demo = await runMeasured([bin, '--db', store, 'demo', '--visitors', '500000', '--end-date', '2026-11-27']);
    console.error(`demo: ${demo.seconds.toFixed(1)} s`);
    rmSync(`${store}.columns`, { recursive: true, force: true });
    const instance = await DuckDBInstance.create(store);
    const c = await instance.connect();
    const suffix = (column, k) => `CASE WHEN ${column} IS NULL THEN NULL ELSE ${column} || '~${k}' END`;
    for (let k = 1; k < copies; k += 1) {
      await c.run(`INSERT INTO events SELECT * REPLACE (
          ${suffix('message_id', k)} AS message_id, ${suffix('distinct_id', k)} AS distinct_id,
          ${suffix('user_id', k)} AS user_id, ${suffix('anonymous_id', k)} AS anonymous_id)
        FROM events WHERE NOT contains(message_id, '~')`);
      await c.run(`INSERT INTO person_map SELECT * REPLACE (${suffix('distinct_id', k)} AS distinct_id,
          ${suffix('person_id', k)} AS person_id) FROM person_map WHERE NOT contains(distinct_id, '~')`);
      await c.run(`INSERT INTO identity_links SELECT * REPLACE (${suffix('user_id', k)} AS user_id,
          ${suffix('other_id', k)} AS other_id) FROM identity_links WHERE NOT contains(user_id, '~')`);
      await c.run(`INSERT INTO deals SELECT * REPLACE (${suffix('deal_id', k)} AS deal_id, ${suffix('user_id', k)} AS user_id)
          FROM deals WHERE NOT contains(deal_id, '~')`);
      await c.run(`INSERT INTO deal_stage_changes SELECT * REPLACE (${suffix('deal_id', k)} AS deal_id)
          FROM deal_stage_changes WHERE NOT contains(deal_id, '~')`);
      await c.run(`INSERT INTO spend SELECT * REPLACE (${suffix('campaign', k)} AS campaign)
          FROM spend WHERE NOT contains(campaign, '~')`);
    }
    c.closeSync();
    instance.closeSync();
  }
  return store;
}
