import type { ChartOption } from './chart-option.js';

/** A small line without axes (a KPI's months). */
export function sparklineOption(points: readonly (number | null)[]): ChartOption {
  return {
    animation: false,
    grid: { left: 2, right: 2, top: 4, bottom: 4 },
    xAxis: { type: 'category', show: false, data: points.map((_, i) => i) },
    yAxis: { type: 'value', show: false, scale: true },
    series: [{ type: 'line', data: points, showSymbol: false, lineStyle: { width: 1.5 } }],
  };
}
