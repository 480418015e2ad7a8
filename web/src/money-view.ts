import type { EChartsType } from 'echarts/core';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Figure, type KpiReport, type KpiRow, type PipelineReport } from './api.js';
import { drawSparkline } from './chart.js';
import { money, percent } from './format.js';

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
    if (element.current) chart.current = drawSparkline(element.current, props.points, chart.current);
  }, [props.points]);
  return html`<div class="sparkline" ref=${element} aria-hidden="true"></div>`;
}

/** Unit economics over a period (default: the 90 days to the last day of data), with the deals' pipeline. */
export function MoneyView(props: { project: string }) {
  const params = new URLSearchParams(location.search);
  const [now, setNow] = useState<KpiReport | null>(null);
  const [before, setBefore] = useState<KpiReport | null>(null);
  const [byMonth, setByMonth] = useState<KpiReport | null>(null);
  const [pipeline, setPipeline] = useState<PipelineReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<{ column: string; descending: boolean }>({ column: 'spend', descending: true });

  useEffect(() => {
    const load = async () => {
      const to = params.get('to') ?? isoDay(Date.now());
      const from = params.get('from') ?? isoDay(dayOf(to) - 89 * dayMs);
      const length = (dayOf(to) - dayOf(from)) / dayMs + 1;
      const previousTo = isoDay(dayOf(from) - dayMs);
      const previousFrom = isoDay(dayOf(from) - length * dayMs);
      const [a, b, c, d] = await Promise.all([
        api.kpi(props.project, { from, to, by: 'channel' }),
        api.kpi(props.project, { from: previousFrom, to: previousTo, by: 'total' }),
        api.kpi(props.project, { from, to, by: 'month' }),
        api.pipeline(props.project, { asOf: to }),
      ]);
      setNow(a);
      setBefore(b);
      setByMonth(c);
      setPipeline(d);
    };
    load().catch((e: Error) => setError(e.message));
  }, []);

  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!now || !before || !byMonth || !pipeline) return html`<p class="muted" aria-live="polite">Loading…</p>`;
  const rows = [...now.rows].sort((x, y) => {
    const column = columns.find((c) => c.id === sort.column);
    const a = column?.value(x) ?? Number.NEGATIVE_INFINITY;
    const b = column?.value(y) ?? Number.NEGATIVE_INFINITY;
    return sort.descending ? b - a : a - b;
  });
  const p = pipeline.summary;
  return html`
    <p class="muted">${now.from} … ${now.to}${now.currency ? ` · ${now.currency}` : ''}; change against ${before.from} … ${before.to}</p>
    <section class="tiles" aria-label="Key figures">
      ${tiles.map((t) => {
        const value = t.value(now.total);
        const previous = t.value(before.total);
        const change = value !== null && previous !== null && previous !== 0 ? value / previous - 1 : null;
        return html`<div class="tile" data-tile=${t.id} data-value=${value ?? ''}>
          <div class="muted">${t.label}</div>
          <div class="value">${t.format(value)}</div>
          <div class=${`change ${change === null || change === 0 ? '' : change > 0 !== Boolean(t.lowerIsBetter) ? 'good' : 'bad'}`}>
            ${change === null ? '–' : `${change >= 0 ? '+' : '−'}${(Math.abs(change) * 100).toFixed(1)}%`}
          </div>
          <${Sparkline} points=${byMonth.rows.map((r) => t.value(r))} />
        </div>`;
      })}
      <div class="tile" data-tile="win-rate" data-value=${p.winRate.rate ?? ''}>
        <div class="muted">Win rate</div><div class="value">${percent(p.winRate.rate)}</div>
      </div>
      <div class="tile" data-tile="deal-size" data-value=${p.dealSize?.mean ?? ''}>
        <div class="muted">Deal size (mean)</div><div class="value">${money(p.dealSize?.mean)}</div>
      </div>
      <div class="tile" data-tile="cycle" data-value=${p.salesCycleDays.median ?? ''}>
        <div class="muted">Sales cycle (median)</div><div class="value">${days(p.salesCycleDays.median)}</div>
      </div>
    </section>
    ${
      now.benchmarks.length > 0
        ? html`<p class="muted" data-benchmarks>
          Benchmarks, visitor → lead: ${now.benchmarks.map((b) => `${b.name} ${percent(b.value)} (${b.verdict})`).join('; ')}.
        </p>`
        : null
    }
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
