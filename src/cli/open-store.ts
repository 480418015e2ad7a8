import type { Config } from '../config.js';
import type { DuckDBStore } from '../store/duckdb/duckdb-store.js';

/** Opens the configured store; the DuckDB binding is loaded only by commands that need it (fast --help). */
export async function openStore(config: Config): Promise<DuckDBStore> {
  const { DuckDBStore } = await import('../store/duckdb/duckdb-store.js');
  return DuckDBStore.open({ path: config.dbPath, trace: config.traceSql });
}

export async function withStore<T>(config: Config, body: (store: DuckDBStore) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}
