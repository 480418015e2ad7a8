import { type AnomaliesReport, runAnomalies } from '../../analysis/monitoring/run-anomalies.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { parseFunnelDefinition } from '../../model/funnel-definition.js';
import { anomaliesSpec, flagName } from '../../model/report-requests.js';
import { withStore } from '../open-store.js';
import { formatTable, type Output } from '../output.js';
import { readDefinition } from './funnel.js';

/** `funnelscope anomalies --metric conversions --event E` (docs/monitoring.md). */
export async function anomaliesCommand(
  config: Config,
  options: Record<string, unknown> & { definition?: string; format?: 'table' | 'json' },
  output: Output,
) {
  const definition = options.definition ? parseFunnelDefinition(readDefinition(options.definition)) : null;
  const spec = anomaliesSpec(config.project, definition, options, flagName);
  const report = await withStore(config, (store) => runAnomalies(new ColumnCache(store), store, spec));
  output.out(options.format === 'json' ? JSON.stringify(report, null, 2) : anomaliesTable(report));
  return 0;
}

const shown = (kind: 'count' | 'rate' | 'cac', x: number | null) =>
  x === null || Number.isNaN(x)
    ? '–'
    : !Number.isFinite(x)
      ? '∞'
      : kind === 'rate'
        ? `${(x * 100).toFixed(2)}%`
        : (Math.round(x * 10) / 10).toLocaleString('en-US');

export function anomaliesTable(r: AnomaliesReport): string {
  const lines = [
    `${r.series}: ${r.anomalies.length} anomalous ${r.anomalies.length === 1 ? 'day' : 'days'} (band ± ${r.options.z} standard deviations)`,
    formatTable(
      ['day', r.kind === 'rate' ? 'rate' : 'value', 'expected', 'band', 'z', ''],
      r.days.map((d) => [
        d.day,
        shown(r.kind, d.value),
        shown(r.kind, d.expected),
        d.lower === null ? '–' : `${shown(r.kind, d.lower)} – ${shown(r.kind, d.upper)}`,
        d.z === null ? '–' : d.z.toFixed(1),
        d.anomaly ?? d.notJudged ?? '',
      ]),
    ),
  ];
  const earlier = r.anomalies.filter((a) => !r.days.some((d) => d.day === a.day));
  if (earlier.length > 0) lines.push(`Earlier: ${earlier.map((a) => `${a.day} ${a.anomaly}`).join(', ')}.`);
  lines.push(...r.notes.map((n) => `Note: ${n}.`));
  return lines.join('\n');
}
