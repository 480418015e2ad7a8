import type { TrendPoint } from '../api-client.js';
import type { ChartOption } from './chart-option.js';

/** Conversion per period (percent) with its 95% interval as a band (a transparent lower line, the width stacked). */
export function trendsOption(points: readonly TrendPoint[]): ChartOption {
  const lower = points.map((p) => (p.rateInterval ? +(p.rateInterval.lower * 100).toFixed(2) : null));
  const band = points.map((p) =>
    p.rateInterval ? +((p.rateInterval.upper - p.rateInterval.lower) * 100).toFixed(2) : null,
  );
  return {
    animation: false,
    grid: { left: 60, right: 20, top: 30, bottom: 40 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: points.map((p) => p.periodStart) },
    yAxis: { type: 'value', name: '%' },
    series: [
      { type: 'line', stack: 'band', data: lower, lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } },
      {
        type: 'line',
        stack: 'band',
        data: band,
        lineStyle: { opacity: 0 },
        symbol: 'none',
        areaStyle: { opacity: 0.2 },
        tooltip: { show: false },
      },
      { type: 'line', name: 'conversion', data: points.map((p) => p.rate) },
    ],
  };
}
