/**
 * The funnel builder's draft (web/src/funnel-draft.ts): a definition read into the builder and written back
 * without edits means the same funnel (compared after parseFunnelDefinition, which fills the defaults), over a
 * hand-written definition using every field and over random ones; edits write what the controls say.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFunnelDefinition } from '../../src/model/funnel-definition.js';
import { definitionOf, draftOf, removeStep } from '../../web/src/funnel-draft.js';

const roundTrip = (definition: Record<string, unknown>) => {
  const read = draftOf(definition);
  if (!read) throw new Error('not read');
  return definitionOf(read.draft, read.base);
};

const rich = {
  steps: [
    { event: '$pageview', name: 'Landing', filters: [{ property: 'path', op: 'in', value: ['/', '/home'] }] },
    {
      event: '$pageview',
      filters: [
        { property: 'plan_price', op: 'gt', value: 20 },
        { property: 'email', scope: 'person', op: 'not_set' },
      ],
      optional: true,
    },
    { event: 'Signed Up', stage: 'intent', firstTime: 'any' },
    {
      event: '$deal_stage',
      name: 'Qualified deal',
      filters: [
        { property: 'stage', value: 'qualified' },
        { property: 'amount', op: 'gte', value: 1000 },
      ],
      stage: 'evaluation',
    },
    { event: '$deal_stage', name: 'Won', filters: [{ property: 'stage', value: 'won' }] },
  ],
  window: { amount: 45, unit: 'day' },
  order: 'strict',
  exclusions: [{ event: 'Churned', fromStep: 1, toStep: 3, filters: [{ property: 'reason', value: 'price' }] }],
  breakdown: { properties: ['channel'], attribution: 'last_touch', limit: 5 },
  dateFrom: '2026-08-01',
  dateTo: '2026-10-31',
  filters: [{ property: 'country', op: 'neq', value: 'US' }],
  countBy: { type: 'group', groupType: 'company' },
  interval: 'week',
  conversionReference: 'previous',
};

describe('funnel builder draft', () => {
  it('writes back a definition using every field as the same funnel', () => {
    expect(parseFunnelDefinition(roundTrip(rich))).toEqual(parseFunnelDefinition(rich));
  });

  it('shows a deal stage step as a pick of that stage, and its other filters as rows', () => {
    const read = draftOf(rich);
    expect(read?.draft.steps.map((s) => s.pick)).toEqual([
      'event:$pageview',
      'event:$pageview',
      'event:Signed Up',
      'stage:qualified',
      'stage:won',
    ]);
    expect(read?.draft.steps[3]?.filters.map((f) => [f.property, f.op, f.value])).toEqual([['amount', 'gte', '1000']]);
    expect(read?.draft.steps[0]?.filters[0]?.value).toBe('/, /home');
  });

  it('writes what the controls say: typed values by operator, a new pick without the old step’s extras', () => {
    const read = draftOf(rich);
    if (!read) throw new Error('not read');
    const { draft, base } = read;
    const [s0, s1, s2, ...others] = draft.steps;
    if (!s0?.filters[0] || !s1?.filters[0] || !s1.filters[1] || !s2) throw new Error('steps not read');
    // Step 1: the list edited; step 2: the number edited; step 3: another event picked.
    const steps = [
      { ...s0, filters: [{ ...s0.filters[0], value: '/a, /b ,, /c' }] },
      { ...s1, filters: [{ ...s1.filters[0], value: '25.5' }, s1.filters[1]] },
      { ...s2, pick: 'event:Activated' },
      ...others,
    ];
    steps.push({ pick: 'stage:negotiation', filters: [], stage: '', extra: {} });
    const written = definitionOf({ ...draft, steps, breakdown: 'device_type', breakdownLimit: 3 }, base) as {
      steps: Record<string, unknown>[];
      breakdown: unknown;
    };
    expect(written.steps[0]?.filters).toEqual([{ property: 'path', op: 'in', value: ['/a', '/b', '/c'] }]);
    expect((written.steps[1]?.filters as unknown[] | undefined)?.[0]).toEqual({
      property: 'plan_price',
      op: 'gt',
      value: 25.5,
    });
    // The optional flag of step 2 is kept (its pick is unchanged); step 3's stage is the control's, its first-time
    // flag gone.
    expect(written.steps[1]?.optional).toBe(true);
    expect(written.steps[2]).toEqual({ event: 'Activated', stage: 'intent' });
    expect(written.steps[5]).toEqual({
      event: '$deal_stage',
      name: 'Deal: negotiation',
      filters: [{ property: 'stage', op: 'eq', value: 'negotiation' }],
    });
    expect(written.breakdown).toEqual({ properties: ['device_type'], limit: 3 });
    expect(() => parseFunnelDefinition(written)).not.toThrow();
  });

  it('leaves out steps without a pick and filters without a property', () => {
    const read = draftOf({ steps: [{ event: 'A' }, { event: 'B' }] });
    if (!read) throw new Error('not read');
    const draft = {
      ...read.draft,
      steps: [
        ...read.draft.steps,
        { pick: '', filters: [], stage: '', extra: {} },
        { pick: 'event:C', filters: [{ property: ' ', scope: 'event', op: 'eq', value: 'x' }], stage: '', extra: {} },
      ],
    };
    expect((definitionOf(draft, read.base) as { steps: unknown[] }).steps).toEqual([
      { event: 'A' },
      { event: 'B' },
      { event: 'C' },
    ]);
  });

  it('keeps OR-steps, any-event steps and any-event exclusions as given', () => {
    const given = {
      steps: [
        { anyOf: [{ event: 'A', filters: [{ property: 'p', value: 1 }] }, { event: null }], name: 'A or any' },
        { event: null, filters: [{ property: 'path', value: '/x' }] },
        { event: 'C' },
      ],
      exclusions: [{ event: null, fromStep: 0, toStep: 2 }],
    };
    const read = draftOf(given);
    expect(read?.draft.steps.map((s) => s.pick)).toEqual(['given:', 'any:', 'event:C']);
    expect(read?.draft.steps[0]?.label).toBe('A or any event');
    expect(parseFunnelDefinition(roundTrip(given))).toEqual(parseFunnelDefinition(given));
  });

  it('renumbers exclusions and step numbers when steps go', () => {
    const given = {
      steps: [{ event: 'A' }, { event: 'B' }, { event: 'C' }, { event: 'D' }],
      exclusions: [
        { event: 'X', fromStep: 0, toStep: 3 },
        { event: 'Y', fromStep: 2, toStep: 3 },
        { event: 'Z', fromStep: 1, toStep: 2 },
      ],
      view: 'time_to_convert',
      fromStep: 2,
      toStep: 3,
    };
    const read = draftOf(given);
    if (!read) throw new Error('not read');
    // Removing step 2 (B): X spans 1 → 3 (was 1 → 4), Y 2 → 3 (was 3 → 4), Z (B → C) has nothing left between.
    const removed = removeStep(read.draft, 1);
    expect(removed.exclusions.map((x) => [x.event, x.fromStep, x.toStep])).toEqual([
      ['event:X', 0, 2],
      ['event:Y', 1, 2],
    ]);
    const written = definitionOf(removed, read.base);
    expect(written.exclusions).toEqual([
      { event: 'X', fromStep: 0, toStep: 2 },
      { event: 'Y', fromStep: 1, toStep: 2 },
    ]);
    // The time-to-convert steps (C → D) follow their steps.
    expect([written.fromStep, written.toStep]).toEqual([1, 2]);
    expect(() => parseFunnelDefinition(written)).not.toThrow();
    // A step left without a pick is left out the same way, and the exclusion ending at it ends before it.
    const emptied = { ...read.draft, steps: read.draft.steps.map((s, i) => (i === 3 ? { ...s, pick: '' } : s)) };
    const shorter = definitionOf(emptied, read.base);
    expect(shorter.exclusions).toEqual([
      { event: 'X', fromStep: 0, toStep: 2 },
      { event: 'Z', fromStep: 1, toStep: 2 },
    ]);
    expect(shorter.toStep).toBeUndefined();
  });

  it('types a value anew when its operator changes', () => {
    const read = draftOf({ steps: [{ event: 'A', filters: [{ property: 'p', op: 'in', value: ['a', 'b'] }] }] });
    if (!read) throw new Error('not read');
    const [first] = read.draft.steps;
    const filter = first?.filters[0];
    if (!first || !filter) throw new Error('not read');
    const written = definitionOf(
      { ...read.draft, steps: [{ ...first, filters: [{ ...filter, op: 'icontains' }] }] },
      read.base,
    ) as { steps: { filters: unknown[] }[] };
    expect(written.steps[0]?.filters).toEqual([{ property: 'p', op: 'icontains', value: 'a, b' }]);
  });

  it('round-trips random definitions', () => {
    const word = fc.constantFrom('$pageview', 'Signed Up', 'Activated', 'a b', "it's", '');
    const property = fc.constantFrom('path', 'channel', 'plan', 'n');
    const filter = fc.oneof(
      fc.record({ property, op: fc.constantFrom('eq', 'neq', 'icontains', 'regex'), value: word }),
      fc.record({ property, op: fc.constantFrom('gt', 'lte'), value: fc.integer({ min: -5, max: 500 }) }),
      fc.record({
        property,
        op: fc.constantFrom('in', 'not_in'),
        value: fc.array(fc.constantFrom('x', 'y z'), { minLength: 1, maxLength: 3 }),
      }),
      fc.record({ property, op: fc.constantFrom('set', 'not_set') }),
    );
    const step = fc.oneof(
      fc.record(
        {
          event: fc.constantFrom('$pageview', 'Signed Up', 'Activated'),
          filters: fc.array(filter, { maxLength: 2 }),
          name: fc.constantFrom('One', 'Two'),
          stage: fc.constantFrom('awareness', 'action'),
        },
        { requiredKeys: ['event'] },
      ),
      fc.record({ event: fc.constant(null), filters: fc.array(filter, { maxLength: 1 }) }),
      fc.record({
        anyOf: fc.array(
          fc.record({ event: fc.constantFrom('A', 'B', null), filters: fc.array(filter, { maxLength: 1 }) }),
          {
            minLength: 2,
            maxLength: 3,
          },
        ),
      }),
      fc.record({
        event: fc.constant('$deal_stage'),
        name: fc.constant('Deal'),
        filters: fc
          .tuple(fc.constantFrom('lead', 'won'), fc.array(filter, { maxLength: 1 }))
          .map(([stage, more]) => [{ property: 'stage', value: stage }, ...more]),
      }),
    );
    const definition = fc.record(
      {
        steps: fc.array(step, { minLength: 2, maxLength: 5 }),
        window: fc.record({ amount: fc.integer({ min: 1, max: 90 }), unit: fc.constantFrom('hour', 'day', 'week') }),
        order: fc.constantFrom('ordered', 'strict', 'unordered'),
        filters: fc.array(filter, { maxLength: 2 }),
        dateFrom: fc.constant('2026-01-01'),
        breakdown: fc.record({ properties: fc.tuple(property), limit: fc.integer({ min: 1, max: 20 }) }),
        view: fc.constantFrom('steps', 'time_to_convert', 'trends'),
      },
      { requiredKeys: ['steps'] },
    );
    fc.assert(
      fc.property(definition, (d) => {
        expect(parseFunnelDefinition(roundTrip(d))).toEqual(parseFunnelDefinition(d));
      }),
      { numRuns: 300 },
    );
  });
});
