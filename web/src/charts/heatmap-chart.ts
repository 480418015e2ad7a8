import type { Heatmap } from '../api-client.js';
import type { ChartOption } from './chart-option.js';

/** The grid shown: without its first column when `skipFirst` (conversion to step 1 is 100% by definition). */
export function heatmapGrid(full: Heatmap, skipFirst: boolean): Heatmap {
  if (!skipFirst) return full;
  return {
    ...full,
    x: full.x.slice(1),
    data: full.data.filter(([x]) => x > 0).map(([x, y, v]) => [x - 1, y, v] as [number, number, number | null]),
  };
}

/** Tall enough for a readable row per cohort. */
export const heatmapHeight = (grid: Heatmap) => Math.max(240, 24 * grid.y.length + 110);

/** A cohort grid (cohorts down, steps or periods across) coloured by its rate, the scale spanning the rates shown. */
export function heatmapOption(grid: Heatmap): ChartOption {
  const top = Math.max(0.01, ...grid.data.map(([, , v]) => v ?? 0));
  return {
    animation: false,
    grid: { left: 110, right: 20, top: 10, bottom: 70 },
    tooltip: { position: 'top' },
    xAxis: { type: 'category', data: grid.x, splitArea: { show: true } },
    yAxis: { type: 'category', data: grid.y, inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: top, calculable: false, orient: 'horizontal', left: 'center', bottom: 0 },
    series: [
      {
        type: 'heatmap',
        data: grid.data.map(([x, y, v]) => [x, y, v === null ? '-' : +v.toFixed(4)]),
        label: {
          show: true,
          formatter: (p: { value: [number, number, number | string] }) =>
            typeof p.value[2] === 'number' ? `${(p.value[2] * 100).toFixed(1)}%` : '',
        },
      },
    ],
  };
}
