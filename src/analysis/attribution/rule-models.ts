/**
 * The rule-based attribution models (docs/attribution.md): how one conversion's credit is split over the
 * touchpoints of its journey, oldest first. Each returns weights that sum to 1 (for a journey with touchpoints).
 */

export const ruleModels = [
  'first_touch',
  'last_touch',
  'last_non_direct',
  'linear',
  'time_decay',
  'position_based',
] as const;
export type RuleModel = (typeof ruleModels)[number];

export interface RuleOptions {
  /** Time decay: a touchpoint this long before the conversion gets half the weight of one at it (µs). */
  halfLifeUs: number;
  /** Position based: the first and the last touchpoint's shares (the rest split evenly over the middle ones). */
  firstShare: number;
  lastShare: number;
  /** The channel code of Direct (-1: none), which last non-direct passes over. */
  directChannel: number;
}

/**
 * Fills `weights[0 .. k-1]` with the model's split of one conversion over the journey's k touchpoints
 * (`channels[i]`, starting at `timesUs[i]`, converting at `_endUs`: time decay weighs ages, whose ratios are the same
 * measured from the conversion or from the latest touchpoint).
 */
export function ruleWeights(
  model: RuleModel,
  k: number,
  channels: ArrayLike<number>,
  timesUs: ArrayLike<number>,
  _endUs: number,
  options: RuleOptions,
  weights: Float64Array,
): void {
  weights.fill(0, 0, k);
  if (k === 0) return;
  switch (model) {
    case 'first_touch':
      weights[0] = 1;
      return;
    case 'last_touch':
      weights[k - 1] = 1;
      return;
    case 'last_non_direct': {
      let i = k - 1;
      while (i > 0 && channels[i] === options.directChannel) i -= 1;
      // All direct: the last touchpoint (direct) keeps the credit.
      weights[channels[i] === options.directChannel ? k - 1 : i] = 1;
      return;
    }
    case 'linear':
      weights.fill(1 / k, 0, k);
      return;
    case 'time_decay': {
      // Ages from the latest touchpoint (the same ratios as from the conversion, without 2^−x underflowing to 0
      // when every touchpoint is many half-lives old).
      let total = 0;
      const latest = timesUs[k - 1] as number;
      for (let i = 0; i < k; i += 1) {
        const w = 2 ** (-(latest - (timesUs[i] as number)) / options.halfLifeUs);
        weights[i] = w;
        total += w;
      }
      for (let i = 0; i < k; i += 1) weights[i] = (weights[i] as number) / total;
      return;
    }
    case 'position_based': {
      if (k === 1) {
        weights[0] = 1;
      } else if (k === 2) {
        // Two touchpoints: the middle share has nowhere to go, so each end gets its share scaled to sum to 1 (half
        // each when both ends' shares are 0).
        const sum = options.firstShare + options.lastShare;
        weights[0] = sum > 0 ? options.firstShare / sum : 0.5;
        weights[1] = sum > 0 ? options.lastShare / sum : 0.5;
      } else {
        const middle = (1 - options.firstShare - options.lastShare) / (k - 2);
        weights.fill(middle, 1, k - 1);
        weights[0] = options.firstShare;
        weights[k - 1] = options.lastShare;
      }
      return;
    }
  }
}
