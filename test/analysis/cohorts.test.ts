/**
 * Cohort tables (docs/cohorts.md) on hand-made journeys, every expected number counted by hand below.
 *
 * Funnel Visit → Signup, window 4 days; the data ends at day 4 (z's event). Times in days (d) and hours (h):
 *   a: Visit 0 (channel Ads), Signup 1h, Use 1d+1h, Use 2d+12h
 *   b: Visit 2h (channel Ads)
 *   c: Visit 1d, Signup 1d+1h, Use 1d+2h
 * Cohorts by day of entry: 1970-01-01 = {a, b}, 1970-01-02 = {c}. Still in window (entry + 4d > 4d): b and c.
 */
import { describe, expect, it } from 'vitest';
import { type CohortsSpec, runCohorts } from '../../src/analysis/cohorts/run-cohorts.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { type FunnelDefinitionInput, parseFunnelDefinition } from '../../src/model/funnel-definition.js';
import { MemoryColumns, type TestEvent } from '../helpers/memory-columns.js';

const h = 3600;
const d = 86_400;
const events: TestEvent[] = [
  { person: 'a', tsSeconds: 0, event: 'Visit', props: { channel: 'Ads' } },
  { person: 'a', tsSeconds: h, event: 'Signup' },
  { person: 'a', tsSeconds: d + h, event: 'Use' },
  { person: 'a', tsSeconds: 2 * d + 12 * h, event: 'Use' },
  { person: 'b', tsSeconds: 2 * h, event: 'Visit', props: { channel: 'Ads' } },
  { person: 'c', tsSeconds: d, event: 'Visit' },
  { person: 'c', tsSeconds: d + h, event: 'Signup' },
  { person: 'c', tsSeconds: d + 2 * h, event: 'Use' },
  { person: 'z', tsSeconds: 4 * d, event: 'Z' },
];
const definition = parseFunnelDefinition({
  steps: [{ event: 'Visit' }, { event: 'Signup' }],
  window: { amount: 4, unit: 'day' },
});
const run = (spec: Partial<CohortsSpec>) =>
  runCohorts(
    new ColumnCache(new MemoryColumns(events)),
    'default',
    { definition, period: 'day', property: null, retention: null, ...spec },
    { threads: 1 },
  );

describe('conversion by cohort', () => {
  it('counts each entry day’s units at each step, with those still in their window', async () => {
    const r = await run({});
    expect(r.cohorts.map((c) => [c.cohort, c.units, c.stillInWindow, c.steps.map((s) => s.count)])).toEqual([
      ['1970-01-01', 2, 1, [2, 1]],
      ['1970-01-02', 1, 1, [1, 1]],
    ]);
    expect(r.cohorts[0]?.steps[1]?.rate).toBe(0.5);
    // Wilson 95% for 1 of 2: 0.0945 … 0.9055.
    expect(r.cohorts[0]?.steps[1]?.interval?.lower).toBeCloseTo(0.0945, 4);
    expect(r.heatmap).toEqual({
      x: ['Visit', 'Signup'],
      y: ['1970-01-01', '1970-01-02'],
      data: [
        [0, 0, 1],
        [1, 0, 0.5],
        [0, 1, 1],
        [1, 1, 1],
      ],
    });
  });

  it('groups by a property instead, the largest cohort first', async () => {
    const r = await run({ property: 'channel' });
    expect(r.cohortBy).toBe('property');
    expect(r.cohorts.map((c) => [c.cohort, c.units, c.steps.map((s) => s.count)])).toEqual([
      ['Ads', 2, [2, 1]],
      ['(none)', 1, [1, 1]],
    ]);
  });
});

describe('retention by cohort', () => {
  it('from entry: periods after each unit’s entry, counted once they have ended', async () => {
    const r = await run({ retention: { event: 'Use', periods: 4, period: 'day', from: 'entry' } });
    // a (start 0): Use in day 1 and day 2; periods 0–3 have ended by day 4. b (start 2h): none; periods 0–2
    // ended. c (start 1d): Use in day 0; periods 0–2 ended (the end of period 2 is exactly day 4).
    const cells = r.retention?.cohorts.map((c) => [
      c.cohort,
      c.units,
      c.cells.map((x) => (x ? [x.units, x.retained] : null)),
    ]);
    expect(cells).toEqual([
      [
        '1970-01-01',
        2,
        [
          [2, 0],
          [2, 1],
          [2, 1],
          [1, 0],
        ],
      ],
      ['1970-01-02', 1, [[1, 1], [1, 0], [1, 0], null]],
    ]);
    expect(r.retention?.periodSeconds).toBe(d);
    expect(r.retention?.heatmap.data[1]).toEqual([1, 0, 0.5]);
  });

  it('from conversion: converted units only, periods after the last step', async () => {
    const r = await run({ retention: { event: 'Use', periods: 4, period: 'day', from: 'conversion' } });
    // a (start 1h): Use 1d later → period 1, and at 2d+11h → period 2; periods 0–2 ended. c (start 1d+1h): Use
    // 1h later → period 0; periods 0–1 ended.
    const cells = r.retention?.cohorts.map((c) => [
      c.cohort,
      c.units,
      c.cells.map((x) => (x ? [x.units, x.retained] : null)),
    ]);
    expect(cells).toEqual([
      ['1970-01-01', 1, [[1, 0], [1, 1], [1, 1], null]],
      ['1970-01-02', 1, [[1, 1], [1, 0], null, null]],
    ]);
  });

  it('names what is wrong', async () => {
    await expect(run({ retention: { event: 'Nope', periods: 2, period: 'day', from: 'entry' } })).rejects.toThrow(
      /retention: no event or page "Nope"/,
    );
    const unordered = parseFunnelDefinition({ steps: [{ event: 'Visit' }, { event: 'Signup' }], order: 'unordered' });
    await expect(run({ definition: unordered })).rejects.toThrow(/ordered or strict/);
  });
});

describe('retention from conversion with an optional step', () => {
  // Visit → Signup (optional) → Pay: a pays 1h after signing up; b pays without signing up. Both use the product
  // 1h after paying: period 0 after conversion, for both.
  const optionalEvents: TestEvent[] = [
    { person: 'a', tsSeconds: 0, event: 'Visit' },
    { person: 'a', tsSeconds: h, event: 'Signup' },
    { person: 'a', tsSeconds: 2 * h, event: 'Pay' },
    { person: 'a', tsSeconds: 3 * h, event: 'Use' },
    { person: 'b', tsSeconds: 0, event: 'Visit' },
    { person: 'b', tsSeconds: h, event: 'Pay' },
    { person: 'b', tsSeconds: 2 * h, event: 'Use' },
    { person: 'z', tsSeconds: 4 * d, event: 'Z' },
  ];
  const run2 = (steps: FunnelDefinitionInput['steps']) =>
    runCohorts(
      new ColumnCache(new MemoryColumns(optionalEvents)),
      'default',
      {
        definition: parseFunnelDefinition({ steps, window: { amount: 4, unit: 'day' } }),
        period: 'day',
        property: null,
        retention: { event: 'Use', periods: 2, period: 'day', from: 'conversion' },
      },
      { threads: 1 },
    );

  it('starts at the last step for every converted unit, whichever steps its path used', async () => {
    const r = await run2([{ event: 'Visit' }, { event: 'Signup', optional: true }, { event: 'Pay' }]);
    expect(r.retention?.cohorts.map((c) => [c.units, c.cells.map((x) => (x ? [x.units, x.retained] : null))])).toEqual([
      [
        2,
        [
          [2, 2],
          [2, 0],
        ],
      ],
    ]);
  });

  it('is refused when the last step is optional', async () => {
    await expect(run2([{ event: 'Visit' }, { event: 'Pay', optional: true }])).rejects.toThrow(/--retention-from/);
  });
});
