/**
 * Every attribution model over one set of journeys (docs/attribution.md): credits of conversions and of revenue
 * per channel (and per channel and campaign for the rule-based models), the Markov removal effects and Shapley
 * values, and bootstrap intervals of each channel's conversion credit. Pure.
 */
import { quantileSorted } from '../../stats/quantiles.js';
import { mulberry32, standardNormal } from '../../stats/random.js';
import type { Journeys, Touches } from './journeys.js';
import { MarkovChain } from './markov.js';
import { type RuleModel, type RuleOptions, ruleModels, ruleWeights } from './rule-models.js';
import { maxShapleyChannels, shapleyAttribution } from './shapley.js';

export const attributionModels = [...ruleModels, 'markov', 'shapley'] as const;
export type AttributionModel = (typeof attributionModels)[number];

export interface AttributeOptions extends RuleOptions {
  markovOrder: number;
  /** Bootstrap replicates (0: no intervals) and the generator's seed. */
  bootstrap: number;
  seed: number;
}

export interface ModelCredits {
  /** Per key: credited conversions and revenue. */
  conversions: Float64Array;
  revenue: Float64Array;
  /** Per key: the 2.5% and 97.5% points of the bootstrap replicates of the conversion credit; null without. */
  lower: Float64Array | null;
  upper: Float64Array | null;
}

export interface AttributionResult {
  /** Key k < channelCount is channel code k + 1 of the channel dictionary; key channelCount is "no touchpoint". */
  channelCount: number;
  byChannel: Record<AttributionModel, ModelCredits>;
  /** Rule-based models per (channel, campaign) pair (`campaignKeys`), "no touchpoint" last. */
  campaignKeys: { channel: number; campaign: number }[];
  byCampaign: Record<RuleModel, { conversions: Float64Array; revenue: Float64Array }>;
  markov: { conversionProbability: number; removalEffects: number[] };
  shapley: { values: number[]; folded: number[] };
  conversions: number;
  revenue: number;
}

/** P(X ≤ k) of Poisson(1), k = 0 … 11 (beyond: about 1 − 1e-9). */
const poissonOneCdf = (() => {
  const cdf: number[] = [];
  let term = Math.exp(-1);
  let sum = 0;
  for (let k = 0; k < 12; k += 1) {
    sum += term;
    cdf.push(sum);
    term /= k + 1;
  }
  return cdf;
})();

/** A Poisson(1) draw by inversion of its distribution function at the uniform `u`. */
export function poissonOne(u: number): number {
  let k = 0;
  while (k < poissonOneCdf.length && u > (poissonOneCdf[k] as number)) k += 1;
  return k;
}

/**
 * A Poisson(λ) draw: by multiplying uniforms (Knuth) below λ = 30; above, the normal approximation N(λ, λ)
 * rounded and kept ≥ 0 (a bootstrap weight of a group of 30+ journeys needs no better).
 */
export function poissonDraw(lambda: number, uniform: () => number): number {
  if (lambda <= 0) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let product = uniform();
    while (product > limit) {
      k += 1;
      product *= uniform();
    }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * standardNormal(uniform)));
}

/** Channel codes (1-based in the dictionary) to keys 0 … channelCount − 1. */
const keyOf = (channelCode: number) => channelCode - 1;

interface Aggregates {
  /** Converting journeys only, in journey order. */
  convJourneys: Int32Array;
  /** Distinct merged paths (for Markov). */
  paths: number[][];
  pathOfJourney: Int32Array;
  /** Per distinct channel set (Shapley, channels beyond the 15 most touched folded into one). */
  masks: number[];
  /** The channel set of each distinct path (an index into masks). */
  maskOfPath: Int32Array;
  shapleyChannels: number[];
  foldedChannels: number[];
}

function aggregate(journeys: Journeys, touches: Touches, channelCount: number): Aggregates {
  const convJourneys: number[] = [];
  const paths: number[][] = [];
  const pathOfJourney = new Int32Array(journeys.count).fill(-1);
  // Shapley players: the most touched channels (16 at most; the rest one folded player).
  const touched = new Float64Array(channelCount);
  for (let i = 0; i < journeys.touchOf.length; i += 1) {
    const k = keyOf(touches.channel[journeys.touchOf[i] as number] as number);
    touched[k] = (touched[k] as number) + 1;
  }
  const byUse = [...touched.keys()]
    .filter((k) => (touched[k] as number) > 0)
    .sort((a, b) => (touched[b] as number) - (touched[a] as number));
  const keep = byUse.length > maxShapleyChannels ? byUse.slice(0, maxShapleyChannels - 1) : byUse;
  const foldedChannels = byUse.slice(keep.length);
  const player = new Int32Array(channelCount).fill(keep.length);
  keep.forEach((k, i) => {
    player[k] = i;
  });
  const shapleyChannels = keep;
  const maskIndex = new Map<number, number>();
  const masks: number[] = [];
  const maskOfPath: number[] = [];
  // A merged path's key: its channels as digits of base channelCount + 1 while that is exact (2^53), else text.
  const base = channelCount + 1;
  const numericKeys = new Map<number, number>();
  const textKeys = new Map<string, number>();
  // One-channel paths (most paths without conversion) by the channel itself.
  const singles: (number | undefined)[] = new Array(channelCount).fill(undefined);
  let maxLength = 1;
  for (let j = 0; j < journeys.count; j += 1) {
    maxLength = Math.max(maxLength, (journeys.start[j + 1] as number) - (journeys.start[j] as number));
  }
  const path = new Int32Array(maxLength);
  for (let j = 0; j < journeys.count; j += 1) {
    const from = journeys.start[j] as number;
    const to = journeys.start[j + 1] as number;
    if (journeys.converted[j] === 1) convJourneys.push(j);
    if (from === to) continue;
    let length = 0;
    let key = 0;
    let exact = true;
    for (let i = from; i < to; i += 1) {
      const k = keyOf(touches.channel[journeys.touchOf[i] as number] as number);
      if (length > 0 && path[length - 1] === k) continue;
      path[length++] = k;
      key = key * base + k + 1;
      if (key > Number.MAX_SAFE_INTEGER) exact = false;
    }
    const text = () => path.subarray(0, length).join(',');
    let p = length === 1 ? singles[path[0] as number] : exact ? numericKeys.get(key) : textKeys.get(text());
    if (p === undefined) {
      p = paths.length;
      if (length === 1) singles[path[0] as number] = p;
      else if (exact) numericKeys.set(key, p);
      else textKeys.set(text(), p);
      const distinct = Array.from(path.subarray(0, length));
      paths.push(distinct);
      let mask = 0;
      for (const k of distinct) mask |= 1 << (player[k] as number);
      let m = maskIndex.get(mask);
      if (m === undefined) {
        m = masks.length;
        maskIndex.set(mask, m);
        masks.push(mask);
      }
      maskOfPath.push(m);
    }
    pathOfJourney[j] = p;
  }
  return {
    convJourneys: Int32Array.from(convJourneys),
    paths,
    pathOfJourney,
    masks,
    maskOfPath: Int32Array.from(maskOfPath),
    shapleyChannels,
    foldedChannels,
  };
}

/**
 * Converting journeys grouped by their touchpoints' channels in order (no touchpoint: one group of its own): each
 * group's size and first member (an index into `conv`).
 */
function sequenceGroups(conv: Int32Array, journeys: Journeys, touches: Touches, channelCount: number) {
  const index = new Map<number | string, number>();
  const first: number[] = [];
  const size: number[] = [];
  const base = channelCount + 1;
  for (let i = 0; i < conv.length; i += 1) {
    const j = conv[i] as number;
    let key: number | string = 0;
    for (let t = journeys.start[j] as number; t < (journeys.start[j + 1] as number); t += 1) {
      const k = touches.channel[journeys.touchOf[t] as number] as number;
      key = typeof key === 'number' && key * base + k <= Number.MAX_SAFE_INTEGER ? key * base + k : `${key},${k}`;
    }
    let g = index.get(key);
    if (g === undefined) {
      g = first.length;
      index.set(key, g);
      first.push(i);
      size.push(0);
    }
    size[g] = (size[g] as number) + 1;
  }
  return { count: first.length, first: Int32Array.from(first), size: Float64Array.from(size) };
}

/** Markov and Shapley shares per channel key from weighted path counts (Shapley's channel sets follow the paths). */
function dataDriven(
  agg: Aggregates,
  chain: MarkovChain,
  channelCount: number,
  pathConv: Float64Array,
  pathNull: Float64Array,
) {
  const maskConv = new Float64Array(agg.masks.length);
  const maskNull = new Float64Array(agg.masks.length);
  for (let p = 0; p < agg.paths.length; p += 1) {
    const m = agg.maskOfPath[p] as number;
    maskConv[m] = (maskConv[m] as number) + (pathConv[p] as number);
    maskNull[m] = (maskNull[m] as number) + (pathNull[p] as number);
  }
  const markov = chain.attribute(pathConv, pathNull, channelCount);
  const players = agg.shapleyChannels.length + (agg.foldedChannels.length > 0 ? 1 : 0);
  const shapley = shapleyAttribution({ masks: agg.masks, conversions: maskConv, nulls: maskNull }, players);
  // Per channel key: a kept channel its player's share; folded channels split the folded player's share evenly.
  const shapleyShares = new Float64Array(channelCount);
  agg.shapleyChannels.forEach((k, i) => {
    shapleyShares[k] = shapley.shares[i] as number;
  });
  if (agg.foldedChannels.length > 0) {
    const share = (shapley.shares[agg.shapleyChannels.length] as number) / agg.foldedChannels.length;
    for (const k of agg.foldedChannels) shapleyShares[k] = share;
  }
  return { markov, shapley, shapleyShares };
}

export function attribute(
  touches: Touches,
  journeys: Journeys,
  channelCount: number,
  options: AttributeOptions,
): AttributionResult {
  const keys = channelCount + 1;
  const none = channelCount;
  const agg = aggregate(journeys, touches, channelCount);
  const conv = agg.convJourneys;
  const zero = () => ({ conversions: new Float64Array(keys), revenue: new Float64Array(keys) });
  const credits = Object.fromEntries(attributionModels.map((m) => [m, zero()])) as Record<
    AttributionModel,
    { conversions: Float64Array; revenue: Float64Array }
  >;
  // Campaign keys: each (channel, campaign) pair met in a converting journey, numbered as met.
  const campaignIndex = new Map<number, number>();
  const campaignKeys: { channel: number; campaign: number }[] = [];
  const campaignKey = (touch: number) => {
    const channel = touches.channel[touch] as number;
    const campaign = touches.campaign[touch] as number;
    const id = channel * 4_294_967_296 + campaign;
    let k = campaignIndex.get(id);
    if (k === undefined) {
      k = campaignKeys.length;
      campaignIndex.set(id, k);
      campaignKeys.push({ channel, campaign });
    }
    return k;
  };
  // Rule-based: each conversion's weights over its touchpoints, kept per journey for the bootstrap.
  let maxTouches = 0;
  for (const j of conv)
    maxTouches = Math.max(maxTouches, (journeys.start[j + 1] as number) - (journeys.start[j] as number));
  const weights = new Float64Array(Math.max(1, maxTouches));
  const channels = new Int32Array(Math.max(1, maxTouches));
  const times = new Float64Array(Math.max(1, maxTouches));
  // Sparse credit lists per rule model: journey j's keys and weights at ruleOffsets[j] … (same layout per model).
  const ruleOffsets = new Int32Array(conv.length + 1);
  for (let i = 0; i < conv.length; i += 1) {
    const j = conv[i] as number;
    ruleOffsets[i + 1] =
      (ruleOffsets[i] as number) + Math.max(1, (journeys.start[j + 1] as number) - (journeys.start[j] as number));
  }
  const ruleKeys = new Int32Array(ruleOffsets[conv.length] as number);
  /** The campaign key of each entry (-1: no touchpoint). */
  const ruleCampaigns = new Int32Array(ruleOffsets[conv.length] as number);
  const ruleWeightsByModel = ruleModels.map(() => new Float64Array(ruleOffsets[conv.length] as number));
  let totalConversions = 0;
  let totalRevenue = 0;
  let revenueWithTouch = 0;
  let conversionsWithTouch = 0;
  for (let i = 0; i < conv.length; i += 1) {
    const j = conv[i] as number;
    const from = journeys.start[j] as number;
    const k = (journeys.start[j + 1] as number) - from;
    const value = journeys.value[j] as number;
    totalConversions += 1;
    totalRevenue += value;
    const offset = ruleOffsets[i] as number;
    if (k === 0) {
      ruleKeys[offset] = none;
      ruleCampaigns[offset] = -1;
      for (const [m, model] of ruleModels.entries()) {
        (ruleWeightsByModel[m] as Float64Array)[offset] = 1;
        credits[model].conversions[none] = (credits[model].conversions[none] as number) + 1;
        credits[model].revenue[none] = (credits[model].revenue[none] as number) + value;
      }
      continue;
    }
    conversionsWithTouch += 1;
    revenueWithTouch += value;
    for (let t = 0; t < k; t += 1) {
      const touch = journeys.touchOf[from + t] as number;
      channels[t] = touches.channel[touch] as number;
      times[t] = touches.tsUs[touch] as number;
      ruleKeys[offset + t] = keyOf(channels[t] as number);
      ruleCampaigns[offset + t] = campaignKey(touch);
    }
    for (const [m, model] of ruleModels.entries()) {
      ruleWeights(model, k, channels, times, journeys.endUs[j] as number, options, weights);
      const ws = ruleWeightsByModel[m] as Float64Array;
      const { conversions: cc, revenue: cr } = credits[model];
      for (let t = 0; t < k; t += 1) {
        const w = weights[t] as number;
        ws[offset + t] = w;
        if (w === 0) continue;
        const key = keyOf(channels[t] as number);
        cc[key] = (cc[key] as number) + w;
        cr[key] = (cr[key] as number) + w * value;
      }
    }
  }

  // Markov and Shapley on the distinct paths (and their channel sets): journeys with and without conversion.
  const pathConv = new Float64Array(agg.paths.length);
  const pathNull = new Float64Array(agg.paths.length);
  for (let j = 0; j < journeys.count; j += 1) {
    const p = agg.pathOfJourney[j] as number;
    if (p < 0) continue;
    if (journeys.converted[j] === 1) pathConv[p] = (pathConv[p] as number) + 1;
    else pathNull[p] = (pathNull[p] as number) + 1;
  }
  const chain = new MarkovChain(agg.paths, options.markovOrder);
  const full = dataDriven(agg, chain, channelCount, pathConv, pathNull);
  const noTouch = totalConversions - conversionsWithTouch;
  const noTouchRevenue = totalRevenue - revenueWithTouch;
  const spread = (model: 'markov' | 'shapley', shares: ArrayLike<number>) => {
    for (let k = 0; k < channelCount; k += 1) {
      credits[model].conversions[k] = conversionsWithTouch * (shares[k] as number);
      credits[model].revenue[k] = revenueWithTouch * (shares[k] as number);
    }
    credits[model].conversions[none] = noTouch;
    credits[model].revenue[none] = noTouchRevenue;
  };
  spread('markov', full.markov.shares);
  spread('shapley', full.shapleyShares);

  // Bootstrap: every journey drawn Poisson(1) times per replicate (the Poisson bootstrap), all models alike.
  const byChannel = {} as Record<AttributionModel, ModelCredits>;
  const replicates = attributionModels.map(() =>
    Array.from({ length: keys }, () => new Float64Array(options.bootstrap)),
  );
  if (options.bootstrap > 0) {
    // The Poisson bootstrap: each journey weighs Poisson(1) in a replicate. Journeys whose credit depends only on
    // their touchpoints' channels in order (every rule model but time decay, and both data-driven ones) are drawn
    // per group of the same sequence, Poisson(group size) in all (the sum of its members' draws); time decay, which
    // also depends on the times, journey by journey.
    const random = mulberry32(options.seed);
    const timeDecay = ruleModels.indexOf('time_decay');
    const grouped = ruleModels.map((_, m) => m).filter((m) => m !== timeDecay);
    const groups = sequenceGroups(conv, journeys, touches, channelCount);
    const acc = new Float64Array(keys * ruleModels.length);
    const bootConv = new Float64Array(agg.paths.length);
    const bootNull = new Float64Array(agg.paths.length);
    const decay = ruleWeightsByModel[timeDecay] as Float64Array;
    for (let r = 0; r < options.bootstrap; r += 1) {
      let touchedConversions = 0;
      let untouched = 0;
      bootConv.fill(0);
      acc.fill(0);
      for (let g = 0; g < groups.count; g += 1) {
        const weight = poissonDraw(groups.size[g] as number, random);
        if (weight === 0) continue;
        const i = groups.first[g] as number;
        const p = agg.pathOfJourney[conv[i] as number] as number;
        if (p >= 0) {
          bootConv[p] = (bootConv[p] as number) + weight;
          touchedConversions += weight;
        } else {
          untouched += weight;
        }
        for (let o = ruleOffsets[i] as number; o < (ruleOffsets[i + 1] as number); o += 1) {
          const at = (ruleKeys[o] as number) * ruleModels.length;
          for (const m of grouped) {
            acc[at + m] = (acc[at + m] as number) + weight * ((ruleWeightsByModel[m] as Float64Array)[o] as number);
          }
        }
      }
      for (let i = 0; i < conv.length; i += 1) {
        const weight = poissonOne(random());
        if (weight === 0) continue;
        for (let o = ruleOffsets[i] as number; o < (ruleOffsets[i + 1] as number); o += 1) {
          const at = (ruleKeys[o] as number) * ruleModels.length + timeDecay;
          acc[at] = (acc[at] as number) + weight * (decay[o] as number);
        }
      }
      for (let p = 0; p < agg.paths.length; p += 1) bootNull[p] = poissonDraw(pathNull[p] as number, random);
      for (let m = 0; m < ruleModels.length; m += 1) {
        const model = replicates[m] as Float64Array[];
        for (let k = 0; k < keys; k += 1) (model[k] as Float64Array)[r] = acc[k * ruleModels.length + m] as number;
      }
      const d = dataDriven(agg, chain, channelCount, bootConv, bootNull);
      for (const [index, shares] of [
        [ruleModels.length, d.markov.shares],
        [ruleModels.length + 1, d.shapleyShares],
      ] as const) {
        const model = replicates[index] as Float64Array[];
        for (let k = 0; k < channelCount; k += 1)
          (model[k] as Float64Array)[r] = touchedConversions * (shares[k] as number);
        (model[none] as Float64Array)[r] = untouched;
      }
    }
  }
  for (const [m, model] of attributionModels.entries()) {
    let lower: Float64Array | null = null;
    let upper: Float64Array | null = null;
    if (options.bootstrap > 0) {
      lower = new Float64Array(keys);
      upper = new Float64Array(keys);
      for (let k = 0; k < keys; k += 1) {
        const sorted = ((replicates[m] as Float64Array[])[k] as Float64Array).slice().sort();
        lower[k] = quantileSorted(sorted, 0.025) ?? 0;
        upper[k] = quantileSorted(sorted, 0.975) ?? 0;
      }
    }
    byChannel[model] = { ...credits[model], lower, upper };
  }
  // Per campaign: the same weights summed by campaign key ("no touchpoint" last).
  const byCampaign = {} as Record<RuleModel, { conversions: Float64Array; revenue: Float64Array }>;
  for (const [m, model] of ruleModels.entries()) {
    const conversions = new Float64Array(campaignKeys.length + 1);
    const revenue = new Float64Array(campaignKeys.length + 1);
    const ws = ruleWeightsByModel[m] as Float64Array;
    for (let i = 0; i < conv.length; i += 1) {
      const value = journeys.value[conv[i] as number] as number;
      for (let o = ruleOffsets[i] as number; o < (ruleOffsets[i + 1] as number); o += 1) {
        const ck = ruleCampaigns[o] as number;
        const at = ck < 0 ? campaignKeys.length : ck;
        conversions[at] = (conversions[at] as number) + (ws[o] as number);
        revenue[at] = (revenue[at] as number) + (ws[o] as number) * value;
      }
    }
    byCampaign[model] = { conversions, revenue };
  }
  return {
    channelCount,
    byChannel,
    campaignKeys,
    byCampaign,
    markov: { conversionProbability: full.markov.conversionProbability, removalEffects: full.markov.removalEffects },
    shapley: {
      values: Array.from({ length: channelCount }, (_, k) => {
        const i = agg.shapleyChannels.indexOf(k);
        return i >= 0 ? (full.shapley.values[i] as number) : Number.NaN;
      }),
      folded: agg.foldedChannels,
    },
    conversions: totalConversions,
    revenue: totalRevenue,
  };
}
