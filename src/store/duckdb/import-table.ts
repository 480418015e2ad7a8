import { tableSpecs } from '../../ingest/table-specs.js';
import type { ImportKind, ImportOptions, ImportSummary, RejectedRow } from '../../model/import.js';
import type { DuckDBDatabase } from './duckdb-database.js';
import { describeRejects, readCsvSql } from './queries/csv-reader.js';
import { loadTableSql, resolveTableLayout, stageTableSql } from './queries/stage-table.js';
import { collectRejects, readCsvRows, writeRejects } from './rejects.js';
import type { ProgressTracker } from './staging.js';
import { csvDelimiter, csvRejects, describeColumns, logImport, readStagedErrors, runStaging } from './staging.js';

export async function importTable(
  db: DuckDBDatabase,
  kind: Exclude<ImportKind, 'events'>,
  file: string,
  options: ImportOptions,
  tracker: ProgressTracker,
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
  await runStaging(db, [stageTableSql(spec, layout, delimiter)], file, tracker, layout.params);
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
  tracker.phase = 'storing';
  tracker.records = rowsRead;
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
