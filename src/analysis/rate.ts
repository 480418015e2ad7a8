import { wilsonInterval } from '../stats/wilson-interval.js';
import type { Rate } from './pipeline/report.js';

/** A proportion with its 95% Wilson interval; `enoughData` is false below `minCount` in the denominator. */
export function rate(numerator: number, denominator: number, minCount: number): Rate {
  return {
    numerator,
    denominator,
    rate: denominator > 0 ? numerator / denominator : null,
    interval: wilsonInterval(numerator, denominator),
    enoughData: denominator >= minCount,
  };
}
