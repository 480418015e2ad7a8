/**
 * Values spliced into ClickHouse SQL. Debian's ClickHouse (18.16) has no server-side query parameters, so every
 * value a user supplies goes through `chString` / `chStrings` (a string literal with ClickHouse's backslash escapes)
 * or is a number checked here; names of databases and clusters are checked identifiers (clickhouse-url.ts).
 */

const escapes: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\u0000': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A string literal: backslash, quote and control characters escaped (ClickHouse reads `\\`, `\'`, `\0`, `\n`…). */
export function chString(value: string): string {
  let out = "'";
  for (const c of value) out += escapes[c] ?? c;
  return `${out}'`;
}

/** An array literal of strings; `['']`-safe for an empty list (ClickHouse needs a typed empty array). */
export function chStrings(values: readonly string[]): string {
  return values.length === 0 ? 'emptyArrayString()' : `[${values.map(chString).join(',')}]`;
}

/** An integer literal; refuses anything that is not a safe integer (never splices text). */
export function chInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

const unescapes: Readonly<Record<string, string>> = {
  b: '\b',
  f: '\f',
  r: '\r',
  n: '\n',
  t: '\t',
  '0': '\u0000',
  "'": "'",
  '\\': '\\',
};

/** One field of ClickHouse's TabSeparated output, escapes undone (`\N` is NULL). */
export function tsvField(text: string): string | null {
  if (text === '\\N') return null;
  if (!text.includes('\\')) return text;
  return text.replace(/\\(.)/g, (_, c: string) => unescapes[c] ?? c);
}
