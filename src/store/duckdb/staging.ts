import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { type CsvDelimiter, delimiterOfHeader } from '../../ingest/files.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { ImportProgress, ImportSummary } from '../../model/import.js';
import type { DuckDBDatabase } from './duckdb-database.js';
import { describeRejects, type LineEnding } from './queries/csv-reader.js';
import type { FlatColumn } from './queries/stage-events.js';

/** What an import is doing now, read by the progress reporter; the importer moves it on. */
export interface ProgressTracker {
  phase: ImportProgress['phase'];
  records?: number;
}

/** Helpers every importer shares: reading a file's shape, running staging SQL, reading what it set aside. */

/** The error of a file DuckDB could not read, with the first line of DuckDB's reason. */
function unreadable(file: string, cause: unknown): FunnelscopeError {
  return new FunnelscopeError(
    'invalid_input',
    `${file}: cannot read the file: ${firstLine(cause)}`,
    { file },
    { cause },
  );
}

export async function describeColumns(db: DuckDBDatabase, sql: string, file: string): Promise<FlatColumn[]> {
  try {
    const rows = await db.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${sql}`, { file });
    await db.run(`DROP TABLE IF EXISTS ${describeRejects.table}; DROP TABLE IF EXISTS ${describeRejects.scan};`);
    return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
  } catch (cause) {
    throw unreadable(file, cause);
  }
}

function firstLine(error: unknown): string {
  const message =
    error instanceof FunnelscopeError && error.cause instanceof Error
      ? error.cause.message
      : String((error as Error).message ?? error);
  return message.split('\n')[0] ?? message;
}

/** The first 64 KiB of a file as text, gunzipped when it is gzip. */
async function fileHead(file: string): Promise<string> {
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
    return head.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The delimiter of a CSV file, from its header line. */
export async function csvDelimiter(file: string): Promise<CsvDelimiter> {
  return delimiterOfHeader((await fileHead(file)).split('\n')[0] ?? '');
}

/** The line ending of a text file, from its first line: Windows files end lines with CR LF. */
export async function lineEnding(file: string): Promise<LineEnding> {
  const head = await fileHead(file);
  const newline = head.indexOf('\n');
  return newline > 0 && head[newline - 1] === '\r' ? '\r\n' : '\n';
}

/**
 * Every gzip member checked to its end (CRC and length) before anything is read: DuckDB reads a cut-off gzip
 * up to the cut without complaint, which would import part of a file.
 */
export async function assertCompleteGzip(file: string): Promise<void> {
  const handle = await open(file);
  let magic: Buffer;
  try {
    magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
  } finally {
    await handle.close();
  }
  if (magic[0] !== 0x1f || magic[1] !== 0x8b) return;
  try {
    await pipeline(
      createReadStream(file),
      createGunzip(),
      new Writable({ write: (_chunk, _encoding, done) => done() }),
    );
  } catch (cause) {
    throw new FunnelscopeError(
      'invalid_input',
      `${file}: the gzip file is damaged or cut off (${(cause as Error).message}); nothing of it was imported`,
      { file },
      { cause },
    );
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
    throw unreadable(file, cause);
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
