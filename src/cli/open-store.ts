import type { Config } from '../config.js';
import type { EventColumnSource, EventValueSource } from '../store/event-columns.js';
import type { Store } from '../store/store.js';

/** What the commands use: the store and the engine's column source (both stores implement both). */
export interface AnalyticsStore extends Store, EventColumnSource {
  /** DuckDB only: builds the column snapshot beside the file after an import (seconds spent). */
  prepareColumns?(project: string, sources?: readonly EventValueSource[]): Promise<number>;
}

/**
 * Opens the configured store: a clickhouse:// URL opens the ClickHouse store, anything else the DuckDB file. Each
 * driver is loaded only by commands that need it (fast --help).
 */
export async function openStore(config: Config): Promise<AnalyticsStore> {
  if (config.dbPath.startsWith('clickhouse://')) {
    const { ClickHouseStore } = await import('../store/clickhouse/clickhouse-store.js');
    return ClickHouseStore.open(config.dbPath);
  }
  const { DuckDBStore } = await import('../store/duckdb/duckdb-store.js');
  return DuckDBStore.open({ path: config.dbPath, trace: config.traceSql });
}

export async function withStore<T>(config: Config, body: (store: AnalyticsStore) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}
