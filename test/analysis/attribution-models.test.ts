/**
 * Attribution models against independent computations (docs/attribution.md).
 *
 * Markov removal effects and Shapley values: the reference numbers below are the output of
 * `python3 scripts/attribution_reference.py` (standard library only), which solves the absorbing chains exactly
 * with fractions and computes Shapley values by averaging over every order of the channels — not the iteration
 * and subset enumeration of the product. The "three_paths" fixture is the example of many Markov attribution
 * write-ups (removal effects C1 0.5, C2 1, C3 1).
 *
 * Rule-based models: hand-computed fixtures; every model's credits sum to the conversions and the revenue.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attribute, attributionModels } from '../../src/analysis/attribution/attribute.js';
import { buildJourneys } from '../../src/analysis/attribution/journeys.js';
import { markovAttribution } from '../../src/analysis/attribution/markov.js';
import { ruleModels, ruleWeights } from '../../src/analysis/attribution/rule-models.js';
import { shapleyAttribution } from '../../src/analysis/attribution/shapley.js';

type Fixture = [string[], number, number][];
const fixtures: Record<string, Fixture> = {
  three_paths: [
    [['C1', 'C2', 'C3'], 1, 0],
    [['C1'], 0, 1],
    [['C2', 'C3'], 0, 1],
  ],
  seven_paths: [
    [['Paid Search', 'Email', 'Paid Search'], 3, 2],
    [['Organic Search'], 1, 10],
    [['Paid Social', 'Direct'], 2, 5],
    [['Direct'], 4, 20],
    [['Email', 'Direct'], 3, 1],
    [['Paid Social', 'Paid Search', 'Direct'], 2, 3],
    [['Organic Search', 'Email'], 0, 4],
  ],
  repeats: [
    [['A', 'A', 'B'], 1, 1],
    [['B', 'A'], 1, 2],
    [['C'], 0, 3],
    [['A', 'C', 'A', 'B'], 2, 0],
  ],
};

// python3 scripts/attribution_reference.py
const reference: Record<
  string,
  {
    markov1: { probability: number; removalEffects: Record<string, number> };
    markov2: { probability: number; removalEffects: Record<string, number> };
    shapley: Record<string, number>;
  }
> = {
  three_paths: {
    markov1: { probability: 0.3333333333333333, removalEffects: { C1: 0.5, C2: 1.0, C3: 1.0 } },
    markov2: { probability: 0.3333333333333333, removalEffects: { C1: 0.5, C2: 1.0, C3: 1.0 } },
    shapley: { C1: 0.1111111111111111, C2: 0.1111111111111111, C3: 0.1111111111111111 },
  },
  seven_paths: {
    markov1: {
      probability: 0.25,
      removalEffects: {
        Direct: 0.7333333333333333,
        Email: 0.17055555555555554,
        'Organic Search': 0.12686274509803921,
        'Paid Search': 0.31987179487179485,
        'Paid Social': 0.25063725490196076,
      },
    },
    markov2: {
      probability: 0.25,
      removalEffects: {
        Direct: 0.7333333333333333,
        Email: 0.4,
        'Organic Search': 0.06666666666666667,
        'Paid Search': 0.3333333333333333,
        'Paid Social': 0.26666666666666666,
      },
    },
    shapley: {
      Direct: 0.08946708621619039,
      Email: 0.09147100453788495,
      'Organic Search': -0.02279590467583277,
      'Paid Search': 0.07993013758509321,
      'Paid Social': 0.011927676336664222,
    },
  },
  repeats: {
    markov1: {
      probability: 0.4,
      removalEffects: { A: 0.6785714285714286, B: 0.8414634146341463, C: 0.18627450980392157 },
    },
    markov2: { probability: 0.4, removalEffects: { A: 1.0, B: 1.0, C: 0.375 } },
    shapley: { A: 0.2, B: 0.2, C: 0.0 },
  },
};

/** The fixture as channel codes 0 … n−1 (channels sorted by name, as the reference prints them). */
function coded(fixture: Fixture) {
  const channels = [...new Set(fixture.flatMap(([path]) => path))].sort();
  const code = (c: string) => channels.indexOf(c);
  return {
    channels,
    paths: fixture.map(([path]) => path.map(code).filter((c, i, all) => c !== all[i - 1])),
    conversions: fixture.map(([, conv]) => conv),
    nulls: fixture.map(([, , nulls]) => nulls),
    masks: fixture.map(([path]) => path.reduce((m, c) => m | (1 << code(c)), 0)),
  };
}

describe('Markov removal effects match the exact reference', () => {
  for (const [name, fixture] of Object.entries(fixtures)) {
    for (const order of [1, 2] as const) {
      it(`${name}, order ${order}`, () => {
        const f = coded(fixture);
        const result = markovAttribution(f, f.channels.length, order);
        const want = reference[name]?.[`markov${order}`];
        expect(result.conversionProbability).toBeCloseTo(want?.probability ?? Number.NaN, 12);
        f.channels.forEach((c, i) => {
          expect(result.removalEffects[i], c).toBeCloseTo(want?.removalEffects[c] ?? Number.NaN, 10);
        });
        expect(result.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      });
    }
  }
});

describe('Shapley values match the reference over every order of the channels', () => {
  for (const [name, fixture] of Object.entries(fixtures)) {
    it(name, () => {
      const f = coded(fixture);
      const result = shapleyAttribution(f, f.channels.length);
      f.channels.forEach((c, i) => {
        expect(result.values[i], c).toBeCloseTo(reference[name]?.shapley[c] ?? Number.NaN, 12);
      });
      // Efficiency: the values sum to the worth of all channels (the overall conversion rate).
      const conv = fixture.reduce((s, [, c]) => s + c, 0);
      const all = fixture.reduce((s, [, c, n]) => s + c + n, 0);
      expect(result.values.reduce((a, b) => a + b, 0)).toBeCloseTo(conv / all, 12);
    });
  }
});

describe('rule-based models', () => {
  const day = 86_400e6;
  const options = { halfLifeUs: 7 * day, firstShare: 0.4, lastShare: 0.4, directChannel: 9 };
  const weightsOf = (model: (typeof ruleModels)[number], channels: number[], daysBefore: number[]) => {
    const w = new Float64Array(channels.length);
    ruleWeights(
      model,
      channels.length,
      channels,
      daysBefore.map((d) => 100 * day - d * day),
      100 * day,
      options,
      w,
    );
    return [...w];
  };

  it('split one conversion by hand-computed weights', () => {
    // Touchpoints 14, 7 and 0 days before the conversion on channels 1, 9 (Direct) and 9.
    const channels = [1, 9, 9];
    const before = [14, 7, 0];
    expect(weightsOf('first_touch', channels, before)).toEqual([1, 0, 0]);
    expect(weightsOf('last_touch', channels, before)).toEqual([0, 0, 1]);
    // The last non-direct touchpoint is the first one.
    expect(weightsOf('last_non_direct', channels, before)).toEqual([1, 0, 0]);
    expect(weightsOf('linear', channels, before)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    // Half-life 7 days: weights 1/4, 1/2, 1 → divided by 7/4.
    const decay = weightsOf('time_decay', channels, before);
    const close = (got: number[], want: number[]) => {
      for (const [i, w] of want.entries()) expect(got[i]).toBeCloseTo(w, 14);
    };
    close(decay, [1 / 7, 2 / 7, 4 / 7]);
    close(weightsOf('position_based', channels, before), [0.4, 0.2, 0.4]);
    // Four touchpoints: the middle 20% split over two; two touchpoints: 50/50; one: all of it.
    close(weightsOf('position_based', [1, 2, 3, 4], [3, 2, 1, 0]), [0.4, 0.1, 0.1, 0.4]);
    expect(weightsOf('position_based', [1, 2], [1, 0])).toEqual([0.5, 0.5]);
    expect(weightsOf('position_based', [5], [0])).toEqual([1]);
    // Degenerate settings stay numbers: 0/100/0 with two touchpoints splits evenly; touchpoints hundreds of
    // half-lives old keep their ratios (no 0/0).
    expect(weightsOf('position_based', [1, 2], [1, 0]).length).toBe(2);
    const zeroEnds = new Float64Array(2);
    ruleWeights('position_based', 2, [1, 2], [0, day], 2 * day, { ...options, firstShare: 0, lastShare: 0 }, zeroEnds);
    expect([...zeroEnds]).toEqual([0.5, 0.5]);
    const old = new Float64Array(2);
    ruleWeights('time_decay', 2, [1, 2], [0, 7 * day], 5000 * 7 * day, options, old);
    expect(old[0]).toBeCloseTo(1 / 3, 14);
    expect(old[1]).toBeCloseTo(2 / 3, 14);
    // All direct: last non-direct keeps the last touchpoint.
    expect(weightsOf('last_non_direct', [9, 9], [1, 0])).toEqual([0, 1]);
  });

  it('credit every conversion and its revenue in full, whatever the journeys', () => {
    const journey = fc.array(
      fc.record({ channel: fc.integer({ min: 1, max: 6 }), gapMinutes: fc.integer({ min: 31, max: 20_000 }) }),
      { maxLength: 6 },
    );
    const person = fc.record({
      touches: journey,
      converts: fc.boolean(),
      value: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(person, { minLength: 1, maxLength: 30 }), (people) => {
        // Rows: each person's touches (one web event each, sessions apart), then the conversion (no channel).
        const personStarts = [0];
        const ts: number[] = [];
        const channel: number[] = [];
        const rows: number[] = [];
        const values: number[] = [];
        for (const p of people) {
          let t = 1e15;
          for (const touch of p.touches) {
            t += touch.gapMinutes * 60e6;
            ts.push(t);
            channel.push(touch.channel);
          }
          if (p.converts) {
            rows.push(ts.length);
            values.push(p.value);
            ts.push(t + 60e6);
            channel.push(0);
          }
          personStarts.push(ts.length);
        }
        const set = buildJourneys({
          personStarts: Int32Array.from(personStarts),
          tsUs: Float64Array.from(ts),
          channel: Int32Array.from(channel),
          campaign: new Int32Array(ts.length),
          device: new Int32Array(ts.length),
          conversionRows: Int32Array.from(rows),
          conversionValues: Float64Array.from(values),
          sessionGapUs: 30 * 60e6,
          lookbackUs: 10 * day,
          fromUs: 0,
          toUs: Number.POSITIVE_INFINITY,
        });
        const result = attribute(set.touches, set.journeys, 6, {
          ...options,
          directChannel: 6,
          markovOrder: 1,
          bootstrap: 0,
          seed: 1,
        });
        const conversions = rows.length;
        const revenue = values.reduce((a, b) => a + b, 0);
        for (const model of attributionModels) {
          const credits = result.byChannel[model];
          expect(
            credits.conversions.reduce((a, b) => a + b, 0),
            model,
          ).toBeCloseTo(conversions, 9);
          expect(
            credits.revenue.reduce((a, b) => a + b, 0),
            model,
          ).toBeCloseTo(revenue, 6);
        }
        for (const model of ruleModels) {
          expect(result.byCampaign[model].conversions.reduce((a, b) => a + b, 0)).toBeCloseTo(conversions, 9);
        }
      }),
      { numRuns: 150 },
    );
  });
});
