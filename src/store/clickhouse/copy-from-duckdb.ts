import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBDatabase } from '../duckdb/duckdb-database.js';
import { stringLiteral } from '../sql/quote.js';
import type { ClickHouseShards } from './clickhouse-shards.js';
import { chInt, chString } from './clickhouse-sql.js';

/**
 * Copies records from a DuckDB store (a file being migrated, or the throw-away store an import normalised a file
 * in) into ClickHouse. DuckDB writes each batch as JSON lines (one scan, no value passes through JavaScript) and
 * the lines stream into the Distributed table with a synchronous insert, so a batch is on its shards when the call
 * returns, or the call fails naming the shard.
 *
 * Event properties are also split into key and value arrays with DuckDB's own `->>` (strings unquoted, other JSON
 * as its text, JSON null as missing), so a property reads the same on both stores.
 */

const pointerSql = (json: string, key: string) => `(${json}->>('/' || replace(replace(${key}, '~', '~0'), '/', '~1')))`;

/** The keys of a JSON object whose values are not null, and those values as `->>` reads them. */
function splitJsonSql(json: string, keys: string, values: string): string {
  const present = `list_filter(coalesce(json_keys(${json}), []), k -> ${pointerSql(json, 'k')} IS NOT NULL)`;
  return `${present} AS ${keys}, list_transform(${present}, k -> ${pointerSql(json, 'k')}) AS ${values}`;
}

/** The events of a project with rowid in [from, to], as rows of `events_local` (seq = rowid + seqBase). */
function eventRowsSql(project: string, from: number, to: number, seqBase: number): string {
  return `SELECT e.project_id, CAST(e.rowid + ${chInt(seqBase)} AS UBIGINT) AS seq, e.message_id,
            epoch_us(e.ts) AS ts_us, epoch_us(e.received_at) AS received_us, e.type, e.event, e.distinct_id,
            e.user_id, e.anonymous_id, coalesce(m.person_id, e.distinct_id) AS shard_key,
            coalesce(CAST(e.properties AS VARCHAR), '') AS properties,
            ${splitJsonSql('e.properties', 'prop_keys', 'prop_values')},
            coalesce(CAST(e.context AS VARCHAR), '') AS context,
            coalesce(CAST(e.groups AS VARCHAR), '') AS groups,
            ${splitJsonSql('e.groups', 'group_types', 'group_keys')},
            e.session_id, e.url, e.path, e.referrer, e.utm_source, e.utm_medium, e.utm_campaign, e.utm_term,
            e.utm_content, e.channel, e.source, e.medium, e.device_type, e.os, e.browser, e.country, e.revenue,
            CAST(e.revenue AS VARCHAR) AS revenue_text
          FROM events e
          LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
          WHERE e.project_id = ${stringLiteral(project)} AND e.rowid BETWEEN ${chInt(from)} AND ${chInt(to)}`;
}

/**
 * The other way: the JSON rows of a ClickHouse query (on the first shard) into a DuckDB store, through a file.
 * `columns` are the query's columns, all read as text; `insert` gets the rows as a DuckDB table expression (alias
 * `j`) and returns the statement that stores them.
 */
export async function loadIntoDuckDB(
  target: DuckDBDatabase,
  shards: ClickHouseShards,
  sql: string,
  columns: readonly string[],
  insert: (rows: string) => string,
): Promise<void> {
  const text = await shards.text(0, sql, {}, 'JSONEachRow');
  if (text.trim() === '') return;
  const dir = await mkdtemp(join(tmpdir(), 'funnelscope-load-'));
  try {
    const file = join(dir, 'rows.ndjson');
    await writeFile(file, text);
    const types = `{${columns.map((c) => `${stringLiteral(c)}: 'VARCHAR'`).join(', ')}}`;
    await target.run(insert(`read_json(${stringLiteral(file)}, format = 'newline_delimited', columns = ${types}) j`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the rows of a DuckDB query to a JSON-lines file (one scan) and hands it to `into` when not empty; how many rows. */
export async function copyRows(
  source: DuckDBDatabase,
  rowsSql: string,
  into: (file: string) => Promise<void>,
): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'funnelscope-copy-'));
  const file = join(dir, 'rows.ndjson');
  try {
    const count = Number(
      (await source.rows<{ Count: bigint }>(`COPY (${rowsSql}) TO ${stringLiteral(file)} (FORMAT JSON)`))[0]?.Count ??
        0,
    );
    if (count > 0) await into(file);
    return count;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface CopyEventsOptions {
  /** Added to the source rowid to make the event's `seq` (unique per project in the cluster). */
  seqBase: number;
  /**
   * Rowids already copied end before this one: a resumed migration, whose first batch may have reached some shards
   * before it was cut short (its rows already there, by seq, are left out). A fresh copy (an import) hands out new
   * seqs and skips that check.
   */
  fromRowid?: number;
  batchRows?: number;
  /** After each batch is stored: the last rowid it covered and the events in it. */
  onBatch?: (lastRowid: number, events: number) => Promise<void>;
}

/** Copies a project's events; returns how many were copied. */
export async function copyEvents(
  source: DuckDBDatabase,
  shards: ClickHouseShards,
  database: string,
  project: string,
  options: CopyEventsOptions,
): Promise<number> {
  const range = (
    await source.rows<{ lo: bigint | null; hi: bigint | null }>(
      `SELECT min(rowid) AS lo, max(rowid) AS hi FROM events WHERE project_id = $project`,
      { project },
    )
  )[0];
  if (!range || range.hi === null || range.lo === null) return 0;
  const batch = options.batchRows ?? 500_000;
  const into = shards.eventsInsert(database);
  let copied = 0;
  let check = options.fromRowid !== undefined;
  for (let from = Math.max(Number(range.lo), options.fromRowid ?? 0); from <= Number(range.hi); from += batch) {
    const to = Math.min(Number(range.hi), from + batch - 1);
    const present = check
      ? await presentSeqs(shards, database, project, from + options.seqBase, to + options.seqBase)
      : [];
    check = false;
    const skip =
      present.length === 0
        ? ''
        : ` AND NOT list_contains([${present.join(',')}], CAST(e.rowid + ${chInt(options.seqBase)} AS UBIGINT))`;
    const count = await copyRows(source, `${eventRowsSql(project, from, to, options.seqBase)}${skip}`, (file) =>
      shards.insertJsonLines(into.table, createReadStream(file), into.settings),
    );
    copied += count;
    await options.onBatch?.(to, count);
  }
  return copied;
}

/** Seqs of a project already stored in [lo, hi] (a partly copied batch). */
async function presentSeqs(
  shards: ClickHouseShards,
  database: string,
  project: string,
  lo: number,
  hi: number,
): Promise<number[]> {
  const rows = await shards.rows(
    0,
    `SELECT seq FROM ${database}.events WHERE project_id = ${chString(project)} AND seq BETWEEN ${chInt(lo)} AND ${chInt(hi)}`,
  );
  return rows.map((r) => Number(r[0]));
}

/** Writes person_map rows (distinct id → person id) to every shard, newer than any before (`version`). */
export async function copyPersonMap(
  source: DuckDBDatabase,
  shards: ClickHouseShards,
  database: string,
  project: string,
  version: number,
  where = 'TRUE',
): Promise<number> {
  const rows = `SELECT project_id, distinct_id, person_id, CAST(${chInt(version)} AS UBIGINT) AS version
                FROM person_map WHERE project_id = ${stringLiteral(project)} AND (${where})`;
  return copyRows(source, rows, async (file) => {
    for (let i = 0; i < shards.count; i += 1) {
      await shards.insertJsonLines(`${database}.person_map`, createReadStream(file), {}, i);
    }
  });
}

/** Writes identity_links rows to the first shard. */
export async function copyIdentityLinks(
  source: DuckDBDatabase,
  shards: ClickHouseShards,
  database: string,
  project: string,
): Promise<number> {
  const rows = `SELECT project_id, user_id, other_id, epoch_us(first_seen) AS first_seen_us
                FROM identity_links WHERE project_id = ${stringLiteral(project)}`;
  return copyRows(source, rows, (file) => shards.insertJsonLines(`${database}.identity_links`, createReadStream(file)));
}
