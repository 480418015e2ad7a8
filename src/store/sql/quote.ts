import { FunnelscopeError } from '../../model/errors.js';

function assertNoNul(text: string, what: string): void {
  if (text.includes('\u0000')) {
    throw new FunnelscopeError('invalid_input', `${what} ${JSON.stringify(text)} contains a NUL character`, {
      value: text.replaceAll('\u0000', '\\0'),
    });
  }
}

/** Quotes any string as a SQL identifier (DuckDB and ClickHouse both accept double quotes). */
export function quoteIdentifier(name: string): string {
  assertNoNul(name, 'the column or table name');
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Renders a string as a SQL string literal. Only for values that cannot be bound: DuckDB options of table
 * functions that take constant structs (e.g. read_csv's `columns`). Backslashes are not special in DuckDB's
 * standard strings, so doubling the quote is the whole escape.
 */
export function stringLiteral(value: string): string {
  assertNoNul(value, 'the text');
  return `'${value.replaceAll("'", "''")}'`;
}
