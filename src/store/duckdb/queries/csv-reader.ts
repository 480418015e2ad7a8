import type { CsvDelimiter } from '../../../ingest/files.js';
import { stringLiteral } from '../../sql/quote.js';

/**
 * DuckDB's CSV reader as every importer calls it: all columns as text (we parse and name errors ourselves), the
 * header row, the delimiter read from the header, and rows with the wrong number of fields set aside in a reject
 * table instead of failing the read.
 */
export function readCsvSql(delimiter: CsvDelimiter, rejects?: { table: string; scan: string }): string {
  const rejectOptions = rejects
    ? `, store_rejects = true, rejects_table = ${stringLiteral(rejects.table)}, rejects_scan = ${stringLiteral(rejects.scan)}`
    : '';
  return `read_csv($file, all_varchar = true, header = true, delim = ${stringLiteral(delimiter)}, quote = '"'${rejectOptions})`;
}

export const stageRejects = { table: 'stage_csv_rejects', scan: 'stage_csv_scans' };
export const describeRejects = { table: 'stage_describe_rejects', scan: 'stage_describe_scans' };

/** The reader's row number, named so that no file column can clash with it. */
export const rowColumn = '"__funnelscope_row"';

export type LineEnding = '\n' | '\r\n';

/**
 * A text file as one row per line (column `line`): DuckDB's CSV reader with a delimiter no JSON line contains,
 * no quoting, and the file's own line ending, so line numbers are physical lines.
 */
export function readLinesSql(lineEnding: LineEnding): string {
  const newline = lineEnding === '\r\n' ? "'\\r\\n'" : "'\\n'";
  return `read_csv($file, columns = {'line': 'VARCHAR'}, header = false, delim = E'\\x01\\x02', quote = '',
                   escape = '', new_line = ${newline}, auto_detect = false, strict_mode = false)`;
}
