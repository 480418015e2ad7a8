/**
 * The dashboard's chart options (web/src/charts/*.ts), built in Node from reports: what each chart will draw —
 * whiskers at the interval times the count the rate is a share of, the dropped units stacked on each bar, box plots
 * at the pipeline's five numbers, heatmap cells as the cohorts report has them.
 */
import { describe, expect, it } from 'vitest';
import type { ForecastReport } from '../../src/analysis/forecast/run-forecast.js';
import type { FunnelReport } from '../../src/analysis/funnel/report.js';
import type { ScoreApplyReport } from '../../src/analysis/scoring/run-scoring.js';
import { boxplotOption } from '../../web/src/charts/boxplot-chart.js';
import { forecastOption } from '../../web/src/charts/forecast-chart.js';
import { funnelOption, funnelWhiskers } from '../../web/src/charts/funnel-chart.js';
import { heatmapGrid, heatmapOption } from '../../web/src/charts/heatmap-chart.js';
import { calibrationOption, liftOption } from '../../web/src/charts/scoring-chart.js';
import { trendsOption } from '../../web/src/charts/trends-chart.js';

type Step = FunnelReport['steps'][number];
const step = (index: number, count: number, rate: number, lower: number, upper: number, dropOff: number): Step =>
  ({
    index,
    name: `S${index + 1}`,
    count,
    conversionRate: rate,
    conversionRateInterval: { lower, upper },
    dropOff,
  }) as unknown as Step;

describe('funnel chart', () => {
  // 1000 → 400 → 100: from step 1, 40% and 10%; from the previous step, 40% and 25%.
  const total = [step(0, 1000, 1, 1, 1, 0), step(1, 400, 0.4, 0.37, 0.43, 600), step(2, 100, 0.1, 0.08, 0.12, 300)];
  const previous = [step(0, 1000, 1, 1, 1, 0), step(1, 400, 0.4, 0.37, 0.43, 600), step(2, 100, 0.25, 0.21, 0.29, 300)];

  it('draws each interval in units of the count its rate is a share of', () => {
    expect(funnelWhiskers(total, 'total')).toEqual([
      [1, 370, 430],
      [2, 80, 120],
    ]);
    const [, second] = funnelWhiskers(previous, 'previous');
    expect(second?.[0]).toBe(2);
    expect(second?.[1]).toBeCloseTo(84, 9);
    expect(second?.[2]).toBeCloseTo(116, 9);
  });

  it('stacks the dropped units on the bars, and groups bars per breakdown value', () => {
    const report = { steps: total, breakdown: null } as unknown as FunnelReport;
    const option = funnelOption(report, { ink: '#000', wide: true, reference: 'total' }) as {
      series: { name: string; data: unknown[]; stack?: string }[];
    };
    expect(option.series.map((s) => s.name)).toEqual(['Units', 'Dropped', '95% interval']);
    expect(option.series[0]?.data.map((d) => (d as { value: number }).value)).toEqual([1000, 400, 100]);
    expect(option.series[1]?.data).toEqual([0, 600, 300]);
    const broken = {
      steps: total,
      breakdown: [
        { value: 'a', steps: total },
        { value: '', steps: total },
        { value: 'Other', steps: total },
      ],
    } as unknown as FunnelReport;
    const grouped = funnelOption(broken, { ink: '#000', wide: false, reference: 'total' }) as {
      series: { name: string; label: { show: boolean } }[];
    };
    expect(grouped.series.map((s) => s.name)).toEqual(['a', '(none)', 'Other']);
    expect(grouped.series.every((s) => s.label.show === false)).toBe(true);
  });
});

describe('box plot', () => {
  it('puts each row at its five numbers, its count in the label', () => {
    const option = boxplotOption(
      [
        { name: 'lead', count: 4, min: 2, p25: 3.5, median: 7, p75: 10, max: 10 },
        { name: 'won', count: 1200, min: 1, p25: 2, median: 3, p75: 4, max: 5 },
      ],
      'days',
    ) as { series: { data: number[][] }[]; yAxis: { data: string[] } };
    expect(option.series[0]?.data).toEqual([
      [2, 3.5, 7, 10, 10],
      [1, 2, 3, 4, 5],
    ]);
    expect(option.yAxis.data).toEqual(['lead (n=4)', 'won (n=1,200)']);
  });
});

describe('heatmap and trends', () => {
  it('leave out the first column when asked, and draw the trend band from its interval', () => {
    const grid = heatmapGrid(
      {
        x: ['S1', 'S2', 'S3'],
        y: ['w1', 'w2'],
        data: [
          [0, 0, 1],
          [1, 0, 0.5],
          [2, 0, 0.25],
          [0, 1, 1],
          [1, 1, null],
          [2, 1, null],
        ],
      } as never,
      true,
    );
    expect(grid.x).toEqual(['S2', 'S3']);
    const option = heatmapOption(grid) as { series: { data: unknown[] }[]; visualMap: { max: number } };
    expect(option.series[0]?.data).toEqual([
      [0, 0, 0.5],
      [1, 0, 0.25],
      [0, 1, '-'],
      [1, 1, '-'],
    ]);
    expect(option.visualMap.max).toBe(0.5);
    const trend = trendsOption([
      { periodStart: '2026-10-01', rate: 12.5, rateInterval: { lower: 0.1, upper: 0.15 } },
    ] as never) as { series: { data: unknown[] }[] };
    expect(trend.series.map((s) => s.data)).toEqual([[10], [5], [12.5]]);
  });
});

describe('forecast chart', () => {
  const report = {
    currency: 'USD',
    history: [
      { period: '2026-07-01', value: 100 },
      { period: '2026-08-01', value: 120 },
    ],
    forecast: [
      { period: '2026-09-01', value: 130, lower80: 110, upper80: 150, lower95: 100, upper95: 160 },
      { period: '2026-10-01', value: 140, lower80: 115, upper80: 165, lower95: 105, upper95: 175 },
    ],
    baselines: { 'seasonal naive': [120, 120], drift: [140, 160] },
  } as unknown as ForecastReport;
  const series = forecastOption(report).series as { name?: string; stack?: string; data: (number | null)[] }[];

  it('draws each interval as a band: its lower edge, then its width stacked on it, from the first forecast period', () => {
    expect((forecastOption(report).xAxis as { data: string[] }).data).toEqual([
      '2026-07-01',
      '2026-08-01',
      '2026-09-01',
      '2026-10-01',
    ]);
    const [lower95, width95, lower80, width80] = series;
    expect(lower95?.data).toEqual([null, null, 100, 105]);
    expect(width95?.data).toEqual([null, null, 60, 70]);
    expect(lower80?.data).toEqual([null, null, 110, 115]);
    expect(width80?.data).toEqual([null, null, 40, 50]);
    expect(width95?.stack).toBe(lower95?.stack);
  });

  it('joins the forecast to the last actual value; the baseline after the history', () => {
    const byName = (name: string) => series.find((s) => s.name === name)?.data;
    expect(byName('actual')).toEqual([100, 120, null, null]);
    expect(byName('forecast')).toEqual([null, 120, 130, 140]);
    expect(byName('seasonal naive')).toEqual([null, null, 120, 120]);
  });
});

describe('lead-scoring charts', () => {
  const evaluation = {
    rows: 200,
    positives: 20,
    lift: Array.from({ length: 10 }, (_, d) => ({
      decile: d + 1,
      units: 20,
      conversions: d === 0 ? 12 : d === 1 ? 6 : d === 2 ? 2 : 0,
      rate: d === 0 ? 0.6 : d === 1 ? 0.3 : d === 2 ? 0.1 : 0,
      lift: null,
    })),
    calibration: [
      { lower: 0, upper: 0.1, units: 150, meanPredicted: 0.02, observedRate: 0.02 },
      { lower: 0.1, upper: 0.2, units: 0, meanPredicted: null, observedRate: null },
      { lower: 0.5, upper: 0.6, units: 50, meanPredicted: 0.55, observedRate: 0.34 },
    ],
  } as unknown as ScoreApplyReport['evaluation'];

  it('lift: each decile’s conversion in percent, the overall rate (10%) as a line', () => {
    const [bars] = liftOption(evaluation).series as { data: number[]; markLine: { data: { yAxis: number }[] } }[];
    expect(bars?.data.slice(0, 4)).toEqual([60, 30, 10, 0]);
    expect(bars?.markLine.data[0]?.yAxis).toBe(10);
  });

  it('calibration: one point per bin that has leads, at (mean predicted, observed) in percent', () => {
    const [, points] = calibrationOption(evaluation).series as { data: number[][] }[];
    expect(points?.data).toEqual([
      [2, 2, 150],
      [55, 34, 50],
    ]);
  });
});
