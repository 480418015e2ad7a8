import { fieldForColumn, propertyNameForColumn } from '../../ingest/segment-fields.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { FileFormat, ImportOptions, ImportSummary, RejectedRow } from '../../model/import.js';
import { quoteIdentifier } from '../sql/quote.js';
import type { DuckDBDatabase } from './duckdb-database.js';
import { classifyChannels, hasChannelSettings } from './queries/channel-settings.js';
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
import { collectRejects, readCsvRows, readLines, readParquetRows, writeRejects } from './rejects.js';
import type { ProgressTracker } from './staging.js';
import {
  csvDelimiter,
  csvRejects,
  describeColumns,
  lineEnding,
  logImport,
  readStagedErrors,
  runStaging,
} from './staging.js';
import { updatePersons } from './update-persons.js';

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

export async function importEvents(
  db: DuckDBDatabase,
  file: string,
  format: FileFormat,
  options: ImportOptions,
  tracker: ProgressTracker,
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
    const ending = await lineEnding(file);
    messagesSql = (numbered) => ndjsonMessagesSql(numbered, ending);
  } else if (format === 'csv') {
    const delimiter = await csvDelimiter(file);
    const columns = await describeColumns(db, readCsvSql(delimiter, describeRejects), file);
    messagesSql = (numbered) =>
      csvMessagesSql(flatLayout(columns, file, options.columnMap), columns, numbered, delimiter);
  } else {
    const columns = await describeColumns(db, 'read_parquet($file)', file);
    messagesSql = () => parquetMessagesSql(flatLayout(columns, file, options.columnMap), columns);
  }
  try {
    await runStaging(db, stageEventsSql(messagesSql(format === 'parquet')), file, tracker);
  } catch (error) {
    // DuckDB's JSON reader refuses a file with a malformed line; the line-wise reader will name it.
    if (format !== 'ndjson') throw error;
    await runStaging(db, stageEventsSql(messagesSql(true)), file, tracker);
  }
  const shapeOf = async () =>
    (
      await db.rows<{ total: bigint; bad: bigint; ids: bigint }>(
        // Distinct ids by GROUP BY, which DuckDB can spill to disk: count(DISTINCT) must hold every id in memory,
        // and runs out of the import's 1 GB on a 100M-event file.
        `SELECT (SELECT count(*) FROM stage_events) AS total, (SELECT count(error) FROM stage_events) AS bad,
                (SELECT count(*) FROM (SELECT message_id FROM stage_events WHERE error IS NULL GROUP BY message_id)) AS ids`,
      )
    )[0];
  let shape = await shapeOf();
  const repeated = Number(shape?.total) - Number(shape?.bad) > Number(shape?.ids);
  if (
    format !== 'parquet' &&
    (Number(shape?.bad) > 0 || repeated || (format === 'csv' && (await csvRejects(db)).length > 0))
  ) {
    await db.run('DROP TABLE IF EXISTS stage_csv_rejects; DROP TABLE IF EXISTS stage_csv_scans;');
    await runStaging(db, stageEventsSql(messagesSql(true)), file, tracker);
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
  // The project's own channel rules and referral exclusions, over the default grouping of the staged rows.
  if (await hasChannelSettings(db, project)) await classifyChannels(db, 'stage_events', project);
  const columnList = eventColumns.map((c) => quoteIdentifier(c)).join(', ');
  tracker.phase = 'storing';
  tracker.records = rowsRead;
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
