import { open, stat, writeFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { listValue } from '@duckdb/node-api';
import { type CsvDelimiter, delimiterOfHeader, detectFormat } from '../../ingest/files.js';
import { fieldForColumn, propertyNameForColumn } from '../../ingest/segment-fields.js';
import { tableSpecs } from '../../ingest/table-specs.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { FileFormat, ImportKind, ImportOptions, ImportSummary, RejectedRow } from '../../model/import.js';
import { quoteIdentifier } from '../sql/quote.js';
import type { DuckDBDatabase } from './duckdb-database.js';
import { describeRejects, readCsvSql } from './queries/csv-reader.js';
import {
  csvMessagesSql,
  eventColumns,
  type FlatColumn,
  type FlatLayout,
  type MessagesSql,
  ndjsonMessagesSql,
  parquetMessagesSql,
  stageEventsSql,
} from './queries/stage-events.js';
import { loadTableSql, resolveTableLayout, stageTableSql } from './queries/stage-table.js';
import { updatePersons } from './update-persons.js';

/** A bad record as staged: where it is and what is wrong with it ('field|reason'). */
interface StagedError {
  row_no: bigint | number;
  item_no: number | null;
  error: string;
}

const importMemoryLimit = '1GB';

const stagingTables = [
  'stage_new',
  'stage_events',
  'stage_parsed',
  'stage_rows',
  'stage_ok',
  'stage_csv_rejects',
  'stage_csv_scans',
];

/**
 * Imports one file into the store. Reading, parsing and validation happen in temp tables; the stored tables
 * change only in the final transaction, so a file lands whole, or (on a bad row without --skip-invalid, or any
 * failure) not at all.
 */
export async function importFile(
  db: DuckDBDatabase,
  kind: ImportKind,
  file: string,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = performance.now();
  const format = detectFormat(file, options.format);
  await assertReadable(file);
  if (kind !== 'events' && format !== 'csv') {
    throw new FunnelscopeError('unsupported_format', `${file}: ${kind} are imported from CSV files`, { file });
  }
  // Staging spills to disk past this, so a 10M-event file imports in bounded memory.
  await db.run(`SET memory_limit = '${importMemoryLimit}'`);
  await db.run('SET enable_progress_bar = true');
  await db.run('SET enable_progress_bar_print = false');
  const stopProgress = watchProgress(db, options.onProgress);
  try {
    const result =
      kind === 'events' ? await importEvents(db, file, format, options) : await importTable(db, kind, file, options);
    return { ...result, seconds: (performance.now() - started) / 1000 };
  } finally {
    stopProgress();
    await db.run('RESET memory_limit').catch(() => undefined);
    // Views before the tables they read; each drop on its own, so one failure does not skip the rest.
    for (const drop of ['DROP VIEW IF EXISTS stage_new', ...stagingTables.map((t) => `DROP TABLE IF EXISTS ${t}`)]) {
      await db.run(drop).catch(() => undefined);
    }
  }
}

async function assertReadable(file: string): Promise<void> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
  } catch (cause) {
    throw new FunnelscopeError('file_not_found', `${file}: no such file`, { file }, { cause });
  }
}

function watchProgress(db: DuckDBDatabase, onProgress?: (fraction: number) => void): () => void {
  if (!onProgress) return () => undefined;
  const timer = setInterval(() => {
    const fraction = db.progress();
    if (fraction >= 0) onProgress(Math.min(1, fraction));
  }, 100);
  return () => {
    clearInterval(timer);
    onProgress(1);
  };
}

async function describeColumns(db: DuckDBDatabase, sql: string, file: string): Promise<FlatColumn[]> {
  try {
    const rows = await db.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${sql}`, { file });
    await db.run(`DROP TABLE IF EXISTS ${describeRejects.table}; DROP TABLE IF EXISTS ${describeRejects.scan};`);
    return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
  } catch (cause) {
    throw new FunnelscopeError(
      'invalid_input',
      `${file}: cannot read the file: ${firstLine(cause)}`,
      { file },
      { cause },
    );
  }
}

function firstLine(error: unknown): string {
  const message =
    error instanceof FunnelscopeError && error.cause instanceof Error
      ? error.cause.message
      : String((error as Error).message ?? error);
  return message.split('\n')[0] ?? message;
}

/** The header line of a (possibly gzipped) file, for the delimiter. */
async function csvDelimiter(file: string): Promise<CsvDelimiter> {
  const handle = await open(file);
  try {
    const buffer = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    let head: Buffer = buffer.subarray(0, bytesRead);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      head = await new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = [];
        const gunzip = createGunzip();
        gunzip.on('data', (c: Buffer) => chunks.push(c));
        gunzip.on('error', () => resolve(Buffer.concat(chunks)));
        gunzip.on('end', () => resolve(Buffer.concat(chunks)));
        gunzip.end(head);
      });
    }
    return delimiterOfHeader(head.toString('utf8').split('\n')[0] ?? '');
  } finally {
    await handle.close();
  }
}

/**
 * Which column feeds which message field: --map first (`--map user_id=session`), then the known column names;
 * every other column is a property.
 */
function flatLayout(columns: FlatColumn[], file: string, columnMap: Record<string, string> = {}): FlatLayout {
  const layout: FlatLayout = { fields: {}, properties: [] };
  const mapped = new Set<string>();
  for (const [name, column] of Object.entries(columnMap)) {
    const field = fieldForColumn(name);
    if (field === undefined) {
      throw new FunnelscopeError('invalid_argument', `--map ${name}=…: events have no field "${name}"`, {
        field: name,
      });
    }
    const found =
      columns.find((c) => c.name === column) ?? columns.find((c) => c.name.toLowerCase() === column.toLowerCase());
    if (!found) {
      throw new FunnelscopeError(
        'invalid_input',
        `${file}: --map ${name}=${column}: the file has no column "${column}" (columns: ${columns.map((c) => c.name).join(', ')})`,
        { file, field: name },
      );
    }
    layout.fields[field] = found.name;
    mapped.add(found.name);
  }
  for (const column of columns) {
    if (mapped.has(column.name)) continue;
    const field = fieldForColumn(column.name);
    if (field !== undefined && layout.fields[field] === undefined) layout.fields[field] = column.name;
    else layout.properties.push({ column: column.name, property: propertyNameForColumn(column.name) });
  }
  return layout;
}

async function runStaging(
  db: DuckDBDatabase,
  statements: string[],
  file: string,
  params: Record<string, string> = {},
): Promise<void> {
  try {
    for (const sql of statements) {
      const bound = Object.fromEntries(
        Object.entries({ file, ...params }).filter(([name]) => new RegExp(`\\$${name}\\b`).test(sql)),
      );
      await db.run(sql, Object.keys(bound).length > 0 ? bound : undefined);
    }
  } catch (cause) {
    throw new FunnelscopeError(
      'invalid_input',
      `${file}: cannot read the file: ${firstLine(cause)}`,
      { file },
      { cause },
    );
  }
}

/** Structural CSV errors DuckDB's reader set aside: the record number (line, header = 1) and the text. */
async function csvRejects(db: DuckDBDatabase): Promise<{ line: number; reason: string; input: string }[]> {
  const exists = await db.value<bigint>(
    `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stage_csv_rejects' AND temporary`,
  );
  if (Number(exists) === 0) return [];
  const rows = await db.rows<{ line: bigint; error_message: string; csv_line: string }>(
    `SELECT line, error_message, csv_line FROM stage_csv_rejects ORDER BY line`,
  );
  return rows.map((r) => ({ line: Number(r.line), reason: r.error_message, input: r.csv_line }));
}

/** CSV rows are numbered as read; rows DuckDB set aside shift later rows' lines. Header is line 1. */
function csvLineOf(rowNo: number, rejectLines: readonly number[]): number {
  let line = rowNo + 1;
  for (const rejected of rejectLines) if (rejected <= line) line += 1;
  return line;
}

function splitError(error: string): { field: string; reason: string } {
  const bar = error.indexOf('|');
  return { field: error.slice(0, bar), reason: error.slice(bar + 1) };
}

interface Staged {
  errors: StagedError[];
  errorCount: number;
  structural: { line: number; reason: string; input: string }[];
}

/** The place of a staged record in the file, in the words of its format. */
function placeOf(format: FileFormat, rowNo: number, itemNo: number | null, rejectLines: readonly number[]) {
  if (format === 'parquet') return { row: rowNo };
  if (format === 'csv') return { line: csvLineOf(rowNo, rejectLines) };
  return itemNo === null ? { line: rowNo } : { line: rowNo, item: itemNo };
}

function describePlace(place: { line?: number; row?: number; item?: number }): string {
  if (place.row !== undefined) return `row ${place.row}`;
  return place.item !== undefined ? `line ${place.line}, batch item ${place.item}` : `line ${place.line}`;
}

/** Aborts with the first bad record of the file (smallest line), or returns all rejected rows with their input. */
async function collectRejects(
  file: string,
  format: FileFormat,
  staged: Staged,
  options: ImportOptions,
  readInputs: (rowNos: number[]) => Promise<Map<number, unknown>>,
): Promise<RejectedRow[]> {
  const rejectLines = staged.structural.map((r) => r.line);
  const inputs = options.skipInvalid ? await readInputs(staged.errors.map((e) => Number(e.row_no))) : new Map();
  const rows: RejectedRow[] = [
    ...staged.structural.map((r): RejectedRow => ({ line: r.line, field: 'line', reason: r.reason, input: r.input })),
    ...staged.errors.map((e) => {
      const input = inputs.get(Number(e.row_no));
      const row: RejectedRow = { ...placeOf(format, Number(e.row_no), e.item_no, rejectLines), ...splitError(e.error) };
      if (input !== undefined) row.input = e.item_no === null ? input : batchItem(input, e.item_no);
      return row;
    }),
  ].sort((a, b) => (a.line ?? a.row ?? 0) - (b.line ?? b.row ?? 0) || (a.item ?? 0) - (b.item ?? 0));
  const total = staged.structural.length + staged.errorCount;
  if (!options.skipInvalid) {
    const first = rows[0] as RejectedRow;
    const more = total > 1 ? ` (and ${total - 1} more bad record${total > 2 ? 's' : ''})` : '';
    throw new FunnelscopeError(
      'invalid_input',
      `${file}, ${describePlace(first)}: ${first.field}: ${first.reason}${more}; nothing of this file was imported ` +
        `(use --skip-invalid to import the good rows)`,
      { file, ...placeOfDetails(first), field: first.field, reason: first.reason, rejected: total },
    );
  }
  return rows;
}

/** The k-th (1-based) item of a batch line, as text. */
function batchItem(line: unknown, item: number): unknown {
  try {
    const parsed = JSON.parse(String(line)) as { batch?: unknown[] };
    return JSON.stringify(parsed.batch?.[item - 1]);
  } catch {
    return line;
  }
}

function placeOfDetails(row: RejectedRow): { line?: number; row?: number; item?: number } {
  const place: { line?: number; row?: number; item?: number } = {};
  if (row.line !== undefined) place.line = row.line;
  if (row.row !== undefined) place.row = row.row;
  if (row.item !== undefined) place.item = row.item;
  return place;
}

async function writeRejects(file: string, rows: RejectedRow[]): Promise<string | undefined> {
  if (rows.length === 0) return undefined;
  const target = `${file}.rejected.ndjson`;
  await writeFile(target, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return target;
}

async function readStagedErrors(
  db: DuckDBDatabase,
  table: string,
  all: boolean,
): Promise<{ errors: StagedError[]; count: number }> {
  const count = Number(await db.value<bigint>(`SELECT count(*) FROM ${table} WHERE error IS NOT NULL`));
  if (count === 0) return { errors: [], count };
  const columns = table === 'stage_events' ? 'row_no, item_no, error' : 'row_no, NULL::INTEGER AS item_no, error';
  const errors = await db.rows<StagedError>(
    `SELECT ${columns} FROM ${table} WHERE error IS NOT NULL ORDER BY row_no ${table === 'stage_events' ? ', item_no' : ''} ${all ? '' : 'LIMIT 1'}`,
  );
  return { errors, count };
}

async function readCsvRows(db: DuckDBDatabase, file: string, rowNos: number[]): Promise<Map<number, unknown>> {
  if (rowNos.length === 0) return new Map();
  const rows = await db.rows<Record<string, unknown>>(
    `SELECT * FROM (SELECT row_number() OVER () AS row_no, *
       FROM ${readCsvSql(await csvDelimiter(file), { table: 'stage_input_rejects', scan: 'stage_input_scans' })})
     WHERE row_no IN (SELECT unnest($rows))`,
    { file, rows: listValue(rowNos.map((n) => BigInt(n))) },
  );
  await db.run('DROP TABLE IF EXISTS stage_input_rejects; DROP TABLE IF EXISTS stage_input_scans;');
  return new Map(rows.map(({ row_no, ...rest }) => [Number(row_no), rest]));
}

async function readLines(db: DuckDBDatabase, file: string, rowNos: number[]): Promise<Map<number, unknown>> {
  if (rowNos.length === 0) return new Map();
  const rows = await db.rows<{ row_no: bigint; line: string }>(
    `SELECT * FROM (SELECT row_number() OVER () AS row_no, line
       FROM read_csv($file, columns = {'line': 'VARCHAR'}, header = false, delim = E'\\x01\\x02', quote = '',
                     escape = '', new_line = '\\n', auto_detect = false, strict_mode = false))
     WHERE row_no IN (SELECT unnest($rows))`,
    { file, rows: listValue(rowNos.map((n) => BigInt(n))) },
  );
  return new Map(rows.map((r) => [Number(r.row_no), r.line.replace(/\r$/, '')]));
}

async function readParquetRows(db: DuckDBDatabase, file: string, rowNos: number[]): Promise<Map<number, unknown>> {
  if (rowNos.length === 0) return new Map();
  const rows = await db.rows<Record<string, unknown>>(
    `SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS row_no FROM read_parquet($file, file_row_number = true)
     WHERE file_row_number + 1 IN (SELECT unnest($rows))`,
    { file, rows: listValue(rowNos.map((n) => BigInt(n))) },
  );
  return new Map(rows.map(({ row_no, ...rest }) => [Number(row_no), jsonSafe(rest)]));
}

function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

async function importEvents(
  db: DuckDBDatabase,
  file: string,
  format: FileFormat,
  options: ImportOptions,
): Promise<Omit<ImportSummary, 'seconds'>> {
  if (Object.keys(options.constants ?? {}).length > 0) {
    throw new FunnelscopeError('invalid_argument', '--set applies to deals, deal-stages and spend imports', {
      field: '--set',
    });
  }
  if (format === 'ndjson' && Object.keys(options.columnMap ?? {}).length > 0) {
    throw new FunnelscopeError(
      'invalid_argument',
      '--map applies to CSV and Parquet files; NDJSON uses Segment field names',
      {
        field: '--map',
      },
    );
  }
  let messagesSql: (numbered: boolean) => MessagesSql;
  if (format === 'ndjson') {
    messagesSql = ndjsonMessagesSql;
  } else if (format === 'csv') {
    const delimiter = await csvDelimiter(file);
    const columns = await describeColumns(db, readCsvSql(delimiter, describeRejects), file);
    messagesSql = (numbered) =>
      csvMessagesSql(flatLayout(columns, file, options.columnMap), columns, numbered, delimiter);
  } else {
    const columns = await describeColumns(db, 'read_parquet($file)', file);
    messagesSql = () => parquetMessagesSql(flatLayout(columns, file, options.columnMap), columns);
  }
  await runStaging(db, stageEventsSql(messagesSql(format === 'parquet')), file);
  const shapeOf = async () =>
    (
      await db.rows<{ total: bigint; bad: bigint; ids: bigint }>(
        `SELECT count(*) AS total, count(error) AS bad, count(DISTINCT message_id) FILTER (WHERE error IS NULL) AS ids
         FROM stage_events`,
      )
    )[0];
  let shape = await shapeOf();
  const repeated = Number(shape?.total) - Number(shape?.bad) > Number(shape?.ids);
  if (
    format !== 'parquet' &&
    (Number(shape?.bad) > 0 || repeated || (format === 'csv' && (await csvRejects(db)).length > 0))
  ) {
    await db.run('DROP TABLE IF EXISTS stage_csv_rejects; DROP TABLE IF EXISTS stage_csv_scans;');
    await runStaging(db, stageEventsSql(messagesSql(true)), file);
    shape = await shapeOf();
  }
  const rowsRead = Number(shape?.total ?? 0);
  const structural = format === 'csv' ? await csvRejects(db) : [];
  const { errors, count } = await readStagedErrors(db, 'stage_events', options.skipInvalid);
  let rejectedRows: RejectedRow[] = [];
  if (count + structural.length > 0) {
    const reader = format === 'csv' ? readCsvRows : format === 'ndjson' ? readLines : readParquetRows;
    rejectedRows = await collectRejects(file, format, { errors, errorCount: count, structural }, options, (rows) =>
      reader(db, file, rows),
    );
  }

  const project = options.project;
  const columnList = eventColumns.map((c) => quoteIdentifier(c)).join(', ');
  const result = await db.transaction(async () => {
    // First occurrence of a message id in the file, and only ids the project has not stored yet. A first import
    // of a file without repeats needs neither the window nor the anti-join: then stage_new is only a view.
    const stored = Boolean(
      await db.value<boolean>(`SELECT EXISTS (SELECT 1 FROM events WHERE project_id = $project)`, { project }),
    );
    const valid = rowsRead - count;
    if (!stored && !repeated) {
      await db.run(`CREATE OR REPLACE TEMP VIEW stage_new AS SELECT * FROM stage_events WHERE error IS NULL`);
    } else {
      const firstPerId = repeated
        ? `SELECT * FROM stage_events WHERE error IS NULL
           QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY row_no, item_no) = 1`
        : 'SELECT * FROM stage_events WHERE error IS NULL';
      await db.run(
        `CREATE OR REPLACE TEMP TABLE stage_new AS
         SELECT * FROM (${firstPerId}) s
         ${stored ? 'WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.project_id = $project AND e.message_id = s.message_id)' : ''}`,
        stored ? { project } : undefined,
      );
    }
    const imported = !stored && !repeated ? valid : Number(await db.value<bigint>('SELECT count(*) FROM stage_new'));
    const received = new Date().toISOString();
    await db.run(
      `INSERT INTO events (project_id, ${columnList})
       SELECT $project, ${eventColumns.map((c) => (c === 'received_at' ? `$received::TIMESTAMP` : quoteIdentifier(c))).join(', ')}
       FROM stage_new`,
      { project, received: received.replace('Z', '') },
    );
    const identityLinks = await updatePersons(db, project);
    const summary: Omit<ImportSummary, 'seconds'> = {
      kind: 'events',
      file,
      format,
      rowsRead: rowsRead + structural.length,
      imported,
      updated: 0,
      duplicates: valid - imported,
      rejected: count + structural.length,
      identityLinks,
    };
    await logImport(db, project, summary);
    return summary;
  });
  const rejectsFile = options.skipInvalid ? await writeRejects(file, rejectedRows) : undefined;
  if (rejectsFile) result.rejectsFile = rejectsFile;
  return result;
}

async function importTable(
  db: DuckDBDatabase,
  kind: Exclude<ImportKind, 'events'>,
  file: string,
  options: ImportOptions,
): Promise<Omit<ImportSummary, 'seconds'>> {
  const spec = tableSpecs[kind];
  const delimiter = await csvDelimiter(file);
  const columns = await describeColumns(db, readCsvSql(delimiter, describeRejects), file);
  const layout = resolveTableLayout(
    spec,
    columns.map((c) => c.name),
    options.columnMap,
    options.constants,
    file,
  );
  await runStaging(db, [stageTableSql(spec, layout, delimiter)], file, layout.params);
  const rowsRead = Number(await db.value<bigint>('SELECT count(*) FROM stage_rows'));
  const structural = await csvRejects(db);
  const { errors, count } = await readStagedErrors(db, 'stage_rows', options.skipInvalid);
  let rejectedRows: RejectedRow[] = [];
  if (count + structural.length > 0) {
    rejectedRows = await collectRejects(file, 'csv', { errors, errorCount: count, structural }, options, (rows) =>
      readCsvRows(db, file, rows),
    );
  }
  const project = options.project;
  const sql = loadTableSql(spec);
  const result = await db.transaction(async () => {
    await db.run(sql.keepLast);
    const [classified] = await db.rows<{ new_rows: bigint; changed_rows: bigint; same_rows: bigint }>(sql.classify, {
      project,
    });
    if (sql.update && Number(classified?.changed_rows ?? 0) > 0) await db.run(sql.update, { project });
    await db.run(sql.insert, { project });
    const imported = Number(classified?.new_rows ?? 0);
    const updated = spec.updates ? Number(classified?.changed_rows ?? 0) : 0;
    const summary: Omit<ImportSummary, 'seconds'> = {
      kind,
      file,
      format: 'csv',
      rowsRead: rowsRead + structural.length,
      imported,
      updated,
      duplicates: rowsRead - count - imported - updated,
      rejected: count + structural.length,
    };
    await logImport(db, project, summary);
    return summary;
  });
  const rejectsFile = options.skipInvalid ? await writeRejects(file, rejectedRows) : undefined;
  if (rejectsFile) result.rejectsFile = rejectsFile;
  return result;
}

async function logImport(db: DuckDBDatabase, project: string, s: Omit<ImportSummary, 'seconds'>): Promise<void> {
  await db.run(
    `INSERT INTO import_log (project_id, kind, file, format, rows_read, imported, updated, duplicates, rejected)
     VALUES ($project, $kind, $file, $format, $rowsRead, $imported, $updated, $duplicates, $rejected)`,
    {
      project,
      kind: s.kind,
      file: s.file,
      format: s.format,
      rowsRead: s.rowsRead,
      imported: s.imported,
      updated: s.updated,
      duplicates: s.duplicates,
      rejected: s.rejected,
    },
  );
}
