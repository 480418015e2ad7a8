import type { EChartsType } from 'echarts/core';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Figure, type KpiReport, type KpiRow, type PipelineReport } from '../api-client.js';
import { draw } from '../chart-host.js';
import { type BoxRow, boxplotHeight, boxplotOption } from '../charts/boxplot-chart.js';
import { sparklineOption } from '../charts/sparkline-chart.js';
import { money, percent } from '../format.js';

const dayMs = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayOf = (text: string) => Date.parse(`${text}T00:00:00Z`);

const times = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${x.toFixed(2)}×`);
const months = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${x.toFixed(1)} mo`);
const days = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${x.toFixed(0)} days`);

interface Tile {
  id: string;
  label: string;
  /** Costs and payback are better lower: their rise shows red. */
  lowerIsBetter?: boolean;
  value: (r: KpiRow) => number | null;
  format: (x: number | null) => string;
}

const fig = (f: Figure) => f.value;
/** The KPI tiles (docs/metrics.md): value now, change against the previous period of the same length, by month. */
const tiles: Tile[] = [
  { id: 'conversion', label: 'Visitor → lead', value: (r) => r.visitorToLead.rate, format: percent },
  { id: 'cpl', label: 'Cost per lead', value: (r) => fig(r.costPerLead), format: money, lowerIsBetter: true },
  { id: 'cac', label: 'CAC', value: (r) => fig(r.cac), format: money, lowerIsBetter: true },
  { id: 'ltv', label: 'LTV', value: (r) => fig(r.ltv), format: money },
  { id: 'ltv-cac', label: 'LTV : CAC', value: (r) => fig(r.ltvToCac), format: times },
  { id: 'payback', label: 'CAC payback', value: (r) => fig(r.paybackMonths), format: months, lowerIsBetter: true },
  { id: 'roi', label: 'ROI', value: (r) => fig(r.roi), format: percent },
  { id: 'roas', label: 'ROAS', value: (r) => fig(r.roas), format: times },
  { id: 'revenue', label: 'Revenue', value: (r) => r.revenue, format: money },
  { id: 'customers', label: 'Customers', value: (r) => r.customers, format: money },
];

const columns: {
  id: string;
  label: string;
  value: (r: KpiRow) => number | null;
  format: (x: number | null) => string;
}[] = [
  { id: 'spend', label: 'Spend', value: (r) => r.spend, format: money },
  { id: 'visitors', label: 'Visitors', value: (r) => r.visitors, format: money },
  { id: 'leads', label: 'Leads', value: (r) => r.leads, format: money },
  ...tiles.map((t) => ({ id: t.id, label: t.label, value: t.value, format: t.format })),
];

function Sparkline(props: { points: (number | null)[] }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  useEffect(() => {
    if (element.current) chart.current = draw(element.current, sparklineOption(props.points), chart.current);
  }, [props.points]);
  return html`<div class="sparkline" ref=${element} aria-hidden="true"></div>`;
}

/** A conversion on a scale with the benchmark figures marked (e.g. landing pages 2.35% average, 5.31% top quartile). */
function BenchmarkScale(props: { value: number | null; benchmarks: KpiReport['benchmarks'] }) {
  if (props.benchmarks.length === 0) return null;
  const top = Math.max(props.value ?? 0, ...props.benchmarks.map((b) => b.value)) * 1.15;
  const at = (x: number) => `${Math.min(100, (x / top) * 100).toFixed(1)}%`;
  return html`<div class="bench-scale" role="img"
    aria-label=${`${percent(props.value)} against ${props.benchmarks.map((b) => `${b.name} ${percent(b.value)}`).join(', ')}`}>
    ${props.benchmarks.map(
      (b) => html`<span class="bench-mark" style=${`left: ${at(b.value)}`} title=${`${b.name}: ${percent(b.value)}`}
        data-benchmark=${b.value}></span>`,
    )}
    ${props.value === null ? null : html`<span class="bench-yours" style=${`left: ${at(props.value)}`}></span>`}
  </div>`;
}

/** Days in each stage of the finished stays (and the sales cycle), as box plots. */
function StageDurations(props: { pipeline: PipelineReport }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const rows: BoxRow[] = [
    ...props.pipeline.timeInStage.map((t) => ({ name: t.stage, d: t.days })),
    {
      name: 'sales cycle',
      d: props.pipeline.summary.salesCycleDays,
    },
  ].flatMap(({ name, d }) =>
    d.count > 0 && d.min !== null && d.p25 !== null && d.median !== null && d.p75 !== null && d.max !== null
      ? [{ name, count: d.count, min: d.min, p25: d.p25, median: d.median, p75: d.p75, max: d.max }]
      : [],
  );
  useEffect(() => {
    if (element.current && rows.length > 0)
      chart.current = draw(element.current, boxplotOption(rows, 'days'), chart.current, boxplotHeight(rows));
  }, [props.pipeline]);
  if (rows.length === 0) return html`<p class="muted">No finished stage stays yet: import deal stage histories.</p>`;
  return html`<div class="chart" ref=${element} role="img" aria-label="Days in stage, box plots"
      data-boxes=${rows.map((r) => r.name).join('|')}></div>
    <table aria-label="Days in stage">
      <thead><tr><th>Stage</th><th>Stays</th><th>Min</th><th>25%</th><th>Median</th><th>75%</th><th>Max</th></tr></thead>
      <tbody>
        ${rows.map(
          (r) => html`<tr data-stage-days=${r.name}>
            <td>${r.name}</td><td>${r.count.toLocaleString('en-US')}</td><td>${r.min.toFixed(1)}</td>
            <td>${r.p25.toFixed(1)}</td><td data-median=${r.median}>${r.median.toFixed(1)}</td><td>${r.p75.toFixed(1)}</td>
            <td>${r.max.toFixed(1)}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
}

/** Unit economics over a period (`?from=&to=`; default: the 90 days to today, UTC), with the deals' pipeline. */
export function MoneyView(props: { project: string }) {
  const params = new URLSearchParams(location.search);
  const [now, setNow] = useState<KpiReport | null>(null);
  const [before, setBefore] = useState<KpiReport | null>(null);
  const [byMonth, setByMonth] = useState<KpiReport | null>(null);
  const [pipeline, setPipeline] = useState<PipelineReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<{ column: string; descending: boolean }>({ column: 'spend', descending: true });
  // The tiles show the whole business or one channel (`?channel=`); a channel's months come from channel-month rows.
  const [channel, setChannel] = useState(params.get('channel') ?? '');
  const [channelMonths, setChannelMonths] = useState<KpiReport | null>(null);

  useEffect(() => {
    const load = async () => {
      const to = params.get('to') ?? isoDay(Date.now());
      const from = params.get('from') ?? isoDay(dayOf(to) - 89 * dayMs);
      const length = (dayOf(to) - dayOf(from)) / dayMs + 1;
      const previousTo = isoDay(dayOf(from) - dayMs);
      const previousFrom = isoDay(dayOf(from) - length * dayMs);
      const [a, b, c, d] = await Promise.all([
        api.kpi(props.project, { from, to, by: 'channel' }),
        api.kpi(props.project, { from: previousFrom, to: previousTo, by: 'channel' }),
        api.kpi(props.project, { from, to, by: 'month' }),
        api.pipeline(props.project, { asOf: to, by: 'channel' }),
      ]);
      setNow(a);
      setBefore(b);
      setByMonth(c);
      setPipeline(d);
    };
    load().catch((e: Error) => setError(e.message));
  }, []);

  // The URL follows the choice at once (a shared link shows the same channel).
  const chooseChannel = (value: string) => {
    const next = new URLSearchParams(location.search);
    if (value) next.set('channel', value);
    else next.delete('channel');
    history.replaceState(null, '', `?${next}`);
    setChannel(value);
  };

  useEffect(() => {
    if (!channel || channelMonths || !now) return;
    api
      .kpi(props.project, { from: now.from, to: now.to, by: 'channel-month' })
      .then(setChannelMonths)
      .catch((e: Error) => setError(e.message));
  }, [channel, now]);

  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!now || !before || !byMonth || !pipeline) return html`<p class="muted" aria-live="polite">Loading…</p>`;
  const rows = [...now.rows].sort((x, y) => {
    const column = columns.find((c) => c.id === sort.column);
    const a = column?.value(x) ?? Number.NEGATIVE_INFINITY;
    const b = column?.value(y) ?? Number.NEGATIVE_INFINITY;
    return sort.descending ? b - a : a - b;
  });
  // Win rate, deal size and cycle of a channel: the pipeline's group of deals with that source channel.
  const p = channel ? pipeline.by?.groups.find((g) => g.key === channel) : pipeline.summary;
  const current = channel ? now.rows.find((r) => r.key === channel) : now.total;
  const previousRow = channel ? before.rows.find((r) => r.key === channel) : before.total;
  const monthRows = channel
    ? (channelMonths?.rows ?? []).filter((r) => r.key.startsWith(`${channel} · `))
    : byMonth.rows;
  return html`
    <div class="row">
      <label for="channel">Channel</label>
      <select id="channel" value=${channel} onChange=${(e: Event) => chooseChannel((e.target as HTMLSelectElement).value)}>
        <option value="">all channels</option>
        ${channel && !now.rows.some((r) => r.key === channel) ? html`<option value=${channel}>${channel} (no data)</option>` : null}
        ${now.rows.map((r) => html`<option value=${r.key}>${r.key}</option>`)}
      </select>
      <span class="muted">${now.from} … ${now.to}${now.currency ? ` · ${now.currency}` : ''}; change against ${before.from} … ${before.to}</span>
    </div>
    <section class="tiles" aria-label="Key figures" data-channel-tiles=${channel}>
      ${tiles.map((t) => {
        const value = current ? t.value(current) : null;
        const previous = previousRow ? t.value(previousRow) : null;
        const change = value !== null && previous !== null && previous !== 0 ? value / previous - 1 : null;
        return html`<div class="tile" data-tile=${t.id} data-value=${value ?? ''}>
          <div class="muted">${t.label}</div>
          <div class="value">${t.format(value)}</div>
          <div class=${`change ${change === null || change === 0 ? '' : change > 0 !== Boolean(t.lowerIsBetter) ? 'good' : 'bad'}`}>
            ${change === null ? '–' : `${change >= 0 ? '+' : '−'}${(Math.abs(change) * 100).toFixed(1)}%`}
          </div>
          <${Sparkline} points=${monthRows.map((r) => t.value(r))} />
          ${t.id === 'conversion' ? html`<${BenchmarkScale} value=${value} benchmarks=${now.benchmarks} />` : null}
        </div>`;
      })}
      <div class="tile" data-tile="win-rate" data-value=${p?.winRate.rate ?? ''}>
        <div class="muted">Win rate${channel ? ' (deal source)' : ''}</div><div class="value">${percent(p?.winRate.rate)}</div>
      </div>
      <div class="tile" data-tile="deal-size" data-value=${p?.dealSize?.mean ?? ''}>
        <div class="muted">Deal size (mean)</div><div class="value">${money(p?.dealSize?.mean)}</div>
      </div>
      <div class="tile" data-tile="cycle" data-value=${p?.salesCycleDays.median ?? ''}>
        <div class="muted">Sales cycle (median)</div><div class="value">${days(p?.salesCycleDays.median)}</div>
      </div>
    </section>
    ${
      now.benchmarks.length > 0
        ? html`<p class="muted" data-benchmarks>
          Benchmarks, visitor → lead${channel ? ' (all channels)' : ''}: ${now.benchmarks.map((b) => `${b.name} ${percent(b.value)} (${b.verdict})`).join('; ')}.
        </p>`
        : null
    }
    <h2>Days in stage (all deals, stays that ended)</h2>
    <${StageDurations} pipeline=${pipeline} />
    <h2>By channel</h2>
    <table aria-label="KPIs by channel">
      <thead>
        <tr>
          <th>Channel</th>
          ${columns.map(
            (c) => html`<th>
              <button type="button" class="sort" aria-label=${`Sort by ${c.label}`}
                onClick=${() => setSort({ column: c.id, descending: sort.column === c.id ? !sort.descending : true })}>
                ${c.label}${sort.column === c.id ? (sort.descending ? ' ▾' : ' ▴') : ''}
              </button>
            </th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) => html`<tr data-channel=${r.key}>
            <td>${r.key}</td>
            ${columns.map((c) => html`<td data-column=${c.id}>${c.format(c.value(r))}</td>`)}
          </tr>`,
        )}
      </tbody>
    </table>
  `;
}
