import { writeFile } from 'node:fs/promises';
import { listValue } from '@duckdb/node-api';
import { FunnelscopeError } from '../../model/errors.js';
import type { FileFormat, ImportOptions, RejectedRow } from '../../model/import.js';
import type { DuckDBDatabase } from './duckdb-database.js';
import { readCsvSql, readLinesSql } from './queries/csv-reader.js';
import { csvDelimiter, lineEnding, type StagedError } from './staging.js';

/** Bad records: where they are in the file, the all-or-nothing error, and the rejects file of --skip-invalid. */

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
export async function collectRejects(
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

export async function writeRejects(file: string, rows: RejectedRow[]): Promise<string | undefined> {
  if (rows.length === 0) return undefined;
  const target = `${file}.rejected.ndjson`;
  await writeFile(target, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return target;
}

export async function readCsvRows(db: DuckDBDatabase, file: string, rowNos: number[]): Promise<Map<number, unknown>> {
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

export async function readLines(db: DuckDBDatabase, file: string, rowNos: number[]): Promise<Map<number, unknown>> {
  if (rowNos.length === 0) return new Map();
  const rows = await db.rows<{ row_no: bigint; line: string }>(
    `SELECT * FROM (SELECT row_number() OVER () AS row_no, line
       FROM ${readLinesSql(await lineEnding(file))})
     WHERE row_no IN (SELECT unnest($rows))`,
    { file, rows: listValue(rowNos.map((n) => BigInt(n))) },
  );
  return new Map(rows.map((r) => [Number(r.row_no), r.line]));
}

export async function readParquetRows(
  db: DuckDBDatabase,
  file: string,
  rowNos: number[],
): Promise<Map<number, unknown>> {
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
