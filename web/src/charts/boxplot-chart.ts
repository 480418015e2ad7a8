import type { ChartOption } from './chart-option.js';

export interface BoxRow {
  name: string;
  count: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
}

/** Tall enough for a readable box per row. */
export const boxplotHeight = (rows: readonly BoxRow[]) => Math.max(200, 44 * rows.length + 80);

/** One box per row (min, quartiles, median, max), horizontal, its count in the axis label. */
export function boxplotOption(rows: readonly BoxRow[], unit: string): ChartOption {
  return {
    animation: false,
    grid: { left: 150, right: 30, top: 20, bottom: 40 },
    tooltip: {
      trigger: 'item',
      formatter: (p: { name: string; data: number[] }) => {
        const [min, p25, median, p75, max] = p.data.slice(-5).map((v) => v.toFixed(1));
        return `${p.name}<br/>median ${median} ${unit}, quartiles ${p25}–${p75}, range ${min}–${max}`;
      },
    },
    xAxis: { type: 'value', name: unit, min: 0 },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map((r) => `${r.name} (n=${r.count.toLocaleString('en-US')})`),
    },
    series: [{ type: 'boxplot', data: rows.map((r) => [r.min, r.p25, r.median, r.p75, r.max]) }],
  };
}
