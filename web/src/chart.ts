import { BarChart, BoxplotChart, CustomChart, HeatmapChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { FunnelReport, Heatmap, SankeyData, TimeToConvert, TrendPoint } from './api.js';
import { percent } from './format.js';

// Only the parts the dashboard draws, so the bundle stays small.
use([
  BarChart,
  BoxplotChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  SankeyChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

/**
 * The chart of an element: a new one (dark theme when the system asks for it, resized with its element) unless
 * there is one already.
 */
function chartOn(element: HTMLElement, previous: EChartsType | null): EChartsType {
  if (previous && !previous.isDisposed()) return previous;
  const dark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  const chart = init(element, dark ? 'dark' : undefined, { renderer: 'canvas' });
  if (dark) chart.setOption({ backgroundColor: 'transparent' });
  if (typeof ResizeObserver === 'function') new ResizeObserver(() => chart.resize()).observe(element);
  return chart;
}

interface StepPoint {
  value: number;
  rate: number | null;
  interval: { lower: number; upper: number } | null;
}

const stepTooltip = (p: { name: string; seriesName: string; data: StepPoint }) =>
  `${p.seriesName} · ${p.name}<br/>${p.data.value.toLocaleString('en-US')} units, ${percent(p.data.rate)}` +
  (p.data.interval ? ` (95% ${percent(p.data.interval.lower)}–${percent(p.data.interval.upper)})` : '');

/**
 * Bars per step, each labelled with its conversion from step 1. One funnel: the units who dropped since the
 * previous step stacked faintly on top of each bar, and the 95% interval of the conversion as a whisker (in units:
 * the interval times step 1's count). A breakdown: grouped bars per value, the interval in the tooltip.
 */
export function drawFunnel(element: HTMLElement, report: FunnelReport, previous: EChartsType | null): EChartsType {
  const chart = chartOn(element, previous);
  const names = report.steps.map((s) => s.name);
  const point = (s: FunnelReport['steps'][number]): StepPoint => ({
    value: s.count,
    interval: s.conversionRateInterval,
    rate: s.conversionRate,
  });
  const label = {
    show: true,
    position: 'top' as const,
    formatter: (p: { data: StepPoint }) => percent(p.data.rate),
  };
  let series: unknown[];
  if (report.breakdown) {
    series = report.breakdown.map((entry) => ({
      type: 'bar' as const,
      name: Array.isArray(entry.value) ? entry.value.join(' / ') : entry.value || '(none)',
      data: entry.steps.map(point),
      // Labels on grouped bars only where there is room for them (the tooltip has every figure).
      label: { ...label, show: element.clientWidth >= 700 },
    }));
  } else {
    const first = report.steps[0]?.count ?? 0;
    // The whiskers in the page's text colour (light or dark).
    const ink = getComputedStyle(element).color || '#1b1f24';
    const whiskers = report.steps
      .map((s, i) =>
        i > 0 && s.conversionRateInterval
          ? [i, s.conversionRateInterval.lower * first, s.conversionRateInterval.upper * first]
          : null,
      )
      .filter((w) => w !== null);
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
      {
        type: 'custom',
        name: '95% interval',
        z: 10,
        data: whiskers,
        tooltip: {
          formatter: (p: { name: string; value: number[] }) =>
            `95% interval<br/>${Math.round(p.value[1] ?? 0).toLocaleString('en-US')}–${Math.round(p.value[2] ?? 0).toLocaleString('en-US')} units`,
        },
        renderItem: (
          _params: unknown,
          api: { value: (i: number) => number; coord: (v: number[]) => number[]; size: (v: number[]) => number[] },
        ) => {
          const x = api.value(0);
          const [cx = 0, low = 0] = api.coord([x, api.value(1)]);
          const [, high = 0] = api.coord([x, api.value(2)]);
          const half = (api.size([1, 0])[0] ?? 20) * 0.08;
          const style = { stroke: ink, lineWidth: 1.5 };
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
    ];
  }
  chart.setOption(
    {
      animation: false,
      grid: { left: 60, right: 20, top: 40, bottom: 40 },
      legend: { show: Boolean(report.breakdown), top: 0 },
      tooltip: { trigger: 'item', formatter: stepTooltip },
      xAxis: { type: 'category', data: names },
      yAxis: { type: 'value' },
      series,
    },
    { notMerge: true },
  );
  return chart;
}

/** The paths of dropped people as a Sankey: one column per position after the step (ids carry the position). */
export function drawSankey(element: HTMLElement, data: SankeyData, previous: EChartsType | null): EChartsType {
  const chart = chartOn(element, previous);
  chart.setOption(
    {
      animation: false,
      tooltip: { trigger: 'item' },
      series: [
        {
          type: 'sankey',
          left: 10,
          right: 120,
          nodeAlign: 'left',
          data: data.nodes.map((n) => ({ name: n.id, value: n.units, label: { formatter: n.name } })),
          links: data.links.map((l) => ({ source: l.source, target: l.target, value: l.units })),
          label: { formatter: (p: { name: string }) => p.name.slice(p.name.indexOf(':') + 1) },
        },
      ],
    },
    { notMerge: true },
  );
  return chart;
}

const hours = (seconds: number) => +(seconds / 3600).toFixed(1);

/** Time to convert: the histogram of conversion times (hours) and, when present, the Kaplan–Meier curve. */
export function drawTimeToConvert(element: HTMLElement, ttc: TimeToConvert, previous: EChartsType | null): EChartsType {
  const chart = chartOn(element, previous);
  const bins = ttc.bins.slice(0, -1);
  const curve = ttc.survival?.curve ?? [];
  chart.setOption(
    {
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
          // Each bar at the middle of its bin.
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
    },
    { notMerge: true },
  );
  return chart;
}

/** Conversion per period (percent) with its 95% interval as a band. */
export function drawTrends(
  element: HTMLElement,
  points: readonly TrendPoint[],
  previous: EChartsType | null,
): EChartsType {
  const chart = chartOn(element, previous);
  const x = points.map((p) => p.periodStart);
  const lower = points.map((p) => (p.rateInterval ? +(p.rateInterval.lower * 100).toFixed(2) : null));
  const band = points.map((p) =>
    p.rateInterval ? +((p.rateInterval.upper - p.rateInterval.lower) * 100).toFixed(2) : null,
  );
  chart.setOption(
    {
      animation: false,
      grid: { left: 60, right: 20, top: 30, bottom: 40 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: x },
      yAxis: { type: 'value', name: '%' },
      series: [
        {
          type: 'line',
          stack: 'band',
          data: lower,
          lineStyle: { opacity: 0 },
          symbol: 'none',
          tooltip: { show: false },
        },
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
    },
    { notMerge: true },
  );
  return chart;
}

/**
 * A cohort grid (cohorts down, steps or periods across) coloured by its rate, the colour scale spanning the rates
 * shown. `skipFirst`: leave out the first column (conversion to step 1 is 100% by definition).
 */
export function drawHeatmap(
  element: HTMLElement,
  full: Heatmap,
  previous: EChartsType | null,
  skipFirst = false,
): EChartsType {
  const grid = skipFirst
    ? {
        x: full.x.slice(1),
        y: full.y,
        data: full.data.filter(([x]) => x > 0).map(([x, y, v]) => [x - 1, y, v] as const),
      }
    : full;
  // Tall enough for a readable row per cohort.
  element.style.height = `${Math.max(240, 24 * grid.y.length + 110)}px`;
  const top = Math.max(0.01, ...grid.data.map(([, , v]) => v ?? 0));
  const chart = chartOn(element, previous);
  chart.resize();
  chart.setOption(
    {
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
    },
    { notMerge: true },
  );
  return chart;
}

/** A small line without axes (a KPI's months). */
export function drawSparkline(
  element: HTMLElement,
  points: (number | null)[],
  previous: EChartsType | null,
): EChartsType {
  const chart = chartOn(element, previous);
  chart.setOption(
    {
      animation: false,
      grid: { left: 2, right: 2, top: 4, bottom: 4 },
      xAxis: { type: 'category', show: false, data: points.map((_, i) => i) },
      yAxis: { type: 'value', show: false, scale: true },
      series: [{ type: 'line', data: points, showSymbol: false, lineStyle: { width: 1.5 } }],
    },
    { notMerge: true },
  );
  return chart;
}

export interface BoxRow {
  name: string;
  count: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
}

/** One box per row (min, quartiles, median, max), horizontal, its count in the axis label. */
export function drawBoxplot(element: HTMLElement, rows: readonly BoxRow[], unit: string, previous: EChartsType | null) {
  element.style.height = `${Math.max(200, 44 * rows.length + 80)}px`;
  const chart = chartOn(element, previous);
  chart.resize();
  chart.setOption(
    {
      animation: false,
      grid: { left: 150, right: 30, top: 20, bottom: 40 },
      tooltip: {
        trigger: 'item',
        formatter: (p: { name: string; data: number[] }) => {
          const [min, p25, median, p75, max] = p.data.slice(-5).map((v) => v.toFixed(1));
          return `${p.name}<br/>median ${median} ${unit}, quartiles ${p25}–${p75}, range ${min}–${max}`;
        },
      },
      xAxis: { type: 'value', name: unit, min: 0 },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map((r) => `${r.name} (n=${r.count.toLocaleString('en-US')})`),
      },
      series: [{ type: 'boxplot', data: rows.map((r) => [r.min, r.p25, r.median, r.p75, r.max]) }],
    },
    { notMerge: true },
  );
  return chart;
}
