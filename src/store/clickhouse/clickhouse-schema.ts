/**
 * Tables of the ClickHouse store (docs/clickhouse.md). Written for the SQL both Debian's ClickHouse 18.16 and current
 * releases accept: no DateTime64 (times are Int64 microseconds since the epoch), no Nullable inside arrays, MergeTree
 * with ORDER BY.
 *
 * - `events_local` on every shard, `events` a Distributed table over them sharded by a hash of (project, the
 *   person's key when the event arrived), so a person's events meet on one shard. A later identity merge does not
 *   move events: `person_map` (on every shard) is joined at query time and the coordinator merges the sequences a
 *   merged person has on several shards.
 * - Small tables (identity links, documents, import log, store identity) live on the first shard only.
 * - Rows that change (person_map, documents) are ReplacingMergeTree rows with a version, read with FINAL.
 */

export const schemaVersion = 1;

/** The event columns of the store, in the order copies write them. */
export const eventColumnTypes: readonly (readonly [string, string])[] = [
  ['project_id', 'String'],
  ['seq', 'UInt64'],
  ['message_id', 'String'],
  ['ts_us', 'Int64'],
  ['received_us', 'Int64'],
  ['type', 'String'],
  ['event', 'String'],
  ['distinct_id', 'String'],
  ['user_id', 'Nullable(String)'],
  ['anonymous_id', 'Nullable(String)'],
  ['shard_key', 'String'],
  ['properties', 'String'],
  ['prop_keys', 'Array(String)'],
  ['prop_values', 'Array(String)'],
  ['context', 'String'],
  ['groups', 'String'],
  ['group_types', 'Array(String)'],
  ['group_keys', 'Array(String)'],
  ['session_id', 'Nullable(String)'],
  ['url', 'Nullable(String)'],
  ['path', 'Nullable(String)'],
  ['referrer', 'Nullable(String)'],
  ['utm_source', 'Nullable(String)'],
  ['utm_medium', 'Nullable(String)'],
  ['utm_campaign', 'Nullable(String)'],
  ['utm_term', 'Nullable(String)'],
  ['utm_content', 'Nullable(String)'],
  ['channel', 'Nullable(String)'],
  ['source', 'Nullable(String)'],
  ['medium', 'Nullable(String)'],
  ['device_type', 'Nullable(String)'],
  ['os', 'Nullable(String)'],
  ['browser', 'Nullable(String)'],
  ['country', 'Nullable(String)'],
  ['revenue', 'Nullable(Float64)'],
  /** The revenue as DuckDB prints it (a property read falls back to it: same text on both stores). */
  ['revenue_text', 'Nullable(String)'],
];

/** Statements for every shard (database: a checked identifier). */
export function shardTables(database: string): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${database}`,
    `CREATE TABLE IF NOT EXISTS ${database}.events_local (
       ${eventColumnTypes.map(([name, type]) => `${name} ${type}`).join(',\n       ')}
     ) ENGINE = MergeTree ORDER BY (project_id, shard_key, ts_us, seq)`,
    `CREATE TABLE IF NOT EXISTS ${database}.person_map (
       project_id String, distinct_id String, person_id String, version UInt64
     ) ENGINE = ReplacingMergeTree(version) ORDER BY (project_id, distinct_id)`,
    `CREATE TABLE IF NOT EXISTS ${database}.schema_info (version UInt32) ENGINE = TinyLog`,
  ];
}

/** Statements for the first shard (the cluster's entry: Distributed tables and the small tables). */
export function entryTables(database: string, cluster: string | null): string[] {
  return [
    cluster === null
      ? `CREATE VIEW IF NOT EXISTS ${database}.events AS SELECT * FROM ${database}.events_local`
      : `CREATE TABLE IF NOT EXISTS ${database}.events AS ${database}.events_local
         ENGINE = Distributed(${cluster}, ${database}, events_local, cityHash64(project_id, shard_key))`,
    `CREATE TABLE IF NOT EXISTS ${database}.identity_links (
       project_id String, user_id String, other_id String, first_seen_us Int64
     ) ENGINE = ReplacingMergeTree ORDER BY (project_id, user_id, other_id)`,
    `CREATE TABLE IF NOT EXISTS ${database}.documents (
       project_id String, kind String, id String, body String, created_us Int64, updated_us Int64,
       version UInt64, deleted UInt8
     ) ENGINE = ReplacingMergeTree(version) ORDER BY (project_id, kind, id)`,
    `CREATE TABLE IF NOT EXISTS ${database}.import_log (
       project_id String, import_id UInt64, kind String, file String, format String, rows_read UInt64,
       imported UInt64, updated UInt64, duplicates UInt64, rejected UInt64, finished_us Int64
     ) ENGINE = MergeTree ORDER BY (project_id, import_id)`,
    `CREATE TABLE IF NOT EXISTS ${database}.store_identity (store_id String) ENGINE = TinyLog`,
  ];
}
