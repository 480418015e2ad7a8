import type { ForecastReport } from '../api-client.js';
import type { ChartOption } from './chart-option.js';

/** A band between two series: a transparent lower line and the width stacked on it, shaded. */
function band(name: string, lower: (number | null)[], upper: (number | null)[], opacity: number) {
  return [
    { type: 'line', stack: name, data: lower, lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } },
    {
      type: 'line',
      name,
      stack: name,
      data: upper.map((u, i) => (u === null || lower[i] === null ? null : u - (lower[i] as number))),
      lineStyle: { opacity: 0 },
      symbol: 'none',
      areaStyle: { opacity },
      tooltip: { show: false },
    },
  ];
}

/**
 * The history, then the forecast (dashed) with its 80% and 95% intervals as bands; the seasonal naive baseline
 * dotted. One category per period, history and forecast on one axis.
 */
export function forecastOption(report: ForecastReport): ChartOption {
  const periods = [...report.history.map((h) => h.period), ...report.forecast.map((f) => f.period)];
  const past = report.history.length;
  const ahead = (pick: (f: ForecastReport['forecast'][number]) => number) => [
    ...report.history.map(() => null),
    ...report.forecast.map((f) => Math.round(pick(f) * 100) / 100),
  ];
  const forecast = ahead((f) => f.value);
  // The forecast line starts at the last actual value, so the two join.
  if (past > 0) forecast[past - 1] = report.history[past - 1]?.value ?? null;
  return {
    animation: false,
    grid: { left: 70, right: 20, top: 30, bottom: 40 },
    tooltip: { trigger: 'axis' },
    legend: { data: ['actual', 'forecast', 'seasonal naive'], top: 0 },
    xAxis: { type: 'category', data: periods },
    yAxis: { type: 'value', name: report.currency ?? '' },
    series: [
      ...band(
        '95%',
        ahead((f) => f.lower95),
        ahead((f) => f.upper95),
        0.12,
      ),
      ...band(
        '80%',
        ahead((f) => f.lower80),
        ahead((f) => f.upper80),
        0.22,
      ),
      {
        type: 'line',
        name: 'actual',
        data: [...report.history.map((h) => h.value), ...report.forecast.map(() => null)],
      },
      { type: 'line', name: 'forecast', data: forecast, lineStyle: { type: 'dashed' } },
      {
        type: 'line',
        name: 'seasonal naive',
        data: [
          ...report.history.map(() => null),
          ...report.baselines['seasonal naive'].map((v) => Math.round(v * 100) / 100),
        ],
        lineStyle: { type: 'dotted' },
        symbol: 'none',
      },
    ],
  };
}
