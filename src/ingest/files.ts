import { FunnelscopeError } from '../model/errors.js';
import type { FileFormat } from '../model/import.js';

const formatByExtension: Record<string, FileFormat> = {
  csv: 'csv',
  tsv: 'csv',
  txt: 'csv',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  json: 'ndjson',
  parquet: 'parquet',
  pq: 'parquet',
};

/** The format of a file from its name (`.gz` is looked through), or the override. */
export function detectFormat(file: string, override?: FileFormat): FileFormat {
  if (override) return override;
  const name = file.toLowerCase().replace(/\.gz$/, '');
  const extension = name.slice(name.lastIndexOf('.') + 1);
  const format = formatByExtension[extension];
  if (!format) {
    throw new FunnelscopeError(
      'unsupported_format',
      `${file}: cannot tell the format from the name; use .csv, .ndjson/.jsonl, .parquet (optionally .gz) or --format`,
      { file },
    );
  }
  if (format === 'parquet' && file.toLowerCase().endsWith('.gz')) {
    throw new FunnelscopeError('unsupported_format', `${file}: Parquet files are compressed inside; do not gzip them`, {
      file,
    });
  }
  return format;
}

/** Parses `a=b` pairs (from --map / --set) into an object; the first `=` splits. */
export function parseAssignments(pairs: readonly string[], option: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    for (const part of splitTopLevelCommas(pair)) {
      const at = part.indexOf('=');
      if (at <= 0) {
        throw new FunnelscopeError('invalid_argument', `${option} "${part}": expected field=value`, { field: option });
      }
      result[part.slice(0, at).trim()] = unquote(part.slice(at + 1).trim());
    }
  }
  return result;
}

/** `a=b,c="d, e"` → ['a=b', 'c="d, e"']: commas inside double quotes do not split. */
function splitTopLevelCommas(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.filter((p) => p.trim() !== '');
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

export const csvDelimiters = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof csvDelimiters)[number];

/**
 * The delimiter of a CSV file, from its header line: the candidate that occurs most outside quotes (a comma on a
 * tie or when none occurs). Read from the header alone, so one malformed row later cannot mislead it.
 */
export function delimiterOfHeader(headerLine: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(csvDelimiters.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch as CsvDelimiter))
      counts.set(ch as CsvDelimiter, (counts.get(ch as CsvDelimiter) ?? 0) + 1);
  }
  let best: CsvDelimiter = ',';
  for (const d of csvDelimiters) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}
