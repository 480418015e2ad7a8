import { type PathsReport, runPaths } from '../../analysis/paths/run-paths.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { flagName, pathsSpec } from '../../model/report-requests.js';
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

/** `funnelscope paths --from EVENT | --to EVENT`: the path explorer (docs/paths.md). */
export async function pathsCommand(config: Config, options: PathsCommandOptions, output: Output): Promise<number> {
  const spec = pathsSpec({ ...options }, flagName);
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
