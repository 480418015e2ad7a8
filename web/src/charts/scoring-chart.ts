import type { ScoreApplyReport } from '../api-client.js';
import type { ChartOption } from './chart-option.js';

type Evaluation = ScoreApplyReport['evaluation'];

/** Conversion per score decile (percent, the highest scores first), out of fold, with the overall rate as a line. */
export function liftOption(evaluation: Evaluation): ChartOption {
  const overall = evaluation.rows > 0 ? (evaluation.positives / evaluation.rows) * 100 : 0;
  return {
    animation: false,
    grid: { left: 60, right: 20, top: 30, bottom: 40 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', name: 'decile', data: evaluation.lift.map((d) => String(d.decile)) },
    yAxis: { type: 'value', name: '%' },
    series: [
      {
        type: 'bar',
        name: 'conversion',
        data: evaluation.lift.map((d) => +(d.rate * 100).toFixed(3)),
        markLine: {
          symbol: 'none',
          data: [{ yAxis: +overall.toFixed(3), name: 'overall' }],
          label: { formatter: 'overall' },
        },
      },
    ],
  };
}

/** Observed conversion against the mean predicted score per calibration bin (percent), and the diagonal. */
export function calibrationOption(evaluation: Evaluation): ChartOption {
  const points = evaluation.calibration
    .filter((c) => c.units > 0 && c.meanPredicted !== null && c.observedRate !== null)
    .map((c) => [
      +((c.meanPredicted as number) * 100).toFixed(3),
      +((c.observedRate as number) * 100).toFixed(3),
      c.units,
    ]);
  return {
    animation: false,
    grid: { left: 60, right: 20, top: 30, bottom: 50 },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'value', name: 'predicted %', min: 0, max: 100 },
    yAxis: { type: 'value', name: 'observed %', min: 0, max: 100 },
    series: [
      {
        type: 'line',
        name: 'perfect',
        data: [
          [0, 0],
          [100, 100],
        ],
        symbol: 'none',
        lineStyle: { type: 'dashed' },
      },
      { type: 'scatter', name: 'bins', data: points },
    ],
  };
}
