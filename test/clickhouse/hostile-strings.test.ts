/**
 * SQL injection and friends on the ClickHouse store (2 shards, projects streamed in batches):
 * test/helpers/hostile-roundtrip.ts.
 */
import { afterAll, beforeAll, it } from 'vitest';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { type LocalCluster, startLocalCluster } from '../../src/store/clickhouse/local-cluster.js';
import { tempDir } from '../helpers/cli.js';
import { clickhouseAvailable, clickhouseSuite } from '../helpers/clickhouse.js';
import { hostileRoundTrip } from '../helpers/hostile-roundtrip.js';

let cluster: LocalCluster;
let dir = '';
let cleanup: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  if (!clickhouseAvailable) return;
  ({ dir, cleanup } = await tempDir());
  cluster = await startLocalCluster({ shards: 2 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  await cleanup();
});

clickhouseSuite('hostile strings on the ClickHouse store', () => {
  it('round-trip as data through import, ingestion and every query type; nothing is executed', async () => {
    // Streamed in batches of about 300 events, so the shards' per-person streams carry the strings too.
    const store = await ClickHouseStore.open(`${cluster.url}&batch_events=300`);
    try {
      const tables = async () => {
        const names: string[] = [];
        for (let shard = 0; shard < store.shards.count; shard += 1) {
          const rows = await store.shards.rows(
            shard,
            `SELECT name FROM system.tables WHERE database = '${store.database}' ORDER BY name`,
          );
          names.push(...rows.map((r) => `${shard}:${r[0]}`));
        }
        return names;
      };
      await hostileRoundTrip(store, dir, tables);
    } finally {
      await store.close();
    }
  }, 600_000);
});
