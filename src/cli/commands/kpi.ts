import { existsSync, readFileSync } from 'node:fs';
import { kpiReport } from '../../analysis/kpi/kpi-report.js';
import type { Figure, KpiReport, KpiRow } from '../../analysis/kpi/report.js';
import type { Rate } from '../../analysis/pipeline/report.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { parseFunnelDefinition } from '../../model/funnel-definition.js';
import { flagName, kpiSpec } from '../../model/report-requests.js';
import { withStore } from '../open-store.js';
import { formatCount, formatPercent, formatTable, type Output } from '../output.js';
import { readDefinition } from './funnel.js';

export interface KpiCommandOptions {
  from?: string;
  to?: string;
  by?: string;
  currency?: string;
  rates?: string;
  grossMargin?: string;
  monthlyChurn?: string;
  revenuePeriod?: string;
  benchmarks?: string;
  minCount?: string;
  funnel?: string;
  format?: 'table' | 'json';
}

/** A two-column CSV (`name,value`, a header line allowed) as entries; names the bad line. */
export function readPairs(file: string, field: string): [string, number][] {
  if (!existsSync(file))
    throw new FunnelscopeError('file_not_found', `${field}: no such file ${file}`, { field, file });
  const pairs: [string, number][] = [];
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const at = line.lastIndexOf(',');
      const name = line.slice(0, at).trim().replace(/^"|"$/g, '');
      const value = Number(line.slice(at + 1).trim());
      if (at > 0 && Number.isFinite(value)) pairs.push([name, value]);
      else if (i > 0) {
        throw new FunnelscopeError('invalid_input', `${file}: line ${i + 1}: expected NAME,NUMBER, got "${line}"`, {
          file,
          line: i + 1,
          field,
        });
      }
    });
  return pairs;
}

/** `funnelscope kpi`: unit economics over a period (docs/metrics.md), as a table or JSON. */
export async function kpiCommand(config: Config, options: KpiCommandOptions, output: Output): Promise<number> {
  // The CSV files of --rates and --benchmarks become the request's name → number entries.
  const values = {
    ...options,
    rates: options.rates ? Object.fromEntries(readPairs(options.rates, '--rates')) : undefined,
    benchmarks: options.benchmarks
      ? readPairs(options.benchmarks, '--benchmarks').map(([name, value]) => ({ name, value }))
      : undefined,
  };
  const spec = kpiSpec(config.project, values, flagName, Date.now());
  const funnel = options.funnel ? parseFunnelDefinition(readDefinition(options.funnel)) : null;
  const report = await withStore(config, (store) => kpiReport(store, new ColumnCache(store), spec, funnel));
  if ((options.format ?? 'table') === 'json') output.out(JSON.stringify(report, null, 2));
  else output.out(kpiTable(report));
  return 0;
}

const money = (x: number | null) => (x === null ? '–' : Math.round(x).toLocaleString('en-US'));
const figureMoney = (f: Figure) => (f.value === null ? '–' : money(f.value));
const times = (f: Figure) => (f.value === null ? '–' : `${f.value.toFixed(2)}×`);

function rateText(r: Rate, minCount: number): string {
  if (r.denominator === 0 || r.rate === null) return '–';
  if (r.interval === null) return `${formatPercent(r.rate)}%`;
  if (!r.enoughData) return `n<${minCount}`;
  return `${formatPercent(r.rate)}% (${formatPercent(r.interval.lower)}–${formatPercent(r.interval.upper)})`;
}

export function kpiTable(r: KpiReport): string {
  const cells = (row: KpiRow) => [
    row.key,
    money(row.spend),
    formatCount(row.visitors),
    formatCount(row.leads),
    rateText(row.visitorToLead, r.minCount),
    figureMoney(row.costPerLead),
    formatCount(row.customers),
    rateText(row.leadToCustomer, r.minCount),
    figureMoney(row.cac),
    money(row.revenue),
    times(row.roas),
    times(row.ltvToCac),
  ];
  const header = [
    r.by === 'total' ? '' : r.by,
    'spend',
    'visitors',
    'leads',
    'visitor→lead',
    'cost/lead',
    'customers',
    'lead→customer',
    'CAC',
    'revenue',
    'ROAS',
    'LTV:CAC',
  ];
  const t = r.total;
  const lines = [
    `unit economics of project ${r.project}, ${r.from} to ${r.to}, in ${r.currency ?? 'the data’s currency'} (gross margin ${(r.assumptions.grossMargin * 100).toFixed(0)}%, revenue ${r.assumptions.revenuePeriod === 'once' ? 'one-time' : `per ${r.assumptions.revenuePeriod}`}${r.assumptions.monthlyChurn === null ? '' : `, churn ${(r.assumptions.monthlyChurn * 100).toFixed(1)}%/month`})`,
    '',
    formatTable(header, [...r.rows.map(cells), cells(t)]),
    '',
    `total: CAC ${figureMoney(t.cac)} blended, ${figureMoney(t.paidCac)} paid-only · revenue per customer ${figureMoney(t.revenuePerCustomer)} · ROI ${t.roi.value === null ? '–' : `${formatPercent(t.roi.value)}%`} · LTV ${figureMoney(t.ltv)}${t.ltv.note ? ` (${t.ltv.note})` : ''} · payback ${t.paybackMonths.value === null ? `– (${t.paybackMonths.note})` : `${t.paybackMonths.value.toFixed(1)} months`}`,
    `cost per stage reached: ${t.costPerStage.map((s) => `${s.stage} ${figureMoney(s.cost)} (${formatCount(s.deals)})`).join(' · ')}`,
  ];
  if (r.ltvCohorts.length > 0) {
    const months = Math.max(...r.ltvCohorts.map((c) => c.cumulativeRevenuePerCustomer.length));
    const shown = Math.min(months, 6);
    lines.push('', 'cumulative revenue per customer by acquisition cohort (months since):');
    lines.push(
      formatTable(
        ['cohort', 'customers', ...Array.from({ length: shown }, (_, k) => `m${k}`)],
        r.ltvCohorts.map((c) => [
          c.cohort,
          formatCount(c.customers),
          ...Array.from({ length: shown }, (_, k) => {
            const v = c.cumulativeRevenuePerCustomer[k];
            return v === undefined ? '' : money(v);
          }),
        ]),
      ),
    );
  }
  if (r.funnel) {
    const f = r.funnel;
    const parts = f.breakdown ?? [{ value: 'all', steps: f.steps }];
    lines.push('', `conversion per step (${f.unit}s)${f.breakdown ? ' by breakdown value' : ''}:`);
    lines.push(
      formatTable(
        ['', ...f.steps.slice(1).map((s, k) => `${f.steps[k]?.name} → ${s.name}`)],
        parts.map((p) => [
          Array.isArray(p.value) ? p.value.join(' · ') : p.value || '(none)',
          ...p.steps.slice(1).map((s) => {
            const i = s.conversionFromPreviousInterval;
            const prev = (p.steps[s.index - 1]?.count ?? 0) as number;
            if (s.conversionFromPrevious === null) return '–';
            if (prev < r.minCount) return `n<${r.minCount}`;
            return `${formatPercent(s.conversionFromPrevious)}%${i ? ` (${formatPercent(i.lower)}–${formatPercent(i.upper)})` : ''}`;
          }),
        ]),
      ),
    );
  }
  if (r.benchmarks.length > 0) lines.push('');
  for (const b of r.benchmarks) {
    lines.push(
      `benchmark ${b.name} ${(b.value * 100).toFixed(2)}%: visitor→lead ${b.yours === null ? '–' : `${(b.yours * 100).toFixed(2)}%`}, ${b.verdict}`,
    );
  }
  return lines.join('\n');
}
