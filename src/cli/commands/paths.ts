import { type PathsReport, runPaths } from '../../analysis/paths/run-paths.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { secondsPerUnit, type WindowUnit, windowUnits } from '../../model/funnel-definition.js';
import { withStore } from '../open-store.js';
import { formatCount, formatPercent, formatTable, type Output } from '../output.js';

export interface PathsCommandOptions {
  from?: string;
  to?: string;
  depth?: string;
  window?: string;
  exclude?: string[];
  pagePaths?: boolean;
  repeats?: boolean;
  identityCalls?: boolean;
  top?: string;
  nodes?: string;
  dateFrom?: string;
  dateTo?: string;
  format?: 'table' | 'json';
}

function integer(value: string | undefined, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new FunnelscopeError(
      'invalid_argument',
      `${field}: expected an integer from ${min} to ${max}, got "${value}"`,
      {
        field,
      },
    );
  }
  return n;
}

/** `30m`, `2h`, `7d`, `1w` or `N second|minute|hour|day|week|month(s)` → seconds. */
export function parseWindow(text: string, field: string): number {
  const short: Record<string, WindowUnit> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' };
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$/.exec(text.toLowerCase());
  const unit = match ? (short[match[2] as string] ?? (match[2] as WindowUnit)) : undefined;
  const amount = match ? Number(match[1]) : Number.NaN;
  if (!unit || !(windowUnits as readonly string[]).includes(unit) || !(amount > 0)) {
    throw new FunnelscopeError(
      'invalid_argument',
      `${field}: expected an amount and a unit (30m, 2h, 7d, 1w, "3 days"), got "${text}"`,
      { field },
    );
  }
  return amount * secondsPerUnit[unit];
}

/** `funnelscope paths --from EVENT | --to EVENT`: the path explorer (docs/paths.md). */
export async function pathsCommand(config: Config, options: PathsCommandOptions, output: Output): Promise<number> {
  const spec = {
    from: options.from ?? null,
    to: options.to ?? null,
    depth: integer(options.depth, '--depth', 5, 1, 10),
    windowSeconds: options.window === undefined ? null : parseWindow(options.window, '--window'),
    exclude: (options.exclude ?? [])
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    pagePaths: Boolean(options.pagePaths),
    collapseRepeats: options.repeats !== true,
    identityCalls: Boolean(options.identityCalls),
    top: integer(options.top, '--top', 20, 1, 10_000),
    maxNodesPerPosition: integer(options.nodes, '--nodes', 10, 1, 1000),
    dateFrom: options.dateFrom ?? null,
    dateTo: options.dateTo ?? null,
  };
  if ((spec.from === null) === (spec.to === null)) {
    throw new FunnelscopeError('invalid_argument', 'paths: give exactly one of --from EVENT and --to EVENT', {
      field: 'from',
    });
  }
  const report = await withStore(config, (store) => runPaths(new ColumnCache(store), config.project, spec));
  output.out((options.format ?? 'table') === 'json' ? JSON.stringify(report, null, 2) : pathsTable(report));
  return 0;
}

export function pathsTable(r: PathsReport): string {
  const share = (units: number) => (r.units > 0 ? `${formatPercent(units / r.units)}%` : '–');
  const lines = [
    `Paths ${r.direction} the first ${r.anchor} of each person: ${formatCount(r.units)} persons, ${r.depth} events ${r.direction === 'after' ? 'after' : 'before'}`,
    formatTable(
      ['persons', 'share', 'path'],
      r.paths.map((p) => [formatCount(p.units), share(p.units), p.events.join(' → ')]),
    ),
  ];
  const maxPosition = Math.max(0, ...r.nodes.map((n) => n.position));
  for (let position = 0; position <= maxPosition; position += 1) {
    const column = r.nodes.filter((n) => n.position === position);
    lines.push(`${position}: ${column.map((n) => `${n.name} ${formatCount(n.units)}`).join(', ')}`);
  }
  return lines.join('\n');
}
