import { stat } from 'node:fs/promises';
import { detectFormat } from '../../ingest/files.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { ImportKind, ImportOptions, ImportProgress, ImportSummary } from '../../model/import.js';
import type { DuckDBDatabase } from './duckdb-database.js';
import { importEvents } from './import-events.js';
import { importTable } from './import-table.js';
import { assertCompleteGzip, type ProgressTracker } from './staging.js';

const defaultImportMemoryLimit = '1GB';
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
  await assertCompleteGzip(file);
  if (kind !== 'events' && format !== 'csv') {
    throw new FunnelscopeError('unsupported_format', `${file}: ${kind} are imported from CSV files`, { file });
  }
  // Staging spills to disk past this, so a 10M-event file imports in bounded memory. (A 100M-event file needs
  // more: its dedupe aggregate does not fit in 1 GB.)
  const memoryLimit = options.memoryLimit ?? defaultImportMemoryLimit;
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new FunnelscopeError(
      'invalid_argument',
      `import memory limit: expected a size like 4GB, got ${memoryLimit}`,
      {
        field: 'memoryLimit',
      },
    );
  }
  await db.run(`SET memory_limit = '${memoryLimit}'`);
  await db.run('SET enable_progress_bar = true');
  await db.run('SET enable_progress_bar_print = false');
  const tracker: ProgressTracker = { phase: 'reading' };
  const stopProgress = watchProgress(db, tracker, options.onProgress);
  try {
    const result =
      kind === 'events'
        ? await importEvents(db, file, format, options, tracker)
        : await importTable(db, kind, file, options, tracker);
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

function watchProgress(
  db: DuckDBDatabase,
  tracker: ProgressTracker,
  onProgress?: (progress: ImportProgress) => void,
): () => void {
  if (!onProgress) return () => undefined;
  const report = (fractionDone: number) => {
    const progress: ImportProgress = { phase: tracker.phase, fractionDone };
    if (tracker.records !== undefined) progress.records = tracker.records;
    onProgress(progress);
  };
  const timer = setInterval(() => {
    const fraction = db.progress();
    if (fraction >= 0) report(Math.min(1, fraction));
  }, 100);
  return () => {
    clearInterval(timer);
    report(1);
  };
}
