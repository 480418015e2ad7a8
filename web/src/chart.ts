import { BarChart, HeatmapChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { FunnelReport, Heatmap, SankeyData, TimeToConvert, TrendPoint } from './api.js';
import { percent } from './format.js';

// Only the parts the dashboard draws, so the bundle stays small.
use([
  BarChart,
  HeatmapChart,
  LineChart,
  SankeyChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

/** Bars per step (per breakdown value when there is one), each labelled with its conversion from step 1. */
export function drawFunnel(element: HTMLElement, report: FunnelReport, previous: EChartsType | null): EChartsType {
  const chart = previous ?? init(element, undefined, { renderer: 'canvas' });
  const names = report.steps.map((s) => s.name);
  const series = (report.breakdown ?? [{ value: 'All', steps: report.steps }]).slice(0, 8).map((entry) => ({
    type: 'bar' as const,
    name: Array.isArray(entry.value) ? entry.value.join(' / ') : entry.value || '(none)',
    data: entry.steps.map((s) => ({
      value: s.count,
      interval: s.conversionRateInterval,
      rate: s.conversionRate,
    })),
    label: {
      show: true,
      position: 'top' as const,
      formatter: (p: { data: { rate: number | null } }) => percent(p.data.rate),
    },
  }));
  chart.setOption(
    {
      animation: false,
      grid: { left: 60, right: 20, top: 40, bottom: 40 },
      legend: { show: series.length > 1, top: 0 },
      tooltip: {
        trigger: 'item',
        formatter: (p: {
          name: string;
          seriesName: string;
          data: { value: number; rate: number | null; interval: { lower: number; upper: number } | null };
        }) =>
          `${p.seriesName} · ${p.name}<br/>${p.data.value.toLocaleString('en-US')} units, ${percent(p.data.rate)}` +
          (p.data.interval ? ` (95% ${percent(p.data.interval.lower)}–${percent(p.data.interval.upper)})` : ''),
      },
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
  const chart = previous ?? init(element, undefined, { renderer: 'canvas' });
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
  const chart = previous ?? init(element, undefined, { renderer: 'canvas' });
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
  const chart = previous ?? init(element, undefined, { renderer: 'canvas' });
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
  const chart = previous ?? init(element, undefined, { renderer: 'canvas' });
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
  const chart = previous ?? init(element, undefined, { renderer: 'canvas' });
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
