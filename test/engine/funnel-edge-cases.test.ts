/** Edge cases found in review, each pinned by a hand-checked example (in-memory columns, no database). */
import { describe, expect, it } from 'vitest';
import { runFunnel } from '../../src/analysis/funnel/run-funnel.js';
import { normalizeUrl } from '../../src/engine/breakdown-values.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { type FunnelDefinitionInput, parseFunnelDefinition } from '../../src/model/funnel-definition.js';
import { MemoryColumns, type TestEvent } from '../helpers/memory-columns.js';

const t0 = 1_700_000_000;
const run = (events: TestEvent[], definition: FunnelDefinitionInput) =>
  runFunnel(new ColumnCache(new MemoryColumns(events)), 'default', parseFunnelDefinition(definition));

describe('funnel edge cases', () => {
  it('correlation only counts events after the unit entered', async () => {
    // u1: x, y, then a (enters, drops); u2: a, b (converts). Nothing happens after u1's a, so no event qualifies.
    const events: TestEvent[] = [
      { person: 'u1', tsSeconds: t0, event: 'x' },
      { person: 'u1', tsSeconds: t0 + 5, event: 'y' },
      { person: 'u1', tsSeconds: t0 + 10, event: 'a' },
      { person: 'u2', tsSeconds: t0, event: 'a' },
      { person: 'u2', tsSeconds: t0 + 5, event: 'b' },
    ];
    const report = await run(events, { steps: [{ event: 'a' }, { event: 'b' }], correlation: { type: 'events' } });
    expect([report.correlation?.success, report.correlation?.failure]).toEqual([1, 1]);
    expect(report.correlation?.events).toEqual([]);
  });

  it('step attribution reads the event that fills that step, also after a skipped optional step', async () => {
    // Steps a, b (optional), c; attribution step 2. Only c@20 (v = y) can fill step 2; c@0 comes before a.
    const events: TestEvent[] = [
      { person: 'u', tsSeconds: t0, event: 'c', props: { v: 'z' } },
      { person: 'u', tsSeconds: t0 + 10, event: 'a', props: { v: 'x' } },
      { person: 'u', tsSeconds: t0 + 20, event: 'c', props: { v: 'y' } },
    ];
    const report = await run(events, {
      steps: [{ event: 'a' }, { event: 'b', optional: true }, { event: 'c' }],
      breakdown: { properties: ['v'], attribution: 'step', attributionStep: 2 },
    });
    expect(report.breakdown?.map((b) => [b.value, b.steps.map((s) => s.count)])).toEqual([['y', [1, 0, 1]]]);
  });

  it('a correlation with nobody converted lists no events and says it is skewed', async () => {
    const events: TestEvent[] = [
      { person: 'u', tsSeconds: t0, event: 'a' },
      { person: 'u', tsSeconds: t0 + 1, event: 'x' },
    ];
    const report = await run(events, { steps: [{ event: 'a' }, { event: 'b' }], correlation: { type: 'events' } });
    expect(report.correlation).toEqual({ success: 0, failure: 1, skewed: true, events: [] });
  });

  it('URL normalisation keeps the root as "/"', () => {
    expect(normalizeUrl('https://a.io/x/?#')).toBe('https://a.io/x');
    expect(normalizeUrl('/')).toBe('/');
    expect(normalizeUrl('')).toBe('');
  });

  it('rolls steps up by their stage, with TOFU/MOFU/BOFU', async () => {
    // u1 does a b c d, u2 a b, u3 a: steps [3, 2, 1, 1]. Stages: awareness (step 0), interest (steps 1-2), action
    // (step 3): 3, then 2 of 3, then 1 of 2.
    const events: TestEvent[] = [];
    const add = (person: string, names: string[]) =>
      names.forEach((event, i) => {
        events.push({ person, tsSeconds: t0 + i * 60, event });
      });
    add('u1', ['a', 'b', 'c', 'd']);
    add('u2', ['a', 'b']);
    add('u3', ['a']);
    const report = await run(events, {
      steps: [
        { event: 'a', stage: 'awareness' },
        { event: 'b', stage: 'interest' },
        { event: 'c', stage: 'interest' },
        { event: 'd', stage: 'action' },
      ],
    });
    expect(report.steps.map((s) => s.count)).toEqual([3, 2, 1, 1]);
    expect(
      report.stageRollup?.map((r) => [r.stage, r.section, r.firstStep, r.count, r.conversionFromPrevious]),
    ).toEqual([
      ['awareness', 'TOFU', 0, 3, null],
      ['interest', 'TOFU', 1, 2, 2 / 3],
      ['action', 'BOFU', 3, 1, 1 / 2],
    ]);
    expect((await run(events, { steps: [{ event: 'a' }, { event: 'b' }] })).stageRollup).toBeNull();
  });
});
