/**
 * The pipeline forecast (docs/forecasting.md): what the open deals will bring in, month by month, as of a day.
 *
 * For an open deal in stage S for a days, the history answers two questions, from the deals that were in S for a
 * days without closing before the day: what share of them were won (its chance), and how long after that they took
 * to win (its time to close, drawn from those waits). A Monte Carlo run (seeded) wins each deal with its chance,
 * closes it a drawn wait later, and sums the amounts per calendar month; the report gives P10, P50, P90 per month and
 * for the horizon, next to the classic weighted pipeline (amount × the stage's win rate, age aside). Replaying the
 * history — the same forecast as of earlier month starts, against what was won in the next month — backtests it.
 * Pure.
 */
import type { DealRecord, StageChange } from '../../model/deals.js';
import { quantileSorted } from '../../stats/quantiles.js';
import { mulberry32 } from '../../stats/random.js';
import { terminalStage, wonAt } from '../pipeline/run-pipeline.js';

export interface PipelineForecastOptions {
  asOfMs: number;
  months: number;
  simulations: number;
  seed: number;
  /** Converts a deal's amount into the report's currency. */
  amountOf: (deal: DealRecord) => number;
}

export interface MonthForecast {
  month: string;
  p10: number;
  p50: number;
  p90: number;
  mean: number;
}

export interface PipelineForecast {
  asOf: string;
  openDeals: number;
  /** Σ amount × P(won | stage), the stage's share of won deals among those that entered it and closed. */
  weightedPipeline: number;
  months: MonthForecast[];
  total: Omit<MonthForecast, 'month'>;
  /** Open deals with no comparable history (their stage never seen closing at their age): counted as not won. */
  withoutHistory: number;
}

interface Stay {
  stage: string;
  enteredMs: number;
  /** When the deal won (ms) or null; when it closed either way (ms) or null while open at the cut. */
  wonMs: number | null;
  closedMs: number | null;
}

/** Each deal's stays in open stages, as known at `asOfMs` (later changes and outcomes unknown). */
function staysAsOf(
  deals: readonly DealRecord[],
  histories: Map<string, StageChange[]>,
  asOfMs: number,
): { stays: Stay[]; open: { deal: DealRecord; stage: string; enteredMs: number }[] } {
  const stays: Stay[] = [];
  const open: { deal: DealRecord; stage: string; enteredMs: number }[] = [];
  for (const deal of deals) {
    const history = (histories.get(deal.dealId) ?? []).filter((c) => c.enteredAt.getTime() <= asOfMs);
    if (history.length === 0) continue;
    const won = wonAt(deal, histories.get(deal.dealId));
    const lostChange = histories.get(deal.dealId)?.find((c) => terminalStage(c.stage) === 'lost');
    const lost = deal.status === 'lost' ? (deal.closedAt ?? lostChange?.enteredAt ?? null) : null;
    const wonMs = deal.status === 'won' && won && won.getTime() <= asOfMs ? won.getTime() : null;
    const lostMs = lost && lost.getTime() <= asOfMs ? lost.getTime() : null;
    const closedMs = wonMs ?? lostMs;
    for (const change of history) {
      if (terminalStage(change.stage)) continue;
      stays.push({ stage: change.stage, enteredMs: change.enteredAt.getTime(), wonMs, closedMs });
    }
    const current = history[history.length - 1] as StageChange;
    if (closedMs === null && !terminalStage(current.stage)) {
      open.push({ deal, stage: current.stage, enteredMs: current.enteredAt.getTime() });
    }
  }
  return { stays, open };
}

const monthStart = (ms: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};
const addMonths = (ms: number, k: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, 1);
};

export function forecastPipeline(
  deals: readonly DealRecord[],
  histories: Map<string, StageChange[]>,
  options: PipelineForecastOptions,
): PipelineForecast {
  const { stays, open } = staysAsOf(deals, histories, options.asOfMs);
  // Closed stays by stage: their age at closing relative to entering the stage, and whether won.
  const closedByStage = new Map<string, { ageAtClose: number; wonAfter: number | null }[]>();
  for (const s of stays) {
    if (s.closedMs === null) continue;
    const list = closedByStage.get(s.stage) ?? [];
    list.push({ ageAtClose: s.closedMs - s.enteredMs, wonAfter: s.wonMs === null ? null : s.wonMs - s.enteredMs });
    closedByStage.set(s.stage, list);
  }
  let weightedPipeline = 0;
  let withoutHistory = 0;
  const first = monthStart(options.asOfMs);
  const plans = open.map(({ deal, stage, enteredMs }) => {
    const age = options.asOfMs - enteredMs;
    const closed = closedByStage.get(stage) ?? [];
    const stageWon = closed.filter((c) => c.wonAfter !== null).length;
    weightedPipeline += closed.length > 0 ? (options.amountOf(deal) * stageWon) / closed.length : 0;
    // Comparable history: stays in this stage that were still open at this age.
    const comparable = closed.filter((c) => c.ageAtClose >= age);
    const waits = comparable.filter((c) => c.wonAfter !== null).map((c) => (c.wonAfter as number) - age);
    if (comparable.length === 0) withoutHistory += 1;
    return {
      amount: options.amountOf(deal),
      chance: comparable.length > 0 ? waits.length / comparable.length : 0,
      waits,
    };
  });
  const random = mulberry32(options.seed);
  const perMonth = Array.from({ length: options.months }, () => new Float64Array(options.simulations));
  const totals = new Float64Array(options.simulations);
  const horizonEnd = addMonths(first, options.months);
  for (let r = 0; r < options.simulations; r += 1) {
    for (const plan of plans) {
      if (plan.waits.length === 0 || random() >= plan.chance) continue;
      const wait = plan.waits[Math.floor(random() * plan.waits.length)] as number;
      const at = options.asOfMs + Math.max(0, wait);
      if (at >= horizonEnd) continue;
      const d = new Date(at);
      const k =
        (d.getUTCFullYear() - new Date(first).getUTCFullYear()) * 12 + d.getUTCMonth() - new Date(first).getUTCMonth();
      (perMonth[k] as Float64Array)[r] = ((perMonth[k] as Float64Array)[r] as number) + plan.amount;
      totals[r] = (totals[r] as number) + plan.amount;
    }
  }
  const summary = (values: Float64Array) => {
    const sorted = values.slice().sort();
    return {
      p10: quantileSorted(sorted, 0.1) ?? 0,
      p50: quantileSorted(sorted, 0.5) ?? 0,
      p90: quantileSorted(sorted, 0.9) ?? 0,
      mean: values.reduce((a, b) => a + b, 0) / values.length,
    };
  };
  return {
    asOf: new Date(options.asOfMs).toISOString().slice(0, 10),
    openDeals: open.length,
    weightedPipeline,
    months: perMonth.map((values, k) => ({
      month: new Date(addMonths(first, k)).toISOString().slice(0, 7),
      ...summary(values),
    })),
    total: summary(totals),
    withoutHistory,
  };
}

/** The amount won in [fromMs, toMs) by the deals open at `asOfMs` (what the pipeline forecast forecasts). */
export function wonFromPipeline(
  deals: readonly DealRecord[],
  histories: Map<string, StageChange[]>,
  asOfMs: number,
  fromMs: number,
  toMs: number,
  amountOf: (deal: DealRecord) => number,
): number {
  const { open } = staysAsOf(deals, histories, asOfMs);
  let total = 0;
  for (const { deal } of open) {
    if (deal.status !== 'won') continue;
    const won = wonAt(deal, histories.get(deal.dealId))?.getTime();
    if (won !== undefined && won >= fromMs && won < toMs) total += amountOf(deal);
  }
  return total;
}

export interface PipelineBacktest {
  origins: {
    asOf: string;
    month: string;
    p10: number;
    p50: number;
    p90: number;
    weighted: number;
    actual: number;
  }[];
  /** Share of origins whose actual fell between P10 and P90 (80% expected). */
  coverage: number | null;
  /** Mean absolute error of P50 and of the weighted pipeline against the actual, in the report's currency. */
  p50Error: number | null;
  weightedError: number | null;
}

/**
 * Replays the history: as of each of the last `origins` month starts before `asOfMs`, the forecast of the next month
 * against what the deals open then actually won in it. (The weighted pipeline has no month: it is set against the
 * same month's actual as the usual reading of it.)
 */
export function backtestPipeline(
  deals: readonly DealRecord[],
  histories: Map<string, StageChange[]>,
  options: PipelineForecastOptions & { origins: number },
): PipelineBacktest {
  const rows: PipelineBacktest['origins'] = [];
  const last = monthStart(options.asOfMs);
  for (let k = options.origins; k >= 1; k -= 1) {
    const asOf = addMonths(last, -k);
    const next = addMonths(asOf, 1);
    const forecast = forecastPipeline(deals, histories, { ...options, asOfMs: asOf, months: 1 });
    const month = forecast.months[0];
    if (!month || forecast.openDeals === 0) continue;
    rows.push({
      asOf: new Date(asOf).toISOString().slice(0, 10),
      month: month.month,
      p10: month.p10,
      p50: month.p50,
      p90: month.p90,
      weighted: forecast.weightedPipeline,
      actual: wonFromPipeline(deals, histories, asOf, asOf, next, options.amountOf),
    });
  }
  const n = rows.length;
  return {
    origins: rows,
    coverage: n > 0 ? rows.filter((r) => r.actual >= r.p10 && r.actual <= r.p90).length / n : null,
    p50Error: n > 0 ? rows.reduce((s, r) => s + Math.abs(r.p50 - r.actual), 0) / n : null,
    weightedError: n > 0 ? rows.reduce((s, r) => s + Math.abs(r.weighted - r.actual), 0) / n : null,
  };
}
