import type { Store } from '../../store/store.js';
import { currencyConverter } from '../kpi/run-kpi.js';
import { dealHistories } from '../pipeline/run-pipeline.js';
import {
  backtestPipeline,
  forecastPipeline,
  type PipelineBacktest,
  type PipelineForecast,
} from './pipeline-forecast.js';

export interface PipelineForecastSpec {
  project: string;
  /** "Now": the end of this UTC day (default: the last stage change or deal date in the store). */
  asOf?: string | null;
  months: number;
  simulations: number;
  seed: number;
  backtest: number;
  currency?: string;
  rates?: Readonly<Record<string, number>>;
}

export interface PipelineForecastReport extends PipelineForecast {
  report: 'pipeline-forecast';
  project: string;
  currency: string | null;
  backtest: PipelineBacktest | null;
  definitions: string;
}

/** `funnelscope forecast pipeline` (docs/forecasting.md) from the store's deals and stage histories. */
export async function runPipelineForecast(
  store: Pick<Store, 'spendAndDeals'>,
  spec: PipelineForecastSpec,
): Promise<PipelineForecastReport> {
  const inputs = await store.spendAndDeals(spec.project);
  const { currency, convert } = currencyConverter(inputs, spec);
  const histories = dealHistories(inputs);
  let latest = 0;
  for (const c of inputs.stageChanges) latest = Math.max(latest, c.enteredAt.getTime());
  for (const d of inputs.deals) latest = Math.max(latest, d.createdAt?.getTime() ?? 0, d.closedAt?.getTime() ?? 0);
  const asOfMs = spec.asOf ? Date.parse(`${spec.asOf}T23:59:59.999Z`) : latest;
  const options = {
    asOfMs,
    months: spec.months,
    simulations: spec.simulations,
    seed: spec.seed,
    amountOf: (d: { amount: number | null; currency: string | null }) =>
      d.amount === null ? 0 : convert(d.amount, d.currency),
  };
  const forecast = forecastPipeline(inputs.deals, histories, options);
  return {
    report: 'pipeline-forecast',
    project: spec.project,
    currency,
    ...forecast,
    backtest:
      spec.backtest > 0 ? backtestPipeline(inputs.deals, histories, { ...options, origins: spec.backtest }) : null,
    definitions: 'docs/forecasting.md',
  };
}
