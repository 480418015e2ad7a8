import { type ForecastReport, runForecast } from '../../analysis/forecast/run-forecast.js';
import { runPipelineForecast } from '../../analysis/forecast/run-pipeline-forecast.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { flagName, forecastSpec, pipelineForecastSpec } from '../../model/report-requests.js';
import { withStore } from '../open-store.js';
import { formatTable, type Output } from '../output.js';
import { readPairs } from './kpi.js';

export interface ForecastCommandOptions {
  metric?: string;
  event?: string;
  by?: string;
  horizon?: string;
  backtest?: string;
  currency?: string;
  rates?: string;
  format?: 'table' | 'json';
}

/** `funnelscope forecast --metric revenue|deals_won|leads|conversions` (docs/forecasting.md). */
export async function forecastCommand(config: Config, options: ForecastCommandOptions, output: Output) {
  const spec = forecastSpec(
    config.project,
    { ...options, rates: options.rates ? Object.fromEntries(readPairs(options.rates, '--rates')) : undefined },
    flagName,
  );
  const report = await withStore(config, (store) => runForecast(new ColumnCache(store), store, spec));
  output.out((options.format ?? 'table') === 'json' ? JSON.stringify(report, null, 2) : forecastTable(report));
  return 0;
}

const num = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US');
const pct = (x: number | null) => (x === null ? '–' : `${x.toFixed(2)}%`);

export function forecastTable(r: ForecastReport): string {
  const lines = [
    `Forecast of ${r.metric} by ${r.by}${r.currency ? ` (${r.currency})` : ''}: ${r.model ?? 'no model'} over ${r.history.length} periods`,
  ];
  if (r.forecast.length > 0) {
    lines.push(
      formatTable(
        ['period', 'forecast', '80%', '95%'],
        r.forecast.map((f) => [
          f.period,
          num(f.value),
          `${num(f.lower80)} – ${num(f.upper80)}`,
          `${num(f.lower95)} – ${num(f.upper95)}`,
        ]),
      ),
    );
  }
  if (r.backtest) {
    lines.push(
      `Backtest: ${r.backtest.origins} rolling origins, ${r.backtest.horizon} periods ahead; interval coverage ${r.backtest.coverage.map((c) => `${Math.round(c.level * 100)}%: ${(c.share * 100).toFixed(0)}%`).join(', ')}`,
      formatTable(
        ['model', 'MAPE', 'sMAPE', 'MASE'],
        r.backtest.models.map((m) => [
          m.model,
          pct(m.accuracy.mape),
          pct(m.accuracy.smape),
          m.accuracy.mase === null ? '–' : m.accuracy.mase.toFixed(3),
        ]),
      ),
    );
  }
  lines.push(...r.notes.map((n) => `Note: ${n}.`));
  return lines.join('\n');
}

export interface PipelineForecastOptions {
  asOf?: string;
  months?: string;
  simulations?: string;
  seed?: string;
  backtest?: string;
  currency?: string;
  rates?: string;
  format?: 'table' | 'json';
}

/** `funnelscope forecast pipeline`: what the open deals will bring in per month (docs/forecasting.md). */
export async function pipelineForecastCommand(config: Config, options: PipelineForecastOptions, output: Output) {
  const spec = pipelineForecastSpec(
    config.project,
    { ...options, rates: options.rates ? Object.fromEntries(readPairs(options.rates, '--rates')) : undefined },
    flagName,
  );
  const report = await withStore(config, (store) => runPipelineForecast(store, spec));
  if ((options.format ?? 'table') === 'json') {
    output.out(JSON.stringify(report, null, 2));
    return 0;
  }
  const lines = [
    `Pipeline forecast as of ${report.asOf}: ${report.openDeals.toLocaleString('en-US')} open deals${report.currency ? ` (${report.currency})` : ''}; weighted pipeline ${num(report.weightedPipeline)}`,
    formatTable(
      ['month', 'P10', 'P50', 'P90', 'mean'],
      [
        ...report.months.map((m) => [m.month, num(m.p10), num(m.p50), num(m.p90), num(m.mean)]),
        ['all', num(report.total.p10), num(report.total.p50), num(report.total.p90), num(report.total.mean)],
      ],
    ),
  ];
  if (report.withoutHistory > 0) {
    lines.push(`${report.withoutHistory} open deals have no comparable history (counted as not won).`);
  }
  if (report.backtest && report.backtest.origins.length > 0) {
    const b = report.backtest;
    lines.push(
      `Backtest, the next month as of ${b.origins.length} past month starts: actual within P10–P90 ${((b.coverage ?? 0) * 100).toFixed(0)}% of the time; mean absolute error P50 ${num(b.p50Error)}, weighted pipeline ${num(b.weightedError)}`,
      formatTable(
        ['as of', 'P10', 'P50', 'P90', 'weighted', 'actual'],
        b.origins.map((o) => [o.asOf, num(o.p10), num(o.p50), num(o.p90), num(o.weighted), num(o.actual)]),
      ),
    );
  }
  output.out(lines.join('\n'));
  return 0;
}
