import type { AttributionModel } from '../../analysis/attribution/attribute.js';
import { type AttributionReport, runAttribution } from '../../analysis/attribution/run-attribution.js';
import type { Config } from '../../config.js';
import { ColumnCache } from '../../engine/column-cache.js';
import { attributionSpec, flagName } from '../../model/report-requests.js';
import { withStore } from '../open-store.js';
import { formatCount, formatPercent, formatTable, type Output } from '../output.js';
import { readPairs } from './kpi.js';

export interface AttributionCommandOptions {
  conversion?: string;
  lookback?: string;
  sessionGap?: string;
  from?: string;
  to?: string;
  halfLife?: string;
  positionBased?: string;
  markovOrder?: string;
  bootstrap?: string;
  seed?: string;
  currency?: string;
  rates?: string;
  format?: 'table' | 'json';
}

/** `funnelscope attribution --conversion EVENT|deal_won`: every model side by side (docs/attribution.md). */
export async function attributionCommand(
  config: Config,
  options: AttributionCommandOptions,
  output: Output,
): Promise<number> {
  const spec = attributionSpec(
    config.project,
    { ...options, rates: options.rates ? Object.fromEntries(readPairs(options.rates, '--rates')) : undefined },
    flagName,
  );
  const report = await withStore(config, (store) => runAttribution(new ColumnCache(store), store, spec));
  output.out((options.format ?? 'table') === 'json' ? JSON.stringify(report, null, 2) : attributionTable(report));
  return 0;
}

const short: Record<AttributionModel, string> = {
  first_touch: 'first',
  last_touch: 'last',
  last_non_direct: 'last non-direct',
  linear: 'linear',
  time_decay: 'time decay',
  position_based: 'position',
  markov: 'markov',
  shapley: 'shapley',
};

const one = (x: number) => x.toFixed(1);
const money = (x: number) => formatCount(Math.round(x));
const times = (x: number | null) => (x === null ? '–' : `${x.toFixed(2)}×`);

export function attributionTable(r: AttributionReport): string {
  const t = r.totals;
  const lines = [
    `Attribution of ${formatCount(t.conversions)} ${r.conversion} conversions (${money(t.revenue)}${r.currency ? ` ${r.currency}` : ''} revenue), ${r.from} … ${r.to}; lookback ${r.settings.lookbackDays} days, sessions end after ${r.settings.sessionGapMinutes} minutes idle; ${formatCount(t.withoutTouchpoint)} without a touchpoint`,
    '',
    'Conversions credited (95% bootstrap interval under linear):',
    formatTable(
      ['channel', ...r.models.map((m) => short[m]), 'linear 95%'],
      r.channels.map((c) => [
        c.channel,
        ...r.models.map((m) => one(c.credits[m].conversions)),
        c.credits.linear.conversionsInterval
          ? `${one(c.credits.linear.conversionsInterval.lower)}–${one(c.credits.linear.conversionsInterval.upper)}`
          : '–',
      ]),
    ),
    '',
    'ROAS (credited revenue ÷ spend):',
    formatTable(
      ['channel', 'spend', ...r.models.map((m) => short[m])],
      r.channels
        .filter((c) => c.spend > 0)
        .map((c) => [c.channel, money(c.spend), ...r.models.map((m) => times(c.credits[m].roas))]),
    ),
    '',
    `Markov (order ${r.settings.markovOrder}): conversion probability ${formatPercent(t.markovConversionProbability)}%; removal effects ${r.channels
      .filter((c) => c.removalEffect !== null)
      .map((c) => `${c.channel} ${formatPercent(c.removalEffect as number)}%`)
      .join(', ')}`,
    `Cross-device: ${formatCount(r.crossDevice.multiDevice)} conversions (${r.crossDevice.share === null ? '–' : `${formatPercent(r.crossDevice.share)}%`}) span more than one device`,
    ...r.notes,
  ];
  return lines.join('\n');
}
