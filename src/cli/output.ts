import { FunnelscopeError, isFunnelscopeError } from '../model/errors.js';

/** How `funnel` prints its report (declared here, so the argument parser need not load the command). */
export const funnelFormats = ['json', 'table', 'csv'] as const;
export type FunnelFormat = (typeof funnelFormats)[number];

/** Where commands write; tests pass their own. */
export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTTY: Boolean(process.stderr.isTTY),
};

/** Exit code 2 and the JSON error body (or one readable line) for a FunnelscopeError; 1 for a bug. */
export function reportError(error: unknown, output: Output, json: boolean, debug = false): number {
  const known = isFunnelscopeError(error)
    ? error
    : new FunnelscopeError('internal', `unexpected error: ${(error as Error)?.message ?? String(error)}`);
  if (json) output.out(JSON.stringify(known.toJSON()));
  else output.err(`error [${known.code}]: ${known.message}`);
  if (debug) {
    output.err(String((error as Error)?.stack));
    let cause = (error as Error)?.cause;
    while (cause) {
      output.err(
        `caused by: ${String((cause as Error).message ?? cause)} ${JSON.stringify((cause as FunnelscopeError).details ?? {})}`,
      );
      cause = (cause as Error).cause;
    }
  }
  return isFunnelscopeError(error) ? 2 : 1;
}

export { formatCount, formatPercent } from '../analysis/format.js';

/** Left-aligned first column, right-aligned numbers; every row the same width. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
