import type { SankeyData } from '../api-client.js';
import type { ChartOption } from './chart-option.js';

/** The paths of dropped people as a Sankey: one column per position after the step (ids carry the position). */
export function sankeyOption(data: SankeyData): ChartOption {
  return {
    animation: false,
    tooltip: { trigger: 'item' },
    series: [
      {
        type: 'sankey',
        left: 10,
        right: 120,
        nodeAlign: 'left',
        data: data.nodes.map((n) => ({ name: n.id, value: n.units, label: { formatter: n.name } })),
        links: data.links.map((l) => ({ source: l.source, target: l.target, value: l.units })),
        label: { formatter: (p: { name: string }) => p.name.slice(p.name.indexOf(':') + 1) },
      },
    ],
  };
}
