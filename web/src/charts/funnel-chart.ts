import type { FunnelReport } from '../api-client.js';
import { percent } from '../format.js';
import type { ChartOption } from './chart-option.js';
import { whiskerSeries } from './whisker-series.js';

interface StepPoint {
  value: number;
  rate: number | null;
  interval: { lower: number; upper: number } | null;
}

type Step = FunnelReport['steps'][number];

const stepTooltip = (p: { name: string; seriesName: string; data: StepPoint }) =>
  `${p.seriesName} · ${p.name}<br/>${p.data.value.toLocaleString('en-US')} units, ${percent(p.data.rate)}` +
  (p.data.interval ? ` (95% ${percent(p.data.interval.lower)}–${percent(p.data.interval.upper)})` : '');

/** The units a step's conversion is a share of: step 1's (conversionReference total) or the previous step's. */
export function referenceCount(steps: readonly Step[], i: number, reference: 'total' | 'previous'): number {
  return (reference === 'previous' ? steps[i - 1]?.count : steps[0]?.count) ?? 0;
}

/**
 * The 95% interval of each step's conversion as a whisker in units (the interval times the units it is a share
 * of), steps 2 on: [step index, lower, upper].
 */
export function funnelWhiskers(steps: readonly Step[], reference: 'total' | 'previous'): [number, number, number][] {
  const out: [number, number, number][] = [];
  steps.forEach((s, i) => {
    if (i === 0 || !s.conversionRateInterval) return;
    const units = referenceCount(steps, i, reference);
    out.push([i, s.conversionRateInterval.lower * units, s.conversionRateInterval.upper * units]);
  });
  return out;
}

/**
 * Bars per step, each labelled with its conversion. One funnel: the units who dropped since the previous step
 * stacked faintly on top of each bar (labelled −N), and the 95% interval of the conversion as a whisker. A
 * breakdown: grouped bars per value (labels only where `wide`), the interval in the tooltip. `ink`: the whiskers'
 * colour (the page's text colour); `reference`: what the conversions are shares of (the definition's
 * conversionReference).
 */
export function funnelOption(
  report: FunnelReport,
  view: { ink: string; wide: boolean; reference: 'total' | 'previous' },
): ChartOption {
  const names = report.steps.map((s) => s.name);
  const point = (s: Step): StepPoint => ({
    value: s.count,
    interval: s.conversionRateInterval,
    rate: s.conversionRate,
  });
  const label = { show: true, position: 'top' as const, formatter: (p: { data: StepPoint }) => percent(p.data.rate) };
  let series: unknown[];
  if (report.breakdown) {
    series = report.breakdown.map((entry) => ({
      type: 'bar' as const,
      name: Array.isArray(entry.value) ? entry.value.join(' / ') : entry.value || '(none)',
      data: entry.steps.map(point),
      label: { ...label, show: view.wide },
    }));
  } else {
    series = [
      {
        type: 'bar',
        name: 'Units',
        stack: 'funnel',
        data: report.steps.map(point),
        label: { ...label, position: 'insideTop' as const },
      },
      {
        type: 'bar',
        name: 'Dropped',
        stack: 'funnel',
        itemStyle: { opacity: 0.25 },
        data: report.steps.map((s) => (s.index === 0 ? 0 : s.dropOff)),
        label: {
          show: true,
          position: 'top' as const,
          formatter: (p: { value: number; dataIndex: number }) =>
            p.dataIndex === 0 ? '' : `−${p.value.toLocaleString('en-US')}`,
        },
        tooltip: {
          formatter: (p: { name: string; value: number }) => `${p.name}<br/>${p.value.toLocaleString('en-US')} dropped`,
        },
      },
      whiskerSeries(
        funnelWhiskers(report.steps, view.reference),
        view.ink,
        (lower, upper) =>
          `95% interval<br/>${Math.round(lower).toLocaleString('en-US')}–${Math.round(upper).toLocaleString('en-US')} units`,
      ),
    ];
  }
  return {
    animation: false,
    grid: { left: 60, right: 20, top: 40, bottom: 40 },
    legend: { show: Boolean(report.breakdown), top: 0 },
    tooltip: { trigger: 'item', formatter: stepTooltip },
    xAxis: { type: 'category', data: names },
    yAxis: { type: 'value' },
    series,
  };
}
