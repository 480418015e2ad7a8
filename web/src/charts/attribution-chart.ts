import type { AttributionReport } from '../api-client.js';
import type { ChartOption } from './chart-option.js';

export const modelLabels: Record<AttributionReport['models'][number], string> = {
  first_touch: 'First touch',
  last_touch: 'Last touch',
  last_non_direct: 'Last non-direct',
  linear: 'Linear',
  time_decay: 'Time decay',
  position_based: 'Position based',
  markov: 'Markov',
  shapley: 'Shapley',
};

/**
 * Credited conversions per channel (rows, the most credited under linear first) under each chosen model (one bar
 * series per model), horizontal so long channel names read.
 */
export function attributionOption(
  report: AttributionReport,
  models: readonly AttributionReport['models'][number][],
): ChartOption {
  const channels = report.channels.map((c) => c.channel);
  return {
    animation: false,
    grid: { left: 130, right: 30, top: 30, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', name: 'conversions' },
    yAxis: { type: 'category', inverse: true, data: channels },
    series: models.map((m) => ({
      type: 'bar',
      name: modelLabels[m],
      data: report.channels.map((c) => +c.credits[m].conversions.toFixed(2)),
    })),
  };
}

/** Tall enough for a group of bars per channel. */
export const attributionHeight = (report: AttributionReport, models: number) =>
  Math.max(260, report.channels.length * (14 * models + 16) + 70);
