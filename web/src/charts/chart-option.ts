/**
 * An ECharts option as the chart modules build it: a plain object, made from a report by a pure function (no DOM,
 * no ECharts at run time), so tests check what a chart will show in Node.
 */
export type ChartOption = Record<string, unknown>;
