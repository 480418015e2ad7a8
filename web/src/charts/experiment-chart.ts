import type { ExperimentReport } from '../api-client.js';
import type { ChartOption } from './chart-option.js';

/**
 * Each variant's conversion (percent) as a bar with its 95% Wilson interval as a whisker, the control first.
 * `ink`: the whiskers' colour.
 */
export function experimentOption(report: ExperimentReport, ink: string): ChartOption {
  const variants = [...report.variants].sort(
    (a, b) => Number(b.variant === report.control) - Number(a.variant === report.control),
  );
  const style = { stroke: ink, lineWidth: 1.5 };
  return {
    animation: false,
    grid: { left: 60, right: 20, top: 30, bottom: 40 },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'category', data: variants.map((v) => v.variant) },
    yAxis: { type: 'value', name: '%' },
    series: [
      {
        type: 'bar',
        name: 'conversion',
        data: variants.map((v) => (v.rate === null ? null : +(v.rate * 100).toFixed(3))),
        label: { show: true, position: 'insideTop', formatter: (p: { value: number }) => `${p.value.toFixed(2)}%` },
      },
      {
        type: 'custom',
        name: '95% interval',
        z: 10,
        data: variants.flatMap((v, i) =>
          v.rateInterval
            ? [[i, +(v.rateInterval.lower * 100).toFixed(3), +(v.rateInterval.upper * 100).toFixed(3)]]
            : [],
        ),
        renderItem: (
          _params: unknown,
          api: { value: (i: number) => number; coord: (v: number[]) => number[]; size: (v: number[]) => number[] },
        ) => {
          const x = api.value(0);
          const [cx = 0, low = 0] = api.coord([x, api.value(1)]);
          const [, high = 0] = api.coord([x, api.value(2)]);
          const half = (api.size([1, 0])[0] ?? 20) * 0.08;
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: cx, y1: low, x2: cx, y2: high }, style },
              { type: 'line', shape: { x1: cx - half, y1: low, x2: cx + half, y2: low }, style },
              { type: 'line', shape: { x1: cx - half, y1: high, x2: cx + half, y2: high }, style },
            ],
          };
        },
      },
    ],
  };
}
