/**
 * The attribution report (docs/attribution.md): which channels earned the conversions and the revenue, by every
 * model side by side, with ROAS and CAC per channel under each, and what stitching devices changes. Reads the
 * column cache (events of persons after identity merges, deal stage changes as `$deal_stage` events) and the
 * store's spend and deals; the models themselves are pure (attribute.ts).
 */
import { type ColumnCache, personBatches } from '../../engine/column-cache.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { DictionaryColumn, EventValueSource } from '../../store/event-columns.js';
import type { Store } from '../../store/store.js';
import { utcDayMs } from '../calendar.js';
import { dateRange } from '../funnel/run-funnel.js';
import { currencyConverter } from '../kpi/run-kpi.js';
import { terminalStage } from '../pipeline/run-pipeline.js';
import { type AttributionModel, type AttributionResult, attribute, attributionModels } from './attribute.js';
import {
  buildJourneys,
  JourneyCollector,
  multiDeviceConversions,
  type Touches,
  touchpointsOf,
  unstitched,
} from './journeys.js';
import { type RuleModel, ruleModels } from './rule-models.js';

export interface AttributionSpec {
  project: string;
  /** An event name, or every deal's first entry into a won stage. */
  conversion: { kind: 'event'; event: string } | { kind: 'deal_won' };
  lookbackDays: number;
  sessionGapMinutes: number;
  /** Conversions (and spend) from this UTC day to that one, inclusive; default: the data's first and last day. */
  from?: string | null;
  to?: string | null;
  halfLifeDays: number;
  positionFirst: number;
  positionLast: number;
  markovOrder: number;
  bootstrap: number;
  seed: number;
  currency?: string;
  rates?: Readonly<Record<string, number>>;
}

export interface Credit {
  conversions: number;
  /** 95% bootstrap interval of the conversion credit; null without a bootstrap. */
  conversionsInterval: { lower: number; upper: number } | null;
  revenue: number;
  /** Credited revenue ÷ spend; null without spend. */
  roas: number | null;
  /** Spend ÷ credited conversions; null without spend or credit. */
  cac: number | null;
}

export interface AttributionChannelRow {
  channel: string;
  spend: number;
  /** Touchpoints (sessions) of the channel in the conversions' journeys, once per journey they are in. */
  touchpoints: number;
  credits: Record<AttributionModel, Credit>;
  /** Markov removal effect and Shapley value (null for "(no touchpoint)", and Shapley for folded channels). */
  removalEffect: number | null;
  shapleyValue: number | null;
}

export interface AttributionReport {
  report: 'attribution';
  project: string;
  conversion: string;
  from: string;
  to: string;
  currency: string | null;
  settings: {
    lookbackDays: number;
    sessionGapMinutes: number;
    halfLifeDays: number;
    positionBased: { first: number; middle: number; last: number };
    markovOrder: number;
    bootstrap: number;
    seed: number;
  };
  models: readonly AttributionModel[];
  totals: {
    conversions: number;
    revenue: number;
    /** Conversions with no touchpoint in their lookback (credited to "(no touchpoint)" by every model). */
    withoutTouchpoint: number;
    journeysWithoutConversion: number;
    touchpoints: number;
    spend: number;
    markovConversionProbability: number;
  };
  channels: AttributionChannelRow[];
  campaigns: {
    channel: string;
    campaign: string | null;
    credits: Record<RuleModel, { conversions: number; revenue: number }>;
  }[];
  crossDevice: {
    /** Conversions whose touchpoints and conversion span more than one device (anonymous id, else distinct id). */
    multiDevice: number;
    share: number | null;
    /** Per channel and model: credited conversions with devices not stitched, and the change stitching makes. */
    channels: {
      channel: string;
      unstitched: Record<AttributionModel, number>;
      shift: Record<AttributionModel, number>;
    }[];
  };
  notes: string[];
  definitions: string;
  stats: { events: number; persons: number; elapsedMs: number };
}

export const noTouchpoint = '(no touchpoint)';

/**
 * Touchpoints per loaded channel column (a new load of the columns is a new object) and session gap, and the device
 * codes per loaded id columns.
 */
const touchpointCache = new WeakMap<object, Map<number, { touches: Touches; touchStarts: Int32Array }>>();
const deviceCache = new WeakMap<object, Int32Array>();

/**
 * The device of each row: its anonymous id (the browser's), else its distinct id (codes of the two dictionaries kept
 * apart: an id that is both is the same browser only through its anonymous id, which such rows carry).
 */
function devicesOf(anonymousId: DictionaryColumn, distinctId: DictionaryColumn, rows: number): Int32Array {
  const cached = deviceCache.get(anonymousId);
  if (cached && cached.length === rows) return cached;
  const device = new Int32Array(rows);
  const anonymousCount = anonymousId.values.length;
  for (let r = 0; r < rows; r += 1) {
    const a = anonymousId.codes[r] as number;
    const d = distinctId.codes[r] as number;
    device[r] = a !== 0 ? a : d !== 0 ? anonymousCount + d : 0;
  }
  deviceCache.set(anonymousId, device);
  return device;
}

/** The report from the column cache and the store's spend and deals. */
export async function runAttribution(
  cache: ColumnCache,
  store: Pick<Store, 'spendAndDeals'>,
  spec: AttributionSpec,
): Promise<AttributionReport> {
  const started = performance.now();
  const stored = {
    channel: { kind: 'column', column: 'channel' },
    campaign: { kind: 'column', column: 'utm_campaign' },
    distinctId: { kind: 'column', column: 'distinct_id' },
    anonymousId: { kind: 'column', column: 'anonymous_id' },
    revenue: { kind: 'event', property: 'revenue' },
    stage: { kind: 'event', property: 'stage' },
    dealId: { kind: 'event', property: 'deal_id' },
  } as const satisfies Record<string, EventValueSource>;
  const byEvent = spec.conversion.kind === 'event';
  const { span, eventNames, batches } = await personBatches(cache, spec.project, {
    eventValues: [
      stored.channel,
      stored.campaign,
      stored.distinctId,
      stored.anonymousId,
      ...(byEvent ? [stored.revenue] : [stored.stage, stored.dealId]),
    ],
    personValues: [],
  });
  const inputs = await store.spendAndDeals(spec.project);
  const { currency, convert } = currencyConverter(inputs, spec);

  const conversionLabel = spec.conversion.kind === 'event' ? spec.conversion.event : 'deal_won';
  const conversionCode = eventNames.indexOf(byEvent ? conversionLabel : '$deal_stage');
  if (byEvent && conversionCode < 0) {
    throw new FunnelscopeError(
      'invalid_argument',
      `conversion: no event named "${conversionLabel}" in project ${spec.project}`,
      {
        field: 'conversion',
      },
    );
  }
  const dayUs = 86_400_000_000;
  // The data's first and last day where the request names none (the funnel reports' rule, in UTC).
  const { dateFrom: from, dateTo: to } = dateRange(
    { dateFrom: spec.from ?? null, dateTo: spec.to ?? null, timezone: 'UTC' },
    { span },
  );
  const fromUs = utcDayMs(from, 'from') * 1000;
  const toUs = utcDayMs(to, 'to') * 1000 + dayUs;
  if (toUs <= fromUs) {
    throw new FunnelscopeError('invalid_argument', `to: ${to} is before from: ${from}`, { field: 'to' });
  }
  const amounts = new Map(inputs.deals.map((d) => [d.dealId, d.amount === null ? 0 : convert(d.amount, d.currency)]));
  const won = new Set<string>();

  // The journeys add up person by person: batch by batch when the store streams the project, else in one pass.
  const collector = new JourneyCollector();
  let channel: DictionaryColumn = { codes: new Int32Array(0), values: [null] };
  let campaign: DictionaryColumn = channel;
  let events = 0;
  let persons = 0;
  for await (const project of batches) {
    const { columns } = project;
    events += columns.eventCount;
    persons += columns.personCount;
    let distinctId: DictionaryColumn;
    let anonymousId: DictionaryColumn;
    [channel, campaign, distinctId, anonymousId] = await Promise.all([
      project.eventValues(stored.channel),
      project.eventValues(stored.campaign),
      project.eventValues(stored.distinctId),
      project.eventValues(stored.anonymousId),
    ]);
    const device = devicesOf(anonymousId, distinctId, columns.eventCount);

    // Conversion rows and their values.
    const rows: number[] = [];
    const values: number[] = [];
    if (byEvent) {
      const revenue = await project.eventValues(stored.revenue);
      for (let r = 0; r < columns.eventCount; r += 1) {
        if (columns.eventCode[r] !== conversionCode) continue;
        rows.push(r);
        const text = revenue.values[revenue.codes[r] as number];
        const v = text === null || text === undefined ? 0 : Number(text);
        values.push(Number.isFinite(v) ? v : 0);
      }
    } else {
      const [stage, dealId] = await Promise.all([
        project.eventValues(stored.stage),
        project.eventValues(stored.dealId),
      ]);
      for (let r = 0; r < columns.eventCount; r += 1) {
        if (conversionCode < 0 || columns.eventCode[r] !== conversionCode) continue;
        const s = stage.values[stage.codes[r] as number];
        const id = dealId.values[dealId.codes[r] as number];
        if (!s || !id || terminalStage(s) !== 'won' || won.has(id)) continue;
        won.add(id);
        rows.push(r);
        values.push(amounts.get(id) ?? 0);
      }
    }

    const input = {
      personStarts: columns.personStarts,
      tsUs: columns.tsUs,
      channel: channel.codes,
      campaign: campaign.codes,
      device,
      conversionRows: Int32Array.from(rows),
      conversionValues: Float64Array.from(values),
      sessionGapUs: spec.sessionGapMinutes * 60e6,
      lookbackUs: spec.lookbackDays * dayUs,
      fromUs,
      toUs,
    };
    // The touchpoints do not depend on the conversion: kept for the next report over the same columns and gap.
    let byGap = touchpointCache.get(channel);
    if (!byGap) {
      byGap = new Map();
      touchpointCache.set(channel, byGap);
    }
    let touchpoints = byGap.get(input.sessionGapUs);
    if (!touchpoints) {
      touchpoints = touchpointsOf(input);
      byGap.set(input.sessionGapUs, touchpoints);
    }
    collector.add(buildJourneys(input, touchpoints));
  }
  const set = collector.result();
  const channelNames = channel.values.slice(1).map((v) => v ?? '(none)');
  const channelCount = channelNames.length;
  const direct = channel.values.indexOf('Direct');
  const options = {
    halfLifeUs: spec.halfLifeDays * dayUs,
    firstShare: spec.positionFirst,
    lastShare: spec.positionLast,
    directChannel: direct,
    markovOrder: spec.markovOrder,
    bootstrap: spec.bootstrap,
    seed: spec.seed,
  };
  const result = attribute(set.touches, set.journeys, channelCount, options);
  const plain = attribute(set.touches, unstitched(set), channelCount, { ...options, bootstrap: 0 });

  // Spend per channel over the same days.
  const spendBy = new Map<string, number>();
  let spendTotal = 0;
  for (const s of inputs.spend) {
    const t = s.date.getTime() * 1000;
    if (t < fromUs || t >= toUs) continue;
    const cost = convert(s.cost, s.currency);
    spendBy.set(s.channel, (spendBy.get(s.channel) ?? 0) + cost);
    spendTotal += cost;
  }
  // Touchpoints in the conversions' journeys (one shared by two conversions counts in each).
  const touchCounts = new Float64Array(channelCount);
  for (let j = 0; j < set.journeys.count; j += 1) {
    if (set.journeys.converted[j] !== 1) continue;
    for (let i = set.journeys.start[j] as number; i < (set.journeys.start[j + 1] as number); i += 1) {
      const k = (set.touches.channel[set.journeys.touchOf[i] as number] as number) - 1;
      touchCounts[k] = (touchCounts[k] as number) + 1;
    }
  }
  const names = [...channelNames, noTouchpoint];
  const creditOf = (r: AttributionResult, model: AttributionModel, k: number, spend: number): Credit => {
    const c = r.byChannel[model];
    const conversions = c.conversions[k] as number;
    const revenue = c.revenue[k] as number;
    return {
      conversions,
      conversionsInterval: c.lower && c.upper ? { lower: c.lower[k] as number, upper: c.upper[k] as number } : null,
      revenue,
      roas: spend > 0 ? revenue / spend : null,
      cac: spend > 0 && conversions > 0 ? spend / conversions : null,
    };
  };
  const channels: AttributionChannelRow[] = names
    .map((name, k) => {
      const spend = k < channelCount ? (spendBy.get(name) ?? 0) : 0;
      return {
        channel: name,
        spend,
        touchpoints: k < channelCount ? (touchCounts[k] as number) : 0,
        credits: Object.fromEntries(attributionModels.map((m) => [m, creditOf(result, m, k, spend)])) as Record<
          AttributionModel,
          Credit
        >,
        removalEffect: k < channelCount ? (result.markov.removalEffects[k] as number) : null,
        shapleyValue:
          k < channelCount && Number.isFinite(result.shapley.values[k]) ? (result.shapley.values[k] as number) : null,
      };
    })
    // Channels with neither touchpoints nor spend nor credit are left out (other dictionary values).
    .filter((row) => row.touchpoints > 0 || row.spend > 0 || row.credits.linear.conversions > 0)
    .sort((a, b) => b.credits.linear.conversions - a.credits.linear.conversions || a.channel.localeCompare(b.channel));

  const campaigns = result.campaignKeys
    .map((key, i) => ({
      channel: channel.values[key.channel] ?? '(none)',
      campaign: campaign.values[key.campaign] ?? null,
      credits: Object.fromEntries(
        ruleModels.map((m) => [
          m,
          {
            conversions: result.byCampaign[m].conversions[i] as number,
            revenue: result.byCampaign[m].revenue[i] as number,
          },
        ]),
      ) as Record<RuleModel, { conversions: number; revenue: number }>,
    }))
    .sort((a, b) => b.credits.linear.conversions - a.credits.linear.conversions);
  const untouched = result.byCampaign.linear.conversions[result.campaignKeys.length] as number;
  if (untouched > 0) {
    campaigns.push({
      channel: noTouchpoint,
      campaign: null,
      credits: Object.fromEntries(
        ruleModels.map((m) => [
          m,
          {
            conversions: result.byCampaign[m].conversions[result.campaignKeys.length] as number,
            revenue: result.byCampaign[m].revenue[result.campaignKeys.length] as number,
          },
        ]),
      ) as Record<RuleModel, { conversions: number; revenue: number }>,
    });
  }

  const multiDevice = multiDeviceConversions(set);
  const crossChannels = names.map((name, k) => {
    const unstitchedCredits = Object.fromEntries(
      attributionModels.map((m) => [m, plain.byChannel[m].conversions[k] as number]),
    ) as Record<AttributionModel, number>;
    const shift = Object.fromEntries(
      attributionModels.map((m) => [m, (result.byChannel[m].conversions[k] as number) - unstitchedCredits[m]]),
    ) as Record<AttributionModel, number>;
    return { channel: name, unstitched: unstitchedCredits, shift };
  });
  const shown = new Set(channels.map((c) => c.channel));
  const notes: string[] = [];
  if (result.shapley.folded.length > 0) {
    notes.push(
      `Shapley: ${result.shapley.folded.length} least-touched channels played as one (${result.shapley.folded
        .map((k) => channelNames[k])
        .join(', ')}), their value split evenly`,
    );
  }
  return {
    report: 'attribution',
    project: spec.project,
    conversion: conversionLabel,
    from,
    to,
    currency,
    settings: {
      lookbackDays: spec.lookbackDays,
      sessionGapMinutes: spec.sessionGapMinutes,
      halfLifeDays: spec.halfLifeDays,
      positionBased: {
        first: spec.positionFirst,
        middle: 1 - spec.positionFirst - spec.positionLast,
        last: spec.positionLast,
      },
      markovOrder: spec.markovOrder,
      bootstrap: spec.bootstrap,
      seed: spec.seed,
    },
    models: attributionModels,
    totals: {
      conversions: result.conversions,
      revenue: result.revenue,
      withoutTouchpoint: set.withoutTouch,
      journeysWithoutConversion: set.journeys.count - set.conversions,
      touchpoints: collector.touchpoints,
      spend: spendTotal,
      markovConversionProbability: result.markov.conversionProbability,
    },
    channels,
    campaigns,
    crossDevice: {
      multiDevice,
      share: result.conversions > 0 ? multiDevice / result.conversions : null,
      // Every row the stitched table shows, and any the unstitched credits move conversions to.
      channels: crossChannels.filter(
        (c) => shown.has(c.channel) || attributionModels.some((m) => c.unstitched[m] !== 0 || c.shift[m] !== 0),
      ),
    },
    notes,
    definitions: 'docs/attribution.md',
    stats: {
      events,
      persons,
      elapsedMs: Math.round(performance.now() - started),
    },
  };
}
