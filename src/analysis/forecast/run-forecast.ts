/**
 * `funnelscope forecast` (docs/forecasting.md): a business series by month or week from the store — revenue and
 * deals won (by the day a deal was won: its closed_at, else when it entered a won stage), leads (deals by creation
 * day), or conversions (events of a name) — its ETS forecast with 80% and 95% intervals next to the seasonal naive
 * and drift baselines, and a rolling-origin backtest. The period the data ends in is left out when it is not over.
 */
import type { ColumnCache } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { Store } from '../../store/store.js';
import { currencyConverter } from '../kpi/run-kpi.js';
import { dealHistories, terminalStage } from '../pipeline/run-pipeline.js';
import { conversionTimes } from '../step-match.js';
import { type Backtest, backtest, forecastSeries } from './backtest.js';

export type ForecastMetric = 'revenue' | 'deals_won' | 'leads' | 'conversions';

export interface ForecastSpec {
  project: string;
  metric: ForecastMetric;
  /** The event counted by `conversions`. */
  event?: string | null;
  by: 'month' | 'week';
  horizon: number;
  /** Backtest origins (0: none). */
  backtest: number;
  currency?: string;
  rates?: Readonly<Record<string, number>>;
}

export interface ForecastReport {
  report: 'forecast';
  project: string;
  metric: string;
  by: 'month' | 'week';
  currency: string | null;
  history: { period: string; value: number }[];
  model: string | null;
  forecast: { period: string; value: number; lower80: number; upper80: number; lower95: number; upper95: number }[];
  baselines: { 'seasonal naive': number[]; drift: number[] };
  candidates: { model: string; aicc: number }[];
  backtest: Backtest | null;
  notes: string[];
  definitions: string;
}

const dayMs = 86_400_000;

/** The start (UTC ms) of the period holding `ms`: the month's first day, or the Monday of the week. */
function periodStart(ms: number, by: 'month' | 'week'): number {
  const d = new Date(ms);
  if (by === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Math.floor(ms / dayMs);
  // 1970-01-01 was a Thursday: Monday-based weeks start 3 days before it.
  return (day - ((day + 3) % 7)) * dayMs;
}

function nextPeriod(ms: number, by: 'month' | 'week'): number {
  if (by === 'week') return ms + 7 * dayMs;
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

const label = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function runForecast(
  cache: ColumnCache,
  store: Pick<Store, 'spendAndDeals'>,
  spec: ForecastSpec,
): Promise<ForecastReport> {
  const points: { ms: number; value: number }[] = [];
  let currency: string | null = null;
  let lastMs = Number.NEGATIVE_INFINITY;
  if (spec.metric === 'conversions') {
    const conversions = await conversionTimes(cache, spec.project, spec.event);
    lastMs = conversions.lastMs;
    for (const ms of conversions.times) points.push({ ms, value: 1 });
  } else {
    const inputs = await store.spendAndDeals(spec.project);
    const converter = currencyConverter(inputs, spec);
    currency = spec.metric === 'revenue' ? converter.currency : null;
    const histories = dealHistories(inputs);
    for (const d of inputs.deals) {
      const created = d.createdAt?.getTime();
      if (created !== undefined) lastMs = Math.max(lastMs, created);
      if (spec.metric === 'leads') {
        if (created !== undefined) points.push({ ms: created, value: 1 });
        continue;
      }
      const wonChange = (histories.get(d.dealId) ?? []).find((c) => terminalStage(c.stage) === 'won');
      const won = d.status === 'won' ? (d.closedAt?.getTime() ?? wonChange?.enteredAt.getTime()) : undefined;
      if (won === undefined) continue;
      lastMs = Math.max(lastMs, won);
      points.push({
        ms: won,
        value: spec.metric === 'revenue' ? (d.amount === null ? 0 : converter.convert(d.amount, d.currency)) : 1,
      });
    }
    for (const c of inputs.stageChanges) lastMs = Math.max(lastMs, c.enteredAt.getTime());
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
  // Every period from the first to the last one that is over (zeros where nothing happened).
  // A loop, not Math.min(...): a spread of hundreds of thousands of arguments overflows the stack.
  let earliest = Number.POSITIVE_INFINITY;
  for (const p of points) earliest = Math.min(earliest, p.ms);
  const first = periodStart(earliest, spec.by);
  const totals = new Map<number, number>();
  for (const p of points) {
    const k = periodStart(p.ms, spec.by);
    totals.set(k, (totals.get(k) ?? 0) + p.value);
  }
  const history: { period: string; value: number }[] = [];
  const notes: string[] = [];
  // The data covers the whole day of its last record: a period is over when it ends by then.
  const covered = (Math.floor(lastMs / dayMs) + 1) * dayMs;
  let ms = first;
  while (nextPeriod(ms, spec.by) <= covered) {
    history.push({ period: label(ms), value: totals.get(ms) ?? 0 });
    ms = nextPeriod(ms, spec.by);
  }
  if (ms < covered) notes.push(`the period from ${label(ms)} is not over and is left out`);
  const period = spec.by === 'month' ? 12 : 52;
  const y = history.map((h) => h.value);
  const result = y.length >= 4 ? forecastSeries(y, period, spec.horizon) : null;
  if (!result) notes.push(`${y.length} periods: too few to forecast`);
  // A count or an amount cannot fall below zero: the intervals stop there.
  const floor = y.every((v) => v >= 0) ? 0 : Number.NEGATIVE_INFINITY;
  const forecast = (result?.points ?? []).map((value, i) => {
    let start = first;
    for (let k = 0; k < y.length + i; k += 1) start = nextPeriod(start, spec.by);
    const band = (level: number) => result?.intervals.find((b) => b.level === level);
    return {
      period: label(start),
      value,
      lower80: Math.max(floor, band(0.8)?.lower[i] as number),
      upper80: band(0.8)?.upper[i] as number,
      lower95: Math.max(floor, band(0.95)?.lower[i] as number),
      upper95: band(0.95)?.upper[i] as number,
    };
  });
  // Each origin keeps at least 8 periods to fit on (seasonal models only where two seasons and more are left).
  const origins = Math.min(spec.backtest, Math.max(0, y.length - 8));
  if (spec.backtest > 0 && origins < spec.backtest) {
    notes.push(`backtest over ${origins} origins: the series is too short for ${spec.backtest}`);
  }
  return {
    report: 'forecast',
    project: spec.project,
    metric: spec.metric === 'conversions' ? `conversions (${spec.event})` : spec.metric,
    by: spec.by,
    currency,
    history,
    model: result?.model ?? null,
    forecast,
    baselines: result?.baselines ?? { 'seasonal naive': [], drift: [] },
    candidates: result?.candidates ?? [],
    backtest: origins > 0 ? backtest(y, period, spec.horizon, origins) : null,
    notes,
    definitions: 'docs/forecasting.md',
  };
}
