import type { ExperimentReport } from '../api-client.js';
import type { ChartOption } from './chart-option.js';
import { whiskerSeries } from './whisker-series.js';

/**
 * Each variant's conversion (percent) as a bar with its 95% Wilson interval as a whisker, the control first.
 * `ink`: the whiskers' colour.
 */
export function experimentOption(report: ExperimentReport, ink: string): ChartOption {
  const variants = [...report.variants].sort(
    (a, b) => Number(b.variant === report.control) - Number(a.variant === report.control),
  );
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
      whiskerSeries(
        variants.flatMap((v, i) =>
          v.rateInterval
            ? [[i, +(v.rateInterval.lower * 100).toFixed(3), +(v.rateInterval.upper * 100).toFixed(3)] as const]
            : [],
        ),
        ink,
      ),
    ],
  };
}
