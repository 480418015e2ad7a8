/**
 * "Export CSV" (docs/dashboard.md): every table of the page in one CSV file, each under a row naming it (its
 * aria-label) and after a blank line, cells as shown (RFC 4180 quoting and formula-safe text, as the digest's CSV).
 */
import { toCsv } from '../../src/analysis/digest/digest-csv.js';

export interface ShownTable {
  title: string;
  rows: string[][];
}

export function tablesCsv(tables: readonly ShownTable[]): string {
  return tables.map((t) => toCsv({ name: t.title, headers: [t.title], rows: t.rows })).join('\r\n');
}

/** The page's tables as shown: header and body rows, each cell's text (trimmed, spaces collapsed). */
export function shownTables(root: ParentNode): ShownTable[] {
  return [...root.querySelectorAll('table')].map((table, i) => ({
    title: table.getAttribute('aria-label') ?? `table ${i + 1}`,
    rows: [...table.querySelectorAll('tr')].map((tr) =>
      [...tr.querySelectorAll('th, td')].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim()),
    ),
  }));
}

/** Downloads the page's tables as `funnelscope-VIEW.csv`. */
export function downloadTables(view: string): void {
  const csv = tablesCsv(shownTables(document.querySelector('main') ?? document));
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `funnelscope-${view}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
