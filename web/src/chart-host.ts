import {
  BarChart,
  BoxplotChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  SankeyChart,
  ScatterChart,
} from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { ChartOption } from './charts/chart-option.js';

// Only the parts the dashboard draws, so the bundle stays small.
use([
  BarChart,
  BoxplotChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  SankeyChart,
  ScatterChart,
  GridComponent,
  MarkLineComponent,
  TooltipComponent,
  LegendComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

/**
 * Draws an option (charts/*.ts build them from reports) on an element: its chart, made on first use (ECharts' dark
 * theme when the system asks for it, resized with its element), drawn anew each time. The background stays the
 * page's. `height`: the element's height in pixels, for charts as tall as their rows.
 */
export function draw(
  element: HTMLElement,
  option: ChartOption,
  previous: EChartsType | null,
  height?: number,
): EChartsType {
  if (height !== undefined) element.style.height = `${height}px`;
  let chart = previous && !previous.isDisposed() ? previous : null;
  if (!chart) {
    const dark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
    const made = init(element, dark ? 'dark' : undefined, { renderer: 'canvas' });
    if (typeof ResizeObserver === 'function') new ResizeObserver(() => made.resize()).observe(element);
    chart = made;
  } else if (height !== undefined) {
    chart.resize();
  }
  chart.setOption({ backgroundColor: 'transparent', ...option }, { notMerge: true });
  return chart;
}
