/**
 * Opt-in funnel options (FUNNEL-SEMANTICS §6, docs/funnels.md), each against a statement of what it means:
 * - OR-steps (`anyOf`): a funnel with a step "B or C" counts exactly what the same funnel counts when every B and
 *   C event is renamed to one name and the step asks for that name (checked on random journeys), and an
 *   alternative's filters apply to that alternative only (by hand).
 * - Entry-only date range (`entryDateRange`): the range decides who enters; later steps may land after it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFunnel } from '../../src/analysis/funnel/run-funnel.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { type FunnelDefinitionInput, parseFunnelDefinition } from '../../src/model/funnel-definition.js';
import { MemoryColumns, type TestEvent } from '../helpers/memory-columns.js';
import { referenceLevel } from '../helpers/reference-funnel.js';

/** A person's generated events at distinct, increasing times: each `dt` after the one before. */
function timed<E extends { dt: number }>(list: readonly E[]): (E & { t: number })[] {
  let t = 0;
  return list.map((e) => {
    t += e.dt;
    return { ...e, t };
  });
}

const counts = async (events: readonly TestEvent[], definition: FunnelDefinitionInput) => {
  const report = await runFunnel(
    new ColumnCache(new MemoryColumns(events)),
    'default',
    parseFunnelDefinition(definition),
    { threads: 1 },
  );
  return report.steps.map((s) => s.count);
};

describe('OR-steps', () => {
  it('count what the same funnel counts with the alternatives renamed to one event', async () => {
    const journey = fc.array(
      fc.record({ t: fc.integer({ min: 0, max: 20 }), event: fc.constantFrom('A', 'B', 'C', 'D', 'X') }),
      { maxLength: 8 },
    );
    const arbitrary = fc.record({
      persons: fc.array(journey, { minLength: 1, maxLength: 5 }),
      // The other steps use A and D only, so B and C mean nothing but the OR-step.
      steps: fc.array(fc.constantFrom('A', 'D'), { minLength: 1, maxLength: 3 }),
      orAt: fc.integer({ min: 0, max: 3 }),
      order: fc.constantFrom('ordered' as const, 'strict' as const),
      window: fc.constantFrom(3, 10, 100),
      exclusion: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async (c) => {
        const at = Math.min(c.orAt, c.steps.length);
        const events = c.persons.flatMap((list, p) =>
          list.map((e) => ({ person: `p${p}`, tsSeconds: e.t, event: e.event })),
        );
        const renamed = events.map((e) => (e.event === 'B' || e.event === 'C' ? { ...e, event: 'BC' } : e));
        const plainSteps = c.steps.map((event) => ({ event }));
        const n = plainSteps.length + 1;
        const common = {
          window: { amount: c.window, unit: 'second' as const },
          order: c.order,
          exclusions: c.exclusion && c.order === 'ordered' ? [{ event: 'X', fromStep: 0, toStep: n - 1 }] : [],
        };
        const withOr = await counts(events, {
          ...common,
          steps: [...plainSteps.slice(0, at), { anyOf: [{ event: 'B' }, { event: 'C' }] }, ...plainSteps.slice(at)],
        });
        const withName = await counts(renamed, {
          ...common,
          steps: [...plainSteps.slice(0, at), { event: 'BC' }, ...plainSteps.slice(at)],
        });
        expect(withOr).toEqual(withName);
      }),
      { numRuns: 150 },
    );
  });

  it('apply each alternative’s filters to that alternative only, and are named after their events', async () => {
    const events: TestEvent[] = [
      // p1: signs up through the form: counts.
      { person: 'p1', tsSeconds: 0, event: 'Visit' },
      { person: 'p1', tsSeconds: 10, event: 'Signed Up', props: { method: 'form' } },
      // p2: a page view of /welcome: counts through the second alternative.
      { person: 'p2', tsSeconds: 0, event: 'Visit' },
      { person: 'p2', tsSeconds: 10, event: '$pageview', props: { path: '/welcome' } },
      // p3: signs up with Google (the first alternative's filter fails) and views another page: does not count.
      { person: 'p3', tsSeconds: 0, event: 'Visit' },
      { person: 'p3', tsSeconds: 10, event: 'Signed Up', props: { method: 'google', path: '/welcome' } },
      { person: 'p3', tsSeconds: 20, event: '$pageview', props: { path: '/pricing' } },
    ];
    const definition: FunnelDefinitionInput = {
      steps: [
        { event: 'Visit' },
        {
          anyOf: [
            { event: 'Signed Up', filters: [{ property: 'method', value: 'form' }] },
            { event: '$pageview', filters: [{ property: 'path', value: '/welcome' }] },
          ],
        },
      ],
    };
    expect(await counts(events, definition)).toEqual([3, 2]);
    expect(parseFunnelDefinition(definition).steps[1]?.name).toBe('Signed Up or $pageview');
  });

  it('refuses what an OR-step cannot be, naming the field', () => {
    const bad = (step: Record<string, unknown>) => () =>
      parseFunnelDefinition({ steps: [{ event: 'A' }, step] as FunnelDefinitionInput['steps'] });
    expect(bad({ event: 'B', anyOf: [{ event: 'B' }, { event: 'C' }] })).toThrow(/steps\[1\]\.event: an OR-step/);
    expect(bad({ anyOf: [{ event: 'B' }, { event: 'C' }], filters: [{ property: 'x', value: 1 }] })).toThrow(
      /steps\[1\]\.filters/,
    );
    expect(bad({ anyOf: [{ event: 'B' }, { event: 'C' }], firstTime: 'any' })).toThrow(/steps\[1\]\.firstTime/);
    expect(bad({ anyOf: [{ event: 'B' }] })).toThrow(/steps\[1\]\.anyOf/);
    expect(bad({ name: 'no event' })).toThrow(/steps\[1\]\.event: expected an event name/);
  });
});

describe('entry-only date range', () => {
  const day = 86_400;
  // The range is 1970-01-02 … 1970-01-03 (days 1 and 2); the window is 7 days.
  const events: TestEvent[] = [
    // in: enters on day 1, converts on day 5 (after the range).
    { person: 'in', tsSeconds: 1 * day, event: 'A' },
    { person: 'in', tsSeconds: 5 * day, event: 'B' },
    // early: enters on day 0 (before the range), converts on day 2 (inside it).
    { person: 'early', tsSeconds: 0, event: 'A' },
    { person: 'early', tsSeconds: 2 * day, event: 'B' },
    // late: enters on day 4 (after the range).
    { person: 'late', tsSeconds: 4 * day, event: 'A' },
    { person: 'late', tsSeconds: 4 * day + 60, event: 'B' },
    // both: enters on day 2 and converts the same day.
    { person: 'both', tsSeconds: 2 * day, event: 'A' },
    { person: 'both', tsSeconds: 2 * day + 60, event: 'B' },
  ];
  const base = {
    steps: [{ event: 'A' }, { event: 'B' }],
    window: { amount: 7, unit: 'day' as const },
    dateFrom: '1970-01-02',
    dateTo: '1970-01-03',
  };

  it('lets conversions land after the range, and only entries inside it count', async () => {
    // Default: every event must be in the range: "in" enters but its B is outside; "early" has only B inside.
    expect(await counts(events, base)).toEqual([2, 1]);
    // Entry-only: "in" and "both" enter inside the range and both convert; "early" and "late" do not enter.
    expect(await counts(events, { ...base, entryDateRange: true })).toEqual([2, 2]);
  });

  it('is refused for unordered funnels', () => {
    expect(() => parseFunnelDefinition({ ...base, order: 'unordered', entryDateRange: true })).toThrow(
      /entryDateRange/,
    );
  });
});

describe('long funnels', () => {
  it('count 20 steps, in order, with an exclusion and an optional step among them', async () => {
    // Person p<k> does steps S0 … S<k−1> one second apart: it reaches step k − 1.
    const events: TestEvent[] = [];
    for (let k = 1; k <= 20; k += 1) {
      for (let j = 0; j < k; j += 1) events.push({ person: `p${k}`, tsSeconds: j, event: `S${j}` });
    }
    // p20 again, but after S10 it does X (excluded between steps 10 and 15): it drops out entirely.
    for (let j = 0; j < 20; j += 1) events.push({ person: 'x', tsSeconds: j * 2, event: `S${j}` });
    events.push({ person: 'x', tsSeconds: 21, event: 'X' });
    const steps = Array.from({ length: 20 }, (_, j) => ({ event: `S${j}` }));
    const plain = await counts(events, { steps });
    // Step k is reached by p(k+1) … p20 (20 − k persons) and by x (21 − k persons, before the exclusion).
    expect(plain).toEqual(Array.from({ length: 20 }, (_, k) => 21 - k));
    const excluded = await counts(events, { steps, exclusions: [{ event: 'X', fromStep: 10, toStep: 15 }] });
    expect(excluded).toEqual(Array.from({ length: 20 }, (_, k) => 20 - k));
    // Step 12 optional: p12 … (who did S0 … S11 only) still reach step 11; nobody skips it, so counts agree.
    const optional = await counts(events, { steps: steps.map((s, j) => (j === 12 ? { ...s, optional: true } : s)) });
    expect(optional).toEqual(plain);
  });
});

/**
 * Gaps by brute force: every path (a step-0 event, then for each next step any later unused event of that step
 * whose gap from the previous step and time from the entry are allowed); the furthest step any path reaches.
 */
function referenceGapLevel(
  events: readonly { t: number; event: string }[],
  steps: readonly string[],
  windowS: number,
  gaps: readonly { min: number; max: number }[],
): number {
  let best = -1;
  const extend = (k: number, at: number, entry: number, used: Set<number>) => {
    best = Math.max(best, k);
    if (k + 1 >= steps.length) return;
    const prev = (events[at] as { t: number }).t;
    events.forEach((e, j) => {
      if (used.has(j) || e.event !== steps[k + 1]) return;
      const gap = e.t - prev;
      const g = gaps[k + 1] as { min: number; max: number };
      if (gap < 0 || gap < g.min || gap > g.max || e.t - entry > windowS) return;
      extend(k + 1, j, entry, new Set([...used, j]));
    });
  };
  events.forEach((e, i) => {
    if (e.event === steps[0]) extend(0, i, e.t, new Set([i]));
  });
  return best;
}

describe('gaps between steps', () => {
  it('reach what a search over every path reaches', async () => {
    const arbitrary = fc.record({
      // Distinct times per person (ties have their own rules, pinned by the scenarios).
      persons: fc.array(
        fc.array(fc.record({ dt: fc.integer({ min: 1, max: 6 }), event: fc.constantFrom('A', 'B', 'C') }), {
          maxLength: 7,
        }),
        { minLength: 1, maxLength: 4 },
      ),
      steps: fc.array(fc.constantFrom('A', 'B', 'C'), { minLength: 2, maxLength: 4 }),
      window: fc.constantFrom(5, 12, 100),
      gaps: fc.array(
        fc.record({ min: fc.constantFrom(0, 2, 4), max: fc.constantFrom(1, 3, 6, 1000) }).filter((g) => g.min <= g.max),
        { minLength: 4, maxLength: 4 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async (c) => {
        const journeys = c.persons.map((list) => timed(list).map((e) => ({ t: e.t, event: e.event })));
        const events = journeys.flatMap((list, p) =>
          list.map((e) => ({ person: `p${p}`, tsSeconds: e.t, event: e.event })),
        );
        const n = c.steps.length;
        const gaps = c.gaps.slice(0, n);
        const expected = new Array<number>(n).fill(0);
        for (const list of journeys) {
          const level = referenceGapLevel(list, c.steps, c.window, [{ min: 0, max: Infinity }, ...gaps.slice(1)]);
          for (let k = 0; k <= level; k += 1) expected[k] = (expected[k] as number) + 1;
        }
        const got = await counts(events, {
          steps: c.steps.map((event, k) =>
            k === 0
              ? { event }
              : {
                  event,
                  gap: {
                    min: { amount: (gaps[k] as { min: number }).min, unit: 'second' as const },
                    max: { amount: (gaps[k] as { max: number }).max, unit: 'second' as const },
                  },
                },
          ),
          window: { amount: c.window, unit: 'second' },
        });
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('keep the plain counts when no gap binds, and find the path a step-by-step greedy would miss', async () => {
    const events: TestEvent[] = [
      // A at 0, B at 1 and at 8, C at 12: with at most 5 s from B to C only the second B leads on.
      { person: 'p', tsSeconds: 0, event: 'A' },
      { person: 'p', tsSeconds: 1, event: 'B' },
      { person: 'p', tsSeconds: 8, event: 'B' },
      { person: 'p', tsSeconds: 12, event: 'C' },
      // q: B only 1 s after A (at least 2 s required), then another B 3 s after A: converts to B.
      { person: 'q', tsSeconds: 0, event: 'A' },
      { person: 'q', tsSeconds: 1, event: 'B' },
      { person: 'q', tsSeconds: 3, event: 'B' },
    ];
    const steps = [{ event: 'A' }, { event: 'B' }, { event: 'C' }];
    const plain = await counts(events, { steps });
    const loose = await counts(events, {
      steps: steps.map((s, k) => (k === 0 ? s : { ...s, gap: { max: { amount: 1, unit: 'day' as const } } })),
    });
    expect(loose).toEqual(plain);
    const gapped = await counts(events, {
      steps: [
        { event: 'A' },
        { event: 'B', gap: { min: { amount: 2, unit: 'second' as const } } },
        { event: 'C', gap: { max: { amount: 5, unit: 'second' as const } } },
      ],
    });
    expect(gapped).toEqual([2, 2, 1]);
    // The time from B to C on p's counted path is 4 s (the B at 8), not 11 s.
    const report = await runFunnel(
      new ColumnCache(new MemoryColumns(events)),
      'default',
      parseFunnelDefinition({
        steps: [{ event: 'A' }, { event: 'B' }, { event: 'C', gap: { max: { amount: 5, unit: 'second' } } }],
      }),
      { threads: 1 },
    );
    expect(report.steps[2]?.medianTimeToConvertSeconds).toBe(4);
  });

  it('are refused where they do not apply, naming the field', () => {
    const gap = { max: { amount: 1, unit: 'hour' as const } };
    expect(() => parseFunnelDefinition({ steps: [{ event: 'A', gap }, { event: 'B' }] })).toThrow(/steps\[0\]\.gap/);
    expect(() => parseFunnelDefinition({ steps: [{ event: 'A' }, { event: 'B', gap }], order: 'strict' })).toThrow(
      /steps\[1\]\.gap: gaps between steps need order "ordered"/,
    );
    expect(() =>
      parseFunnelDefinition({
        steps: [
          { event: 'A' },
          { event: 'B', gap: { min: { amount: 2, unit: 'hour' }, max: { amount: 1, unit: 'hour' } } },
        ],
      }),
    ).toThrow(/min is longer than max/);
  });
});

describe('holding a property constant', () => {
  it('counts each person at the furthest step one value of the property carries them', async () => {
    const arbitrary = fc.record({
      persons: fc.array(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 1, max: 5 }),
            event: fc.constantFrom('A', 'B', 'C', 'N'),
            cart: fc.constantFrom('', 'c1', 'c2'),
          }),
          { maxLength: 8 },
        ),
        { minLength: 1, maxLength: 4 },
      ),
      steps: fc.array(fc.constantFrom('A', 'B', 'C'), { minLength: 2, maxLength: 3 }),
      order: fc.constantFrom('ordered' as const, 'strict' as const),
      window: fc.constantFrom(4, 10, 100),
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async (c) => {
        const journeys = c.persons.map((list) => timed(list).map((e) => ({ t: e.t, name: e.event, value: e.cart })));
        const events = journeys.flatMap((list, p) =>
          list.map((e) => ({
            person: `p${p}`,
            tsSeconds: e.t,
            event: e.name,
            ...(e.value ? { props: { cart: e.value } } : {}),
          })),
        );
        // The reference: per person, the furthest level over the carts, each run on that cart's events alone.
        const n = c.steps.length;
        const expected = new Array<number>(n).fill(0);
        const f = { steps: c.steps, windowSeconds: c.window, order: c.order, exclusions: [] };
        for (const list of journeys) {
          const level = Math.max(
            -1,
            ...['c1', 'c2'].map((cart) =>
              referenceLevel(
                list.filter((e) => e.value === cart),
                f,
              ),
            ),
          );
          for (let k = 0; k <= level; k += 1) expected[k] = (expected[k] as number) + 1;
        }
        const got = await counts(events, {
          steps: c.steps.map((event) => ({ event })),
          window: { amount: c.window, unit: 'second' },
          order: c.order,
          holdConstant: 'cart',
        });
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('does not mix carts on one path', async () => {
    const events: TestEvent[] = [
      // p: adds cart c1, then checks out cart c2: no held path reaches checkout.
      { person: 'p', tsSeconds: 0, event: 'Add', props: { cart: 'c1' } },
      { person: 'p', tsSeconds: 5, event: 'Checkout', props: { cart: 'c2' } },
      // q: adds c1 and c2, checks out c2.
      { person: 'q', tsSeconds: 0, event: 'Add', props: { cart: 'c1' } },
      { person: 'q', tsSeconds: 1, event: 'Add', props: { cart: 'c2' } },
      { person: 'q', tsSeconds: 5, event: 'Checkout', props: { cart: 'c2' } },
    ];
    const steps = [{ event: 'Add' }, { event: 'Checkout' }];
    expect(await counts(events, { steps })).toEqual([2, 2]);
    expect(await counts(events, { steps, holdConstant: 'cart' })).toEqual([2, 1]);
    expect(() => parseFunnelDefinition({ steps, holdConstant: 'cart', view: 'trends' })).toThrow(/holdConstant/);
  });
});

describe('counting attempts', () => {
  it('counts each attempt: the next starts after the previous converted or its window ended', async () => {
    const events: TestEvent[] = [
      // p: A→B at 0–2, again at 5–7, and enters once more at 20: three attempts, two conversions.
      ...[0, 2, 5, 7, 20].map((t, i) => ({ person: 'p', tsSeconds: t, event: i % 2 === 0 ? 'A' : 'B' })),
      // q: A at 0 and 3, B at 15: no B within 10 s of either A; the attempt ends at 10, and B alone starts none.
      { person: 'q', tsSeconds: 0, event: 'A' },
      { person: 'q', tsSeconds: 3, event: 'A' },
      { person: 'q', tsSeconds: 15, event: 'B' },
      // r: B only: no attempt.
      { person: 'r', tsSeconds: 1, event: 'B' },
    ];
    const definition: FunnelDefinitionInput = {
      steps: [{ event: 'A' }, { event: 'B' }],
      window: { amount: 10, unit: 'second' },
    };
    expect(await counts(events, definition)).toEqual([2, 1]);
    expect(await counts(events, { ...definition, counting: 'attempts' })).toEqual([4, 2]);
    const report = await runFunnel(
      new ColumnCache(new MemoryColumns(events)),
      'default',
      parseFunnelDefinition({ ...definition, counting: 'attempts' }),
      { threads: 1 },
    );
    expect(report.unit).toBe('attempt:person');
    expect(() =>
      parseFunnelDefinition({ ...definition, counting: 'attempts', breakdown: { properties: ['x'] } }),
    ).toThrow(/breakdown: counting attempts/);
  });
});

describe('open funnels', () => {
  it('count each person over the steps of its best path from any entry step', async () => {
    const arbitrary = fc.record({
      persons: fc.array(
        fc.array(fc.record({ dt: fc.integer({ min: 1, max: 5 }), event: fc.constantFrom('A', 'B', 'C', 'D', 'N') }), {
          maxLength: 8,
        }),
        { minLength: 1, maxLength: 4 },
      ),
      steps: fc.array(fc.constantFrom('A', 'B', 'C', 'D'), { minLength: 2, maxLength: 4 }),
      order: fc.constantFrom('ordered' as const, 'strict' as const),
      window: fc.constantFrom(4, 10, 100),
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async (c) => {
        const journeys = c.persons.map((list) => timed(list).map((e) => ({ t: e.t, name: e.event, value: '' })));
        const events = journeys.flatMap((list, p) =>
          list.map((e) => ({ person: `p${p}`, tsSeconds: e.t, event: e.name })),
        );
        // The reference: for each entry step e, the furthest step of the funnel e … n−1; the best path is the
        // furthest, entered earliest; the person counts at its steps from entry to there.
        const n = c.steps.length;
        const expected = new Array<number>(n).fill(0);
        for (const list of journeys) {
          let best: { entry: number; last: number } | null = null;
          for (let e = 0; e < n; e += 1) {
            const level = referenceLevel(list, {
              steps: c.steps.slice(e),
              windowSeconds: c.window,
              order: c.order,
              exclusions: [],
            });
            if (level < 0) continue;
            if (!best || e + level > best.last) best = { entry: e, last: e + level };
          }
          if (best) for (let k = best.entry; k <= best.last; k += 1) expected[k] = (expected[k] as number) + 1;
        }
        const got = await counts(events, {
          steps: c.steps.map((event) => ({ event })),
          window: { amount: c.window, unit: 'second' },
          order: c.order,
          open: true,
        });
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('counts people who skipped the first steps', async () => {
    const events: TestEvent[] = [
      { person: 'a', tsSeconds: 0, event: 'Visit' },
      { person: 'a', tsSeconds: 1, event: 'Signup' },
      { person: 'b', tsSeconds: 0, event: 'Signup' }, // came straight to the signup
      { person: 'b', tsSeconds: 1, event: 'Pay' },
      { person: 'c', tsSeconds: 0, event: 'Pay' },
    ];
    const steps = [{ event: 'Visit' }, { event: 'Signup' }, { event: 'Pay' }];
    expect(await counts(events, { steps })).toEqual([1, 1, 0]);
    expect(await counts(events, { steps, open: true })).toEqual([1, 2, 2]);
    expect(() => parseFunnelDefinition({ steps, open: true, order: 'unordered' })).toThrow(/order: an open funnel/);
  });
});
