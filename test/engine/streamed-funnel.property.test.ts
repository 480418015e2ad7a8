/**
 * A funnel streamed in batches of persons (the ClickHouse store's path for a large project) gives the report of the
 * same funnel over the whole project, on random streams and random definitions: orders, windows, exclusions, step
 * filters, event and person breakdowns with every attribution, trends, time to convert and correlation. The
 * batches come from test/helpers/batched-columns.ts, a plain cut of the whole columns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runAttribution } from '../../src/analysis/attribution/run-attribution.js';
import { runCohorts } from '../../src/analysis/cohorts/run-cohorts.js';
import { runExperiment } from '../../src/analysis/experiments/run-experiment.js';
import { runFunnel } from '../../src/analysis/funnel/run-funnel.js';
import { monthlyVisitors } from '../../src/analysis/kpi/monthly-visitors.js';
import { runPaths } from '../../src/analysis/paths/run-paths.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { FunnelscopeError } from '../../src/model/errors.js';
import { parseFunnelDefinition } from '../../src/model/funnel-definition.js';
import { BatchedColumns } from '../helpers/batched-columns.js';
import { MemoryColumns, type TestEvent } from '../helpers/memory-columns.js';

const base = Date.UTC(2026, 0, 5) / 1000;

const personArb = fc.record({
  tier: fc.constantFrom('gold', 'silver', ''),
  events: fc.array(
    fc.record({
      hours: fc.integer({ min: 0, max: 24 * 6 }),
      name: fc.constantFrom('A', 'B', 'C', 'X'),
      value: fc.constantFrom('', 'red', 'blue'),
    }),
    { minLength: 1, maxLength: 8 },
  ),
});

const definitionArb = fc.record({
  order: fc.constantFrom('ordered', 'strict', 'unordered'),
  steps: fc.constantFrom(['A', 'B'], ['A', 'B', 'C'], ['B', 'C'], ['A', 'C', 'B']),
  hours: fc.constantFrom(2, 24, 24 * 7),
  exclusion: fc.boolean(),
  filter: fc.boolean(),
  breakdown: fc.constantFrom(null, 'first_touch', 'last_touch', 'all_events', 'step', 'person'),
  view: fc.constantFrom('steps', 'trends', 'time_to_convert'),
  correlation: fc.boolean(),
});

type Person = typeof personArb extends fc.Arbitrary<infer T> ? T : never;

/** The persons' events: person `p00`, `p01`, …; hours after `base`; `value` as the event property. */
function eventsOf(persons: readonly Person[]): TestEvent[] {
  return persons.flatMap((p, i) =>
    p.events.map((e) => ({
      person: `p${String(i).padStart(2, '0')}`,
      tsSeconds: base + e.hours * 3600,
      event: e.name,
      props: e.value ? { value: e.value } : ({} as Record<string, string>),
    })),
  );
}

type Def = typeof definitionArb extends fc.Arbitrary<infer T> ? T : never;

function definitionOf(d: Def): Record<string, unknown> {
  return {
    order: d.order,
    steps: d.steps.map((event, k) => ({
      event,
      ...(d.filter && k === 1 ? { filters: [{ property: 'value', op: 'neq', value: 'blue' }] } : {}),
    })),
    window: { amount: d.hours, unit: 'hour' },
    ...(d.exclusion && d.order === 'ordered' ? { exclusions: [{ event: 'X', fromStep: 0, toStep: 1 }] } : {}),
    ...(d.breakdown === 'person'
      ? { breakdown: { properties: ['tier'], scope: 'person' } }
      : d.breakdown
        ? { breakdown: { properties: ['value'], attribution: d.breakdown, attributionStep: 0 } }
        : {}),
    view: d.view,
    ...(d.view === 'trends' ? { interval: 'day' } : {}),
    ...(d.correlation && d.view === 'steps' ? { correlation: { type: 'events' } } : {}),
  };
}

/** A report without what describes the run (time taken, batches), or the error's code and message. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return JSON.parse(JSON.stringify(await run()), (key, value) =>
      key === 'elapsedMs' || key === 'batches' ? undefined : value,
    );
  } catch (error) {
    if (error instanceof FunnelscopeError) return { error: error.code, message: error.message };
    throw error;
  }
}

/**
 * Runs a report over the events loaded whole and over them streamed in batches of `batchEvents` events; expects
 * the same outcome, and that the stream was cut into several batches whenever it could be.
 */
async function expectSameStreamed(
  events: TestEvent[],
  batchEvents: number,
  run: (cache: ColumnCache) => Promise<unknown>,
  traits: Record<string, Record<string, string>> = {},
): Promise<void> {
  const whole = await outcome(() => run(new ColumnCache(new MemoryColumns(events, traits))));
  const batched = new BatchedColumns(new MemoryColumns(events, traits), batchEvents);
  expect(await outcome(() => run(new ColumnCache(batched)))).toEqual(whole);
  const perPerson = new Map<string, number>();
  for (const e of events) perPerson.set(e.person, (perPerson.get(e.person) ?? 0) + 1);
  // An error may come before any batch; a report with nothing to read may stop before the batches.
  if (batched.batchesStreamed > 0 && !('error' in (whole as object))) {
    if (events.length > Math.max(batchEvents, ...perPerson.values()))
      expect(batched.batchesStreamed).toBeGreaterThan(1);
  }
}

describe('a funnel streamed in batches of persons', () => {
  it('gives the whole run’s report, figure for figure', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(personArb, { minLength: 1, maxLength: 12 }),
        definitionArb,
        fc.integer({ min: 1, max: 9 }),
        async (persons, d, batchEvents) => {
          const events = eventsOf(persons);
          const traits = Object.fromEntries(
            persons.map((p, i) => [
              `p${String(i).padStart(2, '0')}`,
              p.tier ? { tier: p.tier } : ({} as Record<string, string>),
            ]),
          );
          const definition = definitionOf(d);
          await expectSameStreamed(
            events,
            batchEvents,
            (cache) => runFunnel(cache, 'default', parseFunnelDefinition(definition)),
            traits,
          );
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);

  it('counts the KPI visitors per month, channel and campaign as the whole pass does', async () => {
    const eventArb = fc.record({
      days: fc.integer({ min: 0, max: 100 }),
      name: fc.constantFrom('$pageview', 'A'),
      channel: fc.constantFrom('', 'Email', 'Paid Search'),
      campaign: fc.constantFrom('', 'spring', 'fall'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(eventArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 7 }),
        async (persons, batchEvents) => {
          const events: TestEvent[] = persons.flatMap((list, i) =>
            list.map((e) => ({
              person: `p${i}`,
              tsSeconds: base + e.days * 86_400,
              event: e.name,
              props: {
                ...(e.channel ? { channel: e.channel } : {}),
                ...(e.campaign ? { utm_campaign: e.campaign } : {}),
              },
            })),
          );
          await expectSameStreamed(events, batchEvents, (cache) => monthlyVisitors(cache, 'default'));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the cohort and retention tables of the whole pass', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(personArb, { minLength: 1, maxLength: 12 }),
        fc.record({
          order: fc.constantFrom('ordered', 'strict'),
          hours: fc.constantFrom(2, 24, 24 * 7),
          byValue: fc.boolean(),
          from: fc.constantFrom('entry', 'conversion'),
          period: fc.constantFrom('day', 'week'),
        }),
        fc.integer({ min: 1, max: 9 }),
        async (persons, c, batchEvents) => {
          const events = eventsOf(persons);
          const spec = {
            definition: parseFunnelDefinition({
              order: c.order,
              steps: [{ event: 'A' }, { event: 'B' }],
              window: { amount: c.hours, unit: 'hour' },
            }),
            period: c.period,
            property: c.byValue ? 'value' : null,
            retention: { event: 'C', periods: 4, period: 'day', from: c.from },
          } as const;
          await expectSameStreamed(events, batchEvents, (cache) => runCohorts(cache, 'default', spec));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the paths of the whole pass', async () => {
    const eventArb = fc.record({
      hours: fc.integer({ min: 0, max: 48 }),
      name: fc.constantFrom('$pageview', 'A', 'B', '$identify'),
      path: fc.constantFrom('', '/a', '/a/', '/b'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(eventArb, { minLength: 1, maxLength: 7 }), { minLength: 1, maxLength: 10 }),
        fc.record({
          from: fc.boolean(),
          anchor: fc.constantFrom('$pageview', 'A', '$pageview /a'),
          depth: fc.integer({ min: 1, max: 4 }),
          pagePaths: fc.boolean(),
          collapseRepeats: fc.boolean(),
          top: fc.integer({ min: 1, max: 5 }),
        }),
        fc.integer({ min: 1, max: 7 }),
        async (persons, p, batchEvents) => {
          const events: TestEvent[] = persons.flatMap((list, i) =>
            list.map((e) => ({
              person: `p${i}`,
              tsSeconds: base + e.hours * 3600,
              event: e.name,
              props: e.path ? { path: e.path } : ({} as Record<string, string>),
            })),
          );
          const spec = {
            from: p.from ? p.anchor : null,
            to: p.from ? null : p.anchor,
            depth: p.depth,
            windowSeconds: null,
            exclude: [],
            pagePaths: p.pagePaths,
            collapseRepeats: p.collapseRepeats,
            identityCalls: false,
            top: p.top,
            maxNodesPerPosition: 2,
            dateFrom: null,
            dateTo: null,
          };
          await expectSameStreamed(events, batchEvents, (cache) => runPaths(cache, 'default', spec));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the attribution of the whole pass: journeys, every model, cross-device', async () => {
    const eventArb = fc.record({
      hours: fc.integer({ min: 0, max: 24 * 20 }),
      name: fc.constantFrom('$pageview', '$pageview', 'Purchase'),
      channel: fc.constantFrom('', 'Email', 'Paid Search', 'Direct'),
      campaign: fc.constantFrom('', 'spring'),
      device: fc.constantFrom('a', 'b'),
    });
    const noDeals = {
      spendAndDeals: async () => ({ spend: [], deals: [], stageChanges: [], dealPeople: [], personRevenue: [] }),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(eventArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 10 }),
        fc.record({ lookbackDays: fc.constantFrom(1, 7, 30), sessionGapMinutes: fc.constantFrom(30, 600) }),
        fc.integer({ min: 1, max: 9 }),
        async (persons, a, batchEvents) => {
          const events: TestEvent[] = persons.flatMap((list, i) =>
            list.map((e) => ({
              person: `p${i}`,
              tsSeconds: base + e.hours * 3600,
              event: e.name,
              props: {
                anonymous_id: `${e.device}${i}`,
                ...(e.channel ? { channel: e.channel } : {}),
                ...(e.campaign ? { utm_campaign: e.campaign } : {}),
                ...(e.name === 'Purchase' ? { revenue: String(e.hours % 7) } : {}),
              },
            })),
          );
          const spec = {
            project: 'default',
            conversion: { kind: 'event', event: 'Purchase' },
            ...a,
            halfLifeDays: 7,
            positionFirst: 0.4,
            positionLast: 0.4,
            markovOrder: 1,
            bootstrap: 20,
            seed: 7,
          } as const;
          await expectSameStreamed(events, batchEvents, (cache) => runAttribution(cache, noDeals, spec));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the experiment report of the whole pass: exposures, goal by event or filtered step, per-variant funnel', async () => {
    const eventArb = fc.record({
      hours: fc.integer({ min: 0, max: 24 * 6 }),
      name: fc.constantFrom('Experiment Viewed', 'Purchase', '$pageview'),
      variant: fc.constantFrom('control', 'b'),
      plan: fc.constantFrom('pro', 'free'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(eventArb, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 12 }),
        fc.record({ stepGoal: fc.boolean(), includeMultiple: fc.boolean(), funnel: fc.boolean() }),
        fc.integer({ min: 1, max: 7 }),
        async (persons, x, batchEvents) => {
          const events: TestEvent[] = persons.flatMap((list, i) =>
            list.map((e) => ({
              person: `p${i}`,
              tsSeconds: base + e.hours * 3600,
              event: e.name,
              props:
                e.name === 'Experiment Viewed'
                  ? { experiment_id: 'hero', variation_name: e.variant }
                  : e.name === 'Purchase'
                    ? { plan: e.plan }
                    : ({} as Record<string, string>),
            })),
          );
          const spec = {
            project: 'default',
            experiment: 'hero',
            goal: x.stepGoal
              ? { event: 'Purchase', filters: [{ property: 'plan', op: 'eq', value: 'pro' }] }
              : 'Purchase',
            windowDays: 2,
            includeMultiple: x.includeMultiple,
            alpha: 0.05,
            tau: 0.05,
            correction: 'holm',
            funnel: x.funnel ? { steps: [{ event: '$pageview' }, { event: 'Purchase' }] } : null,
          } as const;
          await expectSameStreamed(events, batchEvents, (cache) => runExperiment(cache, spec));
        },
      ),
      { numRuns: 150 },
    );
  });
});
