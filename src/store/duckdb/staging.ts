import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { type CsvDelimiter, delimiterOfHeader } from '../../ingest/files.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { ImportProgress, ImportSummary } from '../../model/import.js';
import type { DuckDBDatabase } from './duckdb-database.js';
import { describeRejects } from './queries/csv-reader.js';
import type { FlatColumn } from './queries/stage-events.js';

/** What an import is doing now, read by the progress reporter; the importer moves it on. */
export interface ProgressTracker {
  phase: ImportProgress['phase'];
  records?: number;
}

/** Helpers every importer shares: reading a file's shape, running staging SQL, reading what it set aside. */

export async function describeColumns(db: DuckDBDatabase, sql: string, file: string): Promise<FlatColumn[]> {
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
export async function csvDelimiter(file: string): Promise<CsvDelimiter> {
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

export async function runStaging(
  db: DuckDBDatabase,
  statements: string[],
  file: string,
  tracker: ProgressTracker,
  params: Record<string, string> = {},
): Promise<void> {
  try {
    for (const sql of statements) {
      // A statement that scans the file reads it; the others check and normalise what was read.
      tracker.phase = sql.includes('$file') ? 'reading' : 'checking';
      await db.run(sql, { file, ...params });
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
export async function csvRejects(db: DuckDBDatabase): Promise<{ line: number; reason: string; input: string }[]> {
  const exists = await db.value<bigint>(
    `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stage_csv_rejects' AND temporary`,
  );
  if (Number(exists) === 0) return [];
  const rows = await db.rows<{ line: bigint; error_message: string; csv_line: string }>(
    `SELECT line, error_message, csv_line FROM stage_csv_rejects ORDER BY line`,
  );
  return rows.map((r) => ({ line: Number(r.line), reason: r.error_message, input: r.csv_line }));
}

/** A bad record as staged: where it is and what is wrong with it ('field|reason'). */
export interface StagedError {
  row_no: bigint | number;
  item_no: number | null;
  error: string;
}

export async function readStagedErrors(
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

export async function logImport(db: DuckDBDatabase, project: string, s: Omit<ImportSummary, 'seconds'>): Promise<void> {
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
