/** The radix order sorts like a stable comparison sort of the indices, over every size of key. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { radixOrder } from '../../src/stats/radix-order.js';

const reference = (keys: number[]) =>
  keys.map((_, i) => i).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);

describe('radixOrder', () => {
  it('is the stable order of whole numbers up to 2^53 − 1', () => {
    const key = fc.oneof(
      fc.integer({ min: 0, max: 50 }), // many ties
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.maxSafeNat(),
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 300 }), (keys) => {
        expect([...radixOrder(Float64Array.from(keys))]).toEqual(reference(keys));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses keys it cannot order', () => {
    expect(() => radixOrder(Float64Array.from([1, -2]))).toThrow(/key -2 at 1/);
    expect(() => radixOrder(Float64Array.from([0.5]))).toThrow(/not a whole number/);
  });
});
