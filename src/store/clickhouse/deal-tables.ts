import { createReadStream } from 'node:fs';
import type { DuckDBDatabase } from '../duckdb/duckdb-database.js';
import { stringLiteral } from '../sql/quote.js';
import type { ClickHouseShards } from './clickhouse-shards.js';
import { chInt, chString } from './clickhouse-sql.js';
import { copyRows, loadIntoDuckDB } from './copy-from-duckdb.js';

/**
 * Deals, deal stage changes and spend in ClickHouse: small tables on the first shard, ReplacingMergeTree keyed as
 * DuckDB keys them, read with FINAL. They move between ClickHouse and a DuckDB store as JSON lines: DuckDB's own
 * rows out (times as microseconds), and back into DuckDB tables of the same schema, so the DuckDB code that reads
 * and writes them (imports, the deal-person rules, the pipeline and KPI inputs) runs unchanged over them.
 * `rid` is a row's place in arrival order (the source's rowid): rows are read back in that order, so sums come out
 * in DuckDB's order to the last bit, and the funnel engine orders a person's events and stage changes at one
 * instant by it, as DuckDB by rowid.
 */
interface TableSpec {
  name: string;
  /** ClickHouse columns (besides project_id and version). */
  columns: readonly (readonly [string, string])[];
  key: string;
  /** DuckDB expression per ClickHouse column (alias e = the DuckDB table). */
  fromDuckDB: Readonly<Record<string, string>>;
  /** DuckDB insert expressions per DuckDB column, reading the JSON row `j` (all columns as text). */
  toDuckDB: Readonly<Record<string, string>>;
}

const time = (column: string) =>
  `CASE WHEN j.${column} IS NULL THEN NULL ELSE make_timestamp(CAST(j.${column} AS BIGINT)) END`;

export const dealTables: readonly TableSpec[] = [
  {
    name: 'deals',
    columns: [
      ['deal_id', 'String'],
      ['name', 'Nullable(String)'],
      ['user_id', 'Nullable(String)'],
      ['email', 'Nullable(String)'],
      ['account_key', 'Nullable(String)'],
      ['owner', 'Nullable(String)'],
      ['pipeline', 'Nullable(String)'],
      ['stage', 'Nullable(String)'],
      ['amount', 'Nullable(Float64)'],
      ['currency', 'Nullable(String)'],
      ['created_us', 'Nullable(Int64)'],
      ['closed_us', 'Nullable(Int64)'],
      ['status', 'String'],
      ['lost_reason', 'Nullable(String)'],
      ['source_channel', 'Nullable(String)'],
      ['properties', 'Nullable(String)'],
      ['rid', 'UInt64'],
    ],
    key: 'project_id, deal_id',
    fromDuckDB: {
      created_us: 'epoch_us(e.created_at)',
      closed_us: 'epoch_us(e.closed_at)',
      properties: 'CAST(e.properties AS VARCHAR)',
    },
    toDuckDB: {
      amount: 'CAST(j.amount AS DOUBLE)',
      created_at: time('created_us'),
      closed_at: time('closed_us'),
      properties: 'CAST(j.properties AS JSON)',
      rid: 'CAST(j.rid AS BIGINT)',
    },
  },
  {
    name: 'deal_stage_changes',
    columns: [
      ['deal_id', 'String'],
      ['stage', 'String'],
      ['entered_us', 'Int64'],
      ['rid', 'UInt64'],
    ],
    key: 'project_id, deal_id, stage, entered_us',
    fromDuckDB: { entered_us: 'epoch_us(e.entered_at)' },
    toDuckDB: { entered_at: time('entered_us'), rid: 'CAST(j.rid AS BIGINT)' },
  },
  {
    name: 'spend',
    columns: [
      ['date', 'String'],
      ['channel', 'String'],
      ['source', 'String'],
      ['campaign', 'String'],
      ['cost', 'Float64'],
      ['currency', 'Nullable(String)'],
      ['impressions', 'Nullable(Int64)'],
      ['clicks', 'Nullable(Int64)'],
      ['rid', 'UInt64'],
    ],
    key: 'project_id, date, channel, source, campaign',
    fromDuckDB: { date: "strftime(e.date, '%Y-%m-%d')" },
    toDuckDB: {
      date: 'CAST(j.date AS DATE)',
      cost: 'CAST(j.cost AS DOUBLE)',
      impressions: 'CAST(j.impressions AS BIGINT)',
      clicks: 'CAST(j.clicks AS BIGINT)',
      rid: 'CAST(j.rid AS BIGINT)',
    },
  },
];

export function dealTableStatements(database: string): string[] {
  return dealTables.map(
    (t) => `CREATE TABLE IF NOT EXISTS ${database}.${t.name} (
       project_id String, ${t.columns.map(([n, type]) => `${n} ${type}`).join(', ')}, version UInt64
     ) ENGINE = ReplacingMergeTree(version) ORDER BY (${t.key})`,
  );
}

/**
 * Numbers the rows of a scratch store's deal tables that have no `rid` yet (new in an import), after every rid
 * ClickHouse holds for the project (`next`: table → the first free rid).
 */
export async function numberNewRows(db: DuckDBDatabase, next: Record<string, number>): Promise<void> {
  for (const t of dealTables) {
    await db.run(`UPDATE ${t.name} SET rid = ${chInt(next[t.name] ?? 0)} + rowid WHERE rid IS NULL`);
  }
}

/** The first free rid of each deal table of a project in ClickHouse. */
export async function nextRids(
  shards: ClickHouseShards,
  database: string,
  project: string,
): Promise<Record<string, number>> {
  const next: Record<string, number> = {};
  for (const t of dealTables) {
    const [row] = await shards.rows(
      0,
      `SELECT max(rid) + 1, count() FROM ${database}.${t.name} WHERE project_id = ${chString(project)}`,
    );
    next[t.name] = Number(row?.[1] ?? 0) === 0 ? 0 : Number(row?.[0] ?? 0);
  }
  return next;
}

/**
 * Writes the project's rows of every deal table of a DuckDB store to ClickHouse, as a newer version of each key.
 * `rid` comes from the store's rowid unless the table has its own column (a scratch store's).
 */
export async function copyDealTables(
  source: DuckDBDatabase,
  shards: ClickHouseShards,
  database: string,
  project: string,
  version: number,
): Promise<Record<string, number>> {
  const copied: Record<string, number> = {};
  for (const t of dealTables) {
    const hasRid = Number(
      await source.value<bigint>(
        `SELECT count(*) FROM information_schema.columns WHERE table_name = $t AND column_name = 'rid'`,
        { t: t.name },
      ),
    );
    const select = t.columns
      .map(([n]) => {
        const expression = n === 'rid' && !hasRid ? 'e.rowid' : (t.fromDuckDB[n] ?? `e.${n}`);
        return `${expression} AS ${n}`;
      })
      .join(', ');
    const rows = `SELECT e.project_id, ${select}, CAST(${chInt(version)} AS UBIGINT) AS version
                  FROM ${t.name} e WHERE e.project_id = ${stringLiteral(project)}`;
    copied[t.name] = await copyRows(source, rows, (file) =>
      shards.insertJsonLines(`${database}.${t.name}`, createReadStream(file)),
    );
  }
  return copied;
}

/** Loads the project's rows of every deal table from ClickHouse into a DuckDB store (with `rid` on stage changes). */
export async function seedDealTables(
  target: DuckDBDatabase,
  shards: ClickHouseShards,
  database: string,
  project: string,
): Promise<void> {
  for (const t of dealTables) {
    await target.run(`ALTER TABLE ${t.name} ADD COLUMN IF NOT EXISTS rid BIGINT`);
    const names = ['project_id', ...t.columns.map(([n]) => n)];
    const duckColumns = (
      await target.rows<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = $t ORDER BY ordinal_position`,
        { t: t.name },
      )
    ).map((r) => r.column_name);
    const values = duckColumns.map((c) => t.toDuckDB[c] ?? `j.${c}`);
    await loadIntoDuckDB(
      target,
      shards,
      `SELECT ${names.join(', ')} FROM ${database}.${t.name} FINAL WHERE project_id = ${chString(project)} ORDER BY rid`,
      names,
      (rows) => `INSERT INTO ${t.name} (${duckColumns.join(', ')}) SELECT ${values.join(', ')} FROM ${rows}`,
    );
  }
}
