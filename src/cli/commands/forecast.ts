import { type ForecastReport, runForecast } from '../../analysis/forecast/run-forecast.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { flagName, forecastSpec } from '../../model/report-requests.js';
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
