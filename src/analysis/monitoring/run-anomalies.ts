/**
 * `funnelscope anomalies` (docs/monitoring.md): a daily series from the store — an event's conversions, leads
 * (deals created), deals won, ad spend, or a funnel's conversion by entry day — judged day by day
 * (src/stats/anomaly.ts). Days are UTC; every day from the first to the last one of the data is in the series
 * (zeros where nothing happened). A funnel's recent entry days whose window is not over yet are left out: their
 * conversions are still coming and would look like a drop.
 */
import type { ColumnCache } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import { type FunnelDefinition, secondsPerUnit } from '../../model/funnel-definition.js';
import {
  type AnomalyOptions,
  cacAnomalies,
  countAnomalies,
  type DayJudgement,
  rateAnomalies,
} from '../../stats/anomaly.js';
import type { Store } from '../../store/store.js';
import { projectEnds } from '../data-end.js';
import { runFunnel } from '../funnel/run-funnel.js';
import { conversionTimes } from '../step-match.js';

export type MonitoredMetric = 'conversions' | 'leads' | 'deals_won' | 'spend' | 'cac' | 'funnel';

export interface AnomaliesSpec {
  project: string;
  metric: MonitoredMetric;
  /** The event `conversions` counts. */
  event: string | null;
  /** The funnel whose conversion (first step to last, by entry day) `funnel` judges. */
  definition: FunnelDefinition | null;
  /** Days shown, the latest last. */
  days: number;
  /**
   * The series' last day (YYYY-MM-DD): days without data up to it count as zeros, so an outage is judged (an alert
   * check passes the day it judges). Default: the data's last whole day (today, still running, is left out).
   */
  through?: string | null;
  options: AnomalyOptions;
}

export interface AnomalyDay extends DayJudgement {
  day: string;
  /** For a rate: entries and conversions of the day; for CAC: spend (trials) and new customers (conversions). */
  trials?: number;
  conversions?: number;
}

export interface AnomaliesReport {
  report: 'anomalies';
  project: string;
  series: string;
  kind: 'count' | 'rate' | 'cac';
  /** Every judged day of the series that is anomalous, the latest first. */
  anomalies: AnomalyDay[];
  /** The last `days` days. */
  days: AnomalyDay[];
  options: AnomalyOptions;
  notes: string[];
  definitions: string;
}

const dayMs = 86_400_000;
const label = (dayIndex: number) => new Date(dayIndex * dayMs).toISOString().slice(0, 10);

/** Totals per UTC day from the first to the last (zeros between). */
function daily(points: readonly { ms: number; value: number }[]): { first: number; values: number[] } {
  if (points.length === 0) return { first: 0, values: [] };
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    const d = Math.floor(p.ms / dayMs);
    if (d < first) first = d;
    if (d > last) last = d;
  }
  const values = new Array<number>(last - first + 1).fill(0);
  for (const p of points) {
    const i = Math.floor(p.ms / dayMs) - first;
    values[i] = (values[i] as number) + p.value;
  }
  return { first, values };
}

/** The series cut or padded with zeros to end on `lastDay` (a day number); unchanged when null. */
function endOn<T>(values: T[], first: number, lastDay: number | null, zero: T): T[] {
  if (lastDay === null) return values;
  const length = Math.max(0, lastDay - first + 1);
  return length <= values.length
    ? values.slice(0, length)
    : [...values, ...new Array<T>(length - values.length).fill(zero)];
}

/** The day a series ends on: `through`, else the data's last day unless that is today (a day still running). */
function lastDayOf(spec: AnomaliesSpec, dataLastDay: number, notes: string[]): number {
  if (spec.through) return Math.floor(Date.parse(`${spec.through}T00:00:00Z`) / dayMs);
  const today = Math.floor(Date.now() / dayMs);
  if (dataLastDay >= today) {
    notes.push('today is left out: it is not over');
    return today - 1;
  }
  return dataLastDay;
}

const weekdays = (first: number, length: number) => Array.from({ length }, (_, i) => (first + i + 4) % 7); // 1970-01-01: Thursday

export async function runAnomalies(
  cache: ColumnCache,
  store: Pick<Store, 'spendAndDeals'>,
  spec: AnomaliesSpec,
): Promise<AnomaliesReport> {
  const notes: string[] = [];
  let series: string;
  let kind: 'count' | 'rate' | 'cac' = 'count';
  let first = 0;
  let judged: DayJudgement[] = [];
  let extra: { trials: number; conversions: number }[] | null = null;
  if (spec.metric === 'funnel') {
    if (!spec.definition) {
      throw new FunnelscopeError('invalid_argument', 'definition: the funnel metric needs a funnel definition', {
        field: 'definition',
      });
    }
    const report = await runFunnel(cache, spec.project, {
      ...spec.definition,
      view: 'trends',
      interval: 'day',
      timezone: 'UTC',
    });
    const points = report.trends ?? [];
    const lastMs = (await projectEnds(cache, spec.project)).span.hi / 1000;
    const windowMs = spec.definition.window.amount * secondsPerUnit[spec.definition.window.unit] * 1000;
    // An entry day is complete when its last moment plus the window is within the data.
    const complete = points.filter((p) => Date.parse(`${p.periodStart}T00:00:00Z`) + dayMs - 1 + windowMs <= lastMs);
    if (complete.length < points.length) {
      notes.push(
        `the last ${points.length - complete.length} entry days are left out: their conversion window is not over`,
      );
    }
    first = complete.length > 0 ? Math.floor(Date.parse(`${complete[0]?.periodStart}T00:00:00Z`) / dayMs) : 0;
    extra = complete.map((p) => ({ trials: p.entered, conversions: p.converted }));
    judged = rateAnomalies(
      complete.map((p) => p.converted),
      complete.map((p) => p.entered),
      spec.options,
    );
    kind = 'rate';
    series = `funnel conversion by entry day (${report.steps[0]?.name ?? 'step 1'} → ${report.steps[report.steps.length - 1]?.name ?? ''})`;
  } else if (spec.metric === 'cac') {
    // Spend and new customers (won deals by their close day) on the same days.
    const inputs = await store.spendAndDeals(spec.project);
    const points = [
      ...inputs.spend.map((s) => ({ ms: s.date.getTime(), value: 0 })),
      ...inputs.deals.flatMap((d) =>
        d.status === 'won' && d.closedAt ? [{ ms: d.closedAt.getTime(), value: 0 }] : [],
      ),
    ];
    if (inputs.spend.length === 0) {
      throw new FunnelscopeError('invalid_argument', `metric: no spend in project ${spec.project}`, {
        field: 'metric',
      });
    }
    const days = daily(points);
    const lastDay = lastDayOf(spec, days.first + days.values.length - 1, notes);
    const length = Math.max(0, lastDay - days.first + 1);
    const spend = new Array<number>(length).fill(0);
    const customers = new Array<number>(length).fill(0);
    for (const s of inputs.spend) {
      const i = Math.floor(s.date.getTime() / dayMs) - days.first;
      if (i < length) spend[i] = (spend[i] as number) + s.cost;
    }
    for (const d of inputs.deals) {
      if (d.status !== 'won' || !d.closedAt) continue;
      const i = Math.floor(d.closedAt.getTime() / dayMs) - days.first;
      if (i < length) customers[i] = (customers[i] as number) + 1;
    }
    first = days.first;
    extra = spend.map((s, i) => ({ trials: s, conversions: customers[i] as number }));
    judged = cacAnomalies(spend, customers, spec.options);
    kind = 'cac';
    series = 'CAC per day (spend ÷ new customers)';
  } else {
    const points: { ms: number; value: number }[] = [];
    if (spec.metric === 'conversions') {
      for (const ms of (await conversionTimes(cache, spec.project, spec.event)).times) points.push({ ms, value: 1 });
      series = `conversions (${spec.event}) per day`;
    } else {
      const inputs = await store.spendAndDeals(spec.project);
      if (spec.metric === 'spend') {
        for (const s of inputs.spend) points.push({ ms: s.date.getTime(), value: s.cost });
        const currencies = new Set(inputs.spend.map((s) => s.currency ?? ''));
        if (currencies.size > 1) notes.push(`spend is summed over ${currencies.size} currencies as they are`);
        series = 'ad spend per day';
      } else if (spec.metric === 'leads') {
        for (const d of inputs.deals) if (d.createdAt) points.push({ ms: d.createdAt.getTime(), value: 1 });
        series = 'leads (deals created) per day';
      } else {
        for (const d of inputs.deals) {
          if (d.status === 'won' && d.closedAt) points.push({ ms: d.closedAt.getTime(), value: 1 });
        }
        series = 'deals won per day';
      }
    }
    if (points.length === 0) {
      throw new FunnelscopeError(
        'invalid_argument',
        `metric: no ${spec.metric.replace('_', ' ')} in project ${spec.project}`,
        {
          field: 'metric',
        },
      );
    }
    const d = daily(points);
    first = d.first;
    const values = endOn(d.values, d.first, lastDayOf(spec, d.first + d.values.length - 1, notes), 0);
    judged = countAnomalies(values, weekdays(d.first, values.length), spec.options);
  }
  const days: AnomalyDay[] = judged.map((j, i) => ({
    day: label(first + i),
    ...j,
    ...(extra ? extra[i] : {}),
  }));
  return {
    report: 'anomalies',
    project: spec.project,
    series,
    kind,
    anomalies: days.filter((d) => d.anomaly !== null).reverse(),
    days: days.slice(-spec.days),
    options: spec.options,
    notes,
    definitions: 'docs/monitoring.md',
  };
}
