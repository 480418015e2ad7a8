import { describe, expect, it } from 'vitest';
import { FunnelscopeError } from '../../src/model/errors.js';
import { parseFunnelDefinition } from '../../src/model/funnel-definition.js';

function rejection(input: unknown): { code: string; field: string | undefined } {
  try {
    parseFunnelDefinition(input);
  } catch (error) {
    if (error instanceof FunnelscopeError) return { code: error.code, field: error.details?.field };
    throw error;
  }
  throw new Error('accepted');
}

const steps = [{ event: 'a' }, { event: 'b' }, { event: 'c' }];

describe('funnel definition', () => {
  it('fills the defaults', () => {
    const d = parseFunnelDefinition({ steps });
    expect(d.windowSeconds).toBe(14 * 86_400);
    expect([d.order, d.view, d.timezone, d.conversionReference, d.fromStep, d.toStep]).toEqual([
      'ordered',
      'steps',
      'UTC',
      'total',
      0,
      2,
    ]);
    expect(parseFunnelDefinition({ steps, window: { amount: 0, unit: 'hour' } }).windowSeconds).toBe(14 * 86_400);
    expect(parseFunnelDefinition({ steps, window: { amount: 1, unit: 'month' } }).windowSeconds).toBe(31 * 86_400);
    expect(parseFunnelDefinition({ steps, bins: 500 }).bins).toBe(90);
    expect(parseFunnelDefinition(JSON.stringify({ steps })).steps).toHaveLength(3);
  });

  it('names the offending field', () => {
    expect(rejection({ steps: [] })).toEqual({ code: 'invalid_definition', field: 'steps' });
    expect(rejection({ steps, order: 'random' })).toEqual({ code: 'invalid_definition', field: 'order' });
    expect(rejection({ steps: [{ event: 'a', filters: [{ property: 'x', op: 'gt', value: 'abc' }] }] })).toEqual({
      code: 'invalid_definition',
      field: 'steps[0].filters[0].value',
    });
    expect(rejection({ steps: [{ event: 'a', filters: [{ property: 'x', op: 'regex', value: '(' }] }] }).field).toBe(
      'steps[0].filters[0].value',
    );
    expect(rejection({ steps, stepz: [] })).toEqual({ code: 'invalid_definition', field: 'definition' });
    expect(rejection({ steps, timezone: 'Mars/Olympus' })).toEqual({ code: 'invalid_definition', field: 'timezone' });
    expect(rejection({ steps, dateFrom: '2024-02-01', dateTo: '2024-01-01' }).field).toBe('dateTo');
    expect(rejection('{not json')).toEqual({ code: 'invalid_definition', field: 'definition' });
    expect(rejection({ steps, dateFrom: '2024-02-30' })).toEqual({ code: 'invalid_definition', field: 'dateFrom' });
    const many = Array.from({ length: 32 }, (_, j) => ({ event: `x${j}`, fromStep: 0, toStep: 1 }));
    expect(rejection({ steps, exclusions: many }).field).toBe('exclusions');
  });

  it('enforces the exclusion, optional-step and attribution rules', () => {
    const x = (fromStep: number, toStep: number, event = 'x') => ({ steps, exclusions: [{ event, fromStep, toStep }] });
    expect(rejection(x(1, 1)).code).toBe('invalid_exclusion');
    expect(rejection(x(0, 3)).code).toBe('invalid_exclusion');
    expect(rejection(x(0, 2, 'b'))).toEqual({ code: 'invalid_exclusion', field: 'exclusions[0].event' });
    expect(() => parseFunnelDefinition(x(1, 2, 'a'))).not.toThrow(); // a step outside the range may be excluded
    expect(rejection({ ...x(0, 1), order: 'unordered' }).code).toBe('invalid_exclusion');
    expect(rejection({ steps: [{ event: 'a', optional: true }, { event: 'b' }] }).field).toBe('steps[0].optional');
    expect(rejection({ steps: [{ event: 'a' }, { event: 'b', optional: true }], view: 'trends' }).field).toBe(
      'steps[1].optional',
    );
    expect(rejection({ steps, breakdown: { properties: ['p'], attribution: 'step', attributionStep: 3 } }).code).toBe(
      'invalid_breakdown_attribution',
    );
    expect(
      rejection({
        steps,
        order: 'unordered',
        breakdown: { properties: ['p'], attribution: 'step', attributionStep: 1 },
      }).code,
    ).toBe('invalid_breakdown_attribution');
    expect(rejection({ steps, view: 'trends', fromStep: 2, toStep: 1 }).field).toBe('toStep');
  });
});
