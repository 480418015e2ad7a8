/**
 * The path explorer (docs/paths.md) and "what dropped units did instead" (docs/diagnose.md) on small hand-made
 * journeys whose expected paths, Sankey columns and odds ratios are counted by hand in the comments, plus a
 * property check of the path counts against a plain reference written from the definition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { droppedInstead } from '../../src/analysis/diagnose/instead.js';
import { runFunnel } from '../../src/analysis/funnel/run-funnel.js';
import {
  entriesByStep,
  type TransitionEntries,
  type TransitionUnits,
} from '../../src/analysis/funnel/transition-units.js';
import { type PathsSpec, rowLabels, runPaths } from '../../src/analysis/paths/run-paths.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { parseFunnelDefinition } from '../../src/model/funnel-definition.js';
import { MemoryColumns, type TestEvent } from '../helpers/memory-columns.js';

/** Events of one person, one a minute from t = 0 (name, or [name, props]). */
function journey(person: string, steps: (string | [string, Record<string, string>])[], startMinute = 0): TestEvent[] {
  return steps.map((s, i) => ({
    person,
    tsSeconds: (startMinute + i) * 60,
    event: typeof s === 'string' ? s : s[0],
    ...(typeof s === 'string' ? {} : { props: s[1] }),
  }));
}

const base: PathsSpec = {
  from: null,
  to: null,
  depth: 3,
  windowSeconds: null,
  exclude: [],
  pagePaths: false,
  collapseRepeats: true,
  identityCalls: false,
  top: 20,
  maxNodesPerPosition: 10,
  dateFrom: null,
  dateTo: null,
};

const events: TestEvent[] = [
  // a: home, signup, home, home (a repeat), pricing, and on
  ...journey('a', ['Home', 'Signup', 'Home', 'Home', 'Pricing', 'Docs']),
  // b: signup, pricing, then nothing more
  ...journey('b', ['Signup', 'Pricing']),
  // c: signup twice: only the first counts; an identify call in between is left out
  ...journey('c', ['Signup', '$identify', 'Home', 'Signup', 'Pricing']),
  // d: never signs up
  ...journey('d', ['Home', 'Pricing']),
  // e: signup, then pricing two days later
  { person: 'e', tsSeconds: 0, event: 'Signup' },
  { person: 'e', tsSeconds: 2 * 86_400, event: 'Pricing' },
];

const paths = (spec: Partial<PathsSpec>, data: readonly TestEvent[] = events) =>
  runPaths(new ColumnCache(new MemoryColumns(data)), 'default', { ...base, ...spec });

describe('paths after an event', () => {
  it('counts the sequences after the first occurrence, repeats collapsed, identity calls left out', async () => {
    const r = await paths({ from: 'Signup' });
    expect(r.units).toBe(4); // a, b, c, e
    expect(r.paths).toEqual([
      // a: Signup → Home (Home repeated: once) → Pricing → Docs (depth 3 reached: no end marker)
      { events: ['Signup', 'Pricing', '(end)'], units: 2 }, // b, e
      { events: ['Signup', 'Home', 'Pricing', 'Docs'], units: 1 }, // a
      { events: ['Signup', 'Home', 'Signup', 'Pricing'], units: 1 }, // c ($identify left out)
    ]);
    expect(r.nodes).toEqual([
      { id: '0:Signup', name: 'Signup', position: 0, units: 4 },
      { id: '1:Home', name: 'Home', position: 1, units: 2 },
      { id: '1:Pricing', name: 'Pricing', position: 1, units: 2 },
      { id: '2:(end)', name: '(end)', position: 2, units: 2 },
      { id: '2:Pricing', name: 'Pricing', position: 2, units: 1 },
      { id: '2:Signup', name: 'Signup', position: 2, units: 1 },
      { id: '3:Docs', name: 'Docs', position: 3, units: 1 },
      { id: '3:Pricing', name: 'Pricing', position: 3, units: 1 },
    ]);
    expect(r.links).toEqual([
      { source: '0:Signup', target: '1:Home', units: 2 },
      { source: '0:Signup', target: '1:Pricing', units: 2 },
      { source: '1:Pricing', target: '2:(end)', units: 2 },
      { source: '1:Home', target: '2:Pricing', units: 1 },
      { source: '1:Home', target: '2:Signup', units: 1 },
      { source: '2:Pricing', target: '3:Docs', units: 1 },
      { source: '2:Signup', target: '3:Pricing', units: 1 },
    ]);
  });

  it('keeps repeats and identity calls when asked, and cuts at the window', async () => {
    const kept = await paths({ from: 'Signup', depth: 2, collapseRepeats: false, identityCalls: true });
    expect(kept.paths).toContainEqual({ events: ['Signup', 'Home', 'Home'], units: 1 }); // a
    expect(kept.paths).toContainEqual({ events: ['Signup', '$identify', 'Home'], units: 1 }); // c
    // A one-hour window: e's pricing two days later is out, so e's path ends at the signup.
    const windowed = await paths({ from: 'Signup', depth: 1, windowSeconds: 3600 });
    expect(windowed.paths).toEqual([
      { events: ['Signup', 'Home'], units: 2 },
      { events: ['Signup', '(end)'], units: 1 }, // ties: in label order
      { events: ['Signup', 'Pricing'], units: 1 },
    ]);
  });

  it('leaves out excluded events and folds rare nodes into (other)', async () => {
    const r = await paths({ from: 'Signup', depth: 1, exclude: ['Home'] });
    // a: Signup → Pricing; b, e: Signup → Pricing; c: Signup, (Home left out) Signup is a repeat of the anchor
    // once Home is gone, so it collapses: Signup → Pricing as well.
    expect(r.paths).toEqual([{ events: ['Signup', 'Pricing'], units: 4 }]);
    const folded = await paths({ from: 'Signup', depth: 2, maxNodesPerPosition: 1 });
    // Column 2 holds (end) 2, Pricing 1, Signup 1: (end) stays, the other two are one (other) node of 2.
    expect(folded.nodes.filter((n) => n.position === 2)).toEqual([
      { id: '2:(end)', name: '(end)', position: 2, units: 2 },
      { id: '2:(other)', name: '(other)', position: 2, units: 2 },
    ]);
    // Whole sequences are never folded.
    expect(folded.paths).toContainEqual({ events: ['Signup', 'Home', 'Signup'], units: 1 });
  });
});

describe('paths before an event', () => {
  it('ends each sequence at the anchor, with (start) where the person had no more events', async () => {
    const r = await paths({ to: 'Pricing', depth: 2 });
    // First Pricing of a: after Signup, Home, Home (collapsed) → [Signup, Home, Pricing]; b: [(start), Signup,
    // Pricing]; c: Signup, Home, Signup → [Home, Signup, Pricing]; d: [(start), Home, Pricing]; e: [(start),
    // Signup, Pricing].
    expect(r.units).toBe(5);
    expect(r.paths).toEqual([
      { events: ['(start)', 'Signup', 'Pricing'], units: 2 },
      { events: ['(start)', 'Home', 'Pricing'], units: 1 },
      { events: ['Home', 'Signup', 'Pricing'], units: 1 },
      { events: ['Signup', 'Home', 'Pricing'], units: 1 },
    ]);
    expect(r.nodes.filter((n) => n.position === 2)).toEqual([
      { id: '2:Pricing', name: 'Pricing', position: 2, units: 5 },
    ]);
    expect(r.links.filter((l) => l.target === '2:Pricing')).toEqual([
      { source: '1:Signup', target: '2:Pricing', units: 3 },
      { source: '1:Home', target: '2:Pricing', units: 2 },
    ]);
  });

  it('labels page views by path, and a page anchors its own views only', async () => {
    const pages = [
      ...journey('p', [['$pageview', { path: '/' }], ['$pageview', { path: '/pricing/' }], 'Signup']),
      ...journey('q', [['$pageview', { path: '/pricing' }], 'Signup']),
      ...journey('r', [['$pageview', { path: '/blog' }], 'Signup']),
    ];
    const r = await paths({ to: 'Signup', depth: 1, pagePaths: true }, pages);
    expect(r.paths).toEqual([
      { events: ['$pageview /pricing', 'Signup'], units: 2 }, // the trailing slash is normalised away
      { events: ['$pageview /blog', 'Signup'], units: 1 },
    ]);
    const fromPricing = await paths({ from: '$pageview /pricing', depth: 1, pagePaths: true }, pages);
    expect(fromPricing.units).toBe(2);
    const fromAnyPage = await paths({ from: '$pageview', depth: 1, pagePaths: true }, pages);
    expect(fromAnyPage.units).toBe(3);
  });

  it('anchors at the first occurrence inside the date range', async () => {
    const day = 86_400;
    const data: TestEvent[] = [
      { person: 'x', tsSeconds: 0, event: 'A' }, // 1970-01-01
      { person: 'x', tsSeconds: 1, event: 'B' },
      { person: 'x', tsSeconds: 3 * day, event: 'A' }, // 1970-01-04
      { person: 'x', tsSeconds: 3 * day + 1, event: 'C' },
      { person: 'y', tsSeconds: 0, event: 'A' }, // none in the range
      { person: 'z', tsSeconds: 5 * day, event: 'A' }, // after it
    ];
    const r = await paths({ from: 'A', depth: 1, dateFrom: '1970-01-02', dateTo: '1970-01-04' }, data);
    expect(r.paths).toEqual([{ events: ['A', 'C'], units: 1 }]);
    await expect(paths({ from: 'A', dateFrom: '1970-02-30' }, data)).rejects.toThrow(/dateFrom/);
  });

  it('names the argument that is wrong', async () => {
    await expect(paths({ from: 'Nope' })).rejects.toThrow(/from: no event or page "Nope"/);
    await expect(paths({})).rejects.toThrow(/exactly one of --from EVENT and --to EVENT/);
    await expect(paths({ from: 'Signup', depth: 11 })).rejects.toThrow(/depth: expected an integer from 1 to 10/);
  });
});

/** The definition, literally: per person with the anchor, the sequence after its first anchor. */
function referencePaths(data: readonly TestEvent[], anchor: string, depth: number): Map<string, number> {
  const byPerson = new Map<string, TestEvent[]>();
  data.forEach((e) => {
    byPerson.set(e.person, [...(byPerson.get(e.person) ?? []), e]);
  });
  const counts = new Map<string, number>();
  for (const list of byPerson.values()) {
    const sorted = list.map((e, i) => ({ e, i })).sort((x, y) => x.e.tsSeconds - y.e.tsSeconds || x.i - y.i);
    const start = sorted.findIndex((x) => x.e.event === anchor);
    if (start < 0) continue;
    const sequence = [anchor];
    for (const { e } of sorted.slice(start + 1)) {
      if (e.event === sequence[sequence.length - 1]) continue;
      if (sequence.length === depth + 1) break;
      sequence.push(e.event);
    }
    if (sequence.length <= depth) sequence.push('(end)');
    const key = sequence.join('>');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('paths against the reference', () => {
  it('count every sequence the reference counts, and the Sankey columns add up', async () => {
    const arbitraryEvents = fc.array(
      fc.record({
        person: fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5', 'p6'),
        tsSeconds: fc.integer({ min: 0, max: 50 }),
        event: fc.constantFrom('A', 'B', 'C', 'D'),
      }),
      { maxLength: 60 },
    );
    await fc.assert(
      fc.asyncProperty(arbitraryEvents, fc.integer({ min: 1, max: 5 }), async (data, depth) => {
        const expected = referencePaths(data, 'A', depth);
        if (expected.size === 0) return;
        const r = await paths({ from: 'A', depth, top: 1000, maxNodesPerPosition: 1000 }, data);
        const got = new Map(r.paths.map((p) => [p.events.join('>'), p.units]));
        expect(got).toEqual(expected);
        // Every unit passes through column 0, and each column holds each unit whose path is that long.
        const units = [...expected.values()].reduce((a, b) => a + b, 0);
        expect(r.units).toBe(units);
        for (let position = 0; position <= depth; position += 1) {
          const inColumn = r.nodes.filter((n) => n.position === position).reduce((a, n) => a + n.units, 0);
          const long = [...expected].filter(([k]) => k.split('>').length > position).reduce((a, [, u]) => a + u, 0);
          expect(inColumn).toBe(long);
          // What flows into a column is what is in it.
          const inflow = r.links.filter((l) => l.target.startsWith(`${position}:`)).reduce((a, l) => a + l.units, 0);
          if (position > 0) expect(inflow).toBe(long);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('paths with many distinct sequences', () => {
  it('count what the reference counts when the trie grows far past its first size', async () => {
    // 3,000 persons, 40 event names, depth 4: tens of thousands of distinct prefixes.
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const data: TestEvent[] = [];
    for (let p = 0; p < 3000; p += 1) {
      const length = 1 + Math.floor(next() * 8);
      for (let i = 0; i < length; i += 1) {
        data.push({ person: `p${p}`, tsSeconds: i, event: i === 0 ? 'A' : `E${Math.floor(next() * 40)}` });
      }
    }
    const expected = referencePaths(data, 'A', 4);
    expect(expected.size).toBeGreaterThan(2000);
    const r = await paths({ from: 'A', depth: 4, top: 100_000, maxNodesPerPosition: 1000 }, data);
    expect(new Map(r.paths.map((p) => [p.events.join('>'), p.units]))).toEqual(expected);
  });
});

describe('what dropped units did instead', () => {
  // Funnel Visit → Pricing → Signup, window 1 day. Of the five who reach Pricing, two sign up (u1, u2); three
  // drop (u3, u4, u5). After Pricing: u1 watches a Video, then signs up; u2 signs up at once; u3 opens Docs then
  // Chat; u4 opens Docs; u5 does nothing more. A Chat by u4 two days later is outside the window.
  const data: TestEvent[] = [
    ...journey('u1', ['Visit', 'Pricing', 'Video', 'Signup']),
    ...journey('u2', ['Visit', 'Pricing', 'Signup']),
    ...journey('u3', ['Visit', 'Pricing', 'Docs', 'Chat']),
    ...journey('u4', ['Visit', 'Pricing', 'Docs']),
    { person: 'u4', tsSeconds: 2 * 86_400, event: 'Chat' },
    ...journey('u5', ['Visit', 'Pricing']),
    ...journey('u6', ['Visit', 'Docs']),
  ];
  const definition = parseFunnelDefinition({
    steps: [{ event: 'Visit' }, { event: 'Pricing' }, { event: 'Signup' }],
    window: { amount: 1, unit: 'day' },
  });

  it('lists their next events and paths, and the events that go with dropping', async () => {
    const cache = new ColumnCache(new MemoryColumns(data));
    let units: TransitionUnits | null = null;
    const report = await runFunnel(cache, 'default', definition, {
      threads: 1,
      transitions: (u) => {
        units = u;
      },
    });
    expect(report.steps.map((s) => s.count)).toEqual([6, 5, 2]);
    // Counting only (as a diagnosis runs): the same counts, no conversion times.
    const countsOnly = await runFunnel(cache, 'default', definition, { threads: 1, times: false });
    expect(countsOnly.steps.map((s) => s.count)).toEqual([6, 5, 2]);
    expect(report.steps[2]?.medianTimeToConvertSeconds).toBe(90); // u1 120 s, u2 60 s
    expect(countsOnly.steps[2]?.medianTimeToConvertSeconds).toBeNull();
    const got = units as TransitionUnits | null;
    if (!got) throw new Error('no transition units');
    // Six at Visit (step 0) and five at Pricing (step 1); the last step has no transition.
    expect([...got.step].sort()).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    const project = await cache.get('default');
    const labels = await rowLabels(project, false);
    const instead = droppedInstead(
      project.columns,
      labels,
      entriesByStep(got, 3)[1] as TransitionEntries,
      { fromStep: 1, toStep: 2, fromName: 'Pricing', toName: 'Signup' },
      { depth: 2, top: 5, stepEvents: ['Visit', 'Pricing', 'Signup'], excluded: new Uint8Array(labels.names.length) },
    );
    expect(instead.dropped).toBe(3);
    expect(instead.nextEvents).toEqual([
      { event: 'Docs', units: 2, share: 2 / 3 },
      { event: '(end)', units: 1, share: 1 / 3 },
    ]);
    expect(instead.paths).toEqual([
      { events: ['Pricing', 'Docs', 'Chat'], units: 2 }, // u3, and u4 (no window on paths)
      { events: ['Pricing', '(end)'], units: 1 },
    ]);
    // Correlation among the five at Pricing: success S = 2, failure F = 3. Between Pricing and Signup (or the
    // window's end): Video s=1 f=0; Docs s=0 f=2; Chat s=0 f=1 (u3; u4's is outside the window).
    // Odds ratio ((s+1)(F−f+1))/((S−s+1)(f+1)): Video 2·4/(2·1) = 4; Docs 1·2/(3·3) = 2/9; Chat 1·3/(3·2) = 1/2.
    expect(instead.correlation.success).toBe(2);
    expect(instead.correlation.failure).toBe(3);
    expect(instead.correlation.events.map((e) => [e.event, e.successCount, e.failureCount, e.oddsRatio])).toEqual([
      ['Video', 1, 0, 4],
      ['Docs', 0, 2, 2 / 9],
      ['Chat', 0, 1, 1 / 2],
    ]);
  });
});
