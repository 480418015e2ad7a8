/**
 * A series of interval whiskers over a category axis: for each [category index, lower, upper] a vertical line with
 * caps, drawn in `ink` (ECharts' custom series; the funnel and experiment charts put them on their bars).
 */
export function whiskerSeries(
  data: readonly (readonly [number, number, number])[],
  ink: string,
  tooltip?: (lower: number, upper: number) => string,
): Record<string, unknown> {
  const style = { stroke: ink, lineWidth: 1.5 };
  return {
    type: 'custom',
    name: '95% interval',
    z: 10,
    data,
    ...(tooltip
      ? { tooltip: { formatter: (p: { value: number[] }) => tooltip(p.value[1] ?? 0, p.value[2] ?? 0) } }
      : {}),
    renderItem: (
      _params: unknown,
      api: { value: (i: number) => number; coord: (v: number[]) => number[]; size: (v: number[]) => number[] },
    ) => {
      const x = api.value(0);
      const [cx = 0, low = 0] = api.coord([x, api.value(1)]);
      const [, high = 0] = api.coord([x, api.value(2)]);
      const half = (api.size([1, 0])[0] ?? 20) * 0.08;
      return {
        type: 'group',
        children: [
          { type: 'line', shape: { x1: cx, y1: low, x2: cx, y2: high }, style },
          { type: 'line', shape: { x1: cx - half, y1: low, x2: cx + half, y2: low }, style },
          { type: 'line', shape: { x1: cx - half, y1: high, x2: cx + half, y2: high }, style },
        ],
      };
    },
  };
}
