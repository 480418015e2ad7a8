/** Quotes any string as a SQL identifier (DuckDB and ClickHouse both accept double quotes). */
export function quoteIdentifier(name: string): string {
  if (name.includes('\u0000')) throw new Error('identifier contains a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Renders a string as a SQL string literal. Only for values that cannot be bound: DuckDB options of table
 * functions that take constant structs (e.g. read_csv's `columns`). Backslashes are not special in DuckDB's
 * standard strings, so doubling the quote is the whole escape.
 */
export function stringLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('string contains a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}
