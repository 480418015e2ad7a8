import type { TimeToConvert } from '../api-client.js';
import type { ChartOption } from './chart-option.js';

const hours = (seconds: number) => +(seconds / 3600).toFixed(1);

/**
 * Time to convert: the histogram of conversion times (hours; each bar at the middle of its bin, the open last bin
 * left out) and, when present, the Kaplan–Meier curve of conversion on a second axis.
 */
export function timeToConvertOption(ttc: TimeToConvert): ChartOption {
  const bins = ttc.bins.slice(0, -1);
  const curve = ttc.survival?.curve ?? [];
  return {
    animation: false,
    grid: { left: 60, right: 60, top: 30, bottom: 40 },
    tooltip: { trigger: 'axis' },
    legend: { show: curve.length > 0, top: 0 },
    xAxis: { type: 'value', name: 'hours', min: 0 },
    yAxis: [
      { type: 'value', name: 'units' },
      { type: 'value', name: 'converted', min: 0, max: 1, show: curve.length > 0 },
    ],
    series: [
      {
        type: 'bar',
        name: 'converters',
        barCategoryGap: '0%',
        data: bins.map((b, i) => [hours((b.start + (ttc.bins[i + 1]?.start ?? b.start)) / 2), b.count]),
      },
      ...(curve.length > 0
        ? [
            {
              type: 'line' as const,
              name: 'Kaplan–Meier',
              yAxisIndex: 1,
              step: 'end' as const,
              showSymbol: false,
              data: curve.map((p) => [hours(p.seconds), p.conversion]),
            },
          ]
        : []),
    ],
  };
}
