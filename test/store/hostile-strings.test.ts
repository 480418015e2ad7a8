/** SQL injection and friends on the DuckDB store: test/helpers/hostile-roundtrip.ts. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { tempDir } from '../helpers/cli.js';
import { hostileRoundTrip } from '../helpers/hostile-roundtrip.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('hostile strings on the DuckDB store', () => {
  it('round-trip as data through import, ingestion and every query type; nothing is executed', async () => {
    const store = await DuckDBStore.open({ path: join(dir, 'hostile.duckdb') });
    try {
      await hostileRoundTrip(store, dir, async () =>
        (
          await store.db.rows<{ name: string }>(
            `SELECT table_name AS name FROM information_schema.tables WHERE table_catalog = current_database() ORDER BY 1`,
          )
        ).map((r) => r.name),
      );
    } finally {
      await store.close();
    }
  }, 300_000);
});
