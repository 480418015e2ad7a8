import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mean, medianInPlace, Sample, sampledMiddle } from '../../src/stats/summary.js';

const median = (values: number[]) => medianInPlace(Float64Array.from(values));

import { wilsonInterval } from '../../src/stats/wilson-interval.js';

/** The textbook definition: sort, take the middle (or the mean of the two middle values). */
function sortedMedian(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

describe('summaries', () => {
  it('median (quickselect) equals the sorted-array median', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 200 }), (values) => {
        expect(median(values)).toBe(sortedMedian(values));
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('median of large samples (selected through a sample) equals the sorted-array median', () => {
    // Sizes from the sampled path's threshold (65,536) up; values with many ties, skewed, or all distinct.
    fc.assert(
      fc.property(
        fc.integer({ min: 65_536, max: 140_000 }),
        fc.constantFrom('ties', 'skewed', 'distinct'),
        fc.integer(),
        (n, shape, seed) => {
          let x = seed | 1;
          const next = () => {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            return (x >>> 0) / 4294967296;
          };
          const values = Array.from({ length: n }, (_, i) =>
            shape === 'ties' ? Math.floor(next() * 7) : shape === 'skewed' ? Math.exp(next() * 20) : i + next() / 2,
          );
          expect(median(values)).toBe(sortedMedian(values));
        },
      ),
      { numRuns: 12, seed: 11 },
    );
  });

  it('median falls back to a full selection when the sample misleads', () => {
    // Every position the sample reads (n^(2/3) evenly spaced) holds a huge value, so its bounds miss the middle.
    const planted = (n: number) => {
      const size = Math.ceil(Math.cbrt(n) ** 2);
      const values = Array.from({ length: n }, (_, i) => i % 1000);
      for (let i = 0; i < size; i += 1) values[Math.floor(i * (n / size))] = 1e12;
      return values;
    };
    for (const n of [80_000, 80_001]) {
      const values = planted(n);
      const k = n >> 1;
      // The sampled path gives up here …
      expect(sampledMiddle(Float64Array.from(values), n % 2 ? k : k - 1, k)).toBeNull();
      // … and the median is still exact.
      expect(median(values)).toBe(sortedMedian(values));
    }
  });

  it('mean, and null for an empty sample', () => {
    expect(mean([1, 2, 3, 10])).toBe(4);
    expect(mean([])).toBeNull();
    expect(median([])).toBeNull();
    expect(median([3600, 7200])).toBe(5400);
  });

  it('a Sample grows and keeps its values', () => {
    const s = new Sample();
    for (let i = 0; i < 1000; i += 1) s.push(i);
    const t = new Sample();
    t.pushAll(s);
    expect(t.length).toBe(1000);
    expect(t.values()[999]).toBe(999);
  });
});

describe('Wilson score interval', () => {
  it('matches scipy.stats.binomtest(x, n).proportion_ci(method="wilson")', () => {
    // scipy 1.x: binomtest(7, 20) → (0.18119182410108, 0.56714572331476); binomtest(0, 10) → (0, 0.27753279986289);
    // binomtest(10, 10) → (0.72246720013711, 1)
    const a = wilsonInterval(7, 20);
    expect(a?.lower).toBeCloseTo(0.18119182410108, 10);
    expect(a?.upper).toBeCloseTo(0.56714572331476, 10);
    expect(wilsonInterval(0, 10)?.upper).toBeCloseTo(0.27753279986289, 10);
    expect(wilsonInterval(10, 10)?.lower).toBeCloseTo(0.72246720013711, 10);
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});
