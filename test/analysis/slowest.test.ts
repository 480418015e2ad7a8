/**
 * Slowest steps (docs/diagnose.md): simulated durations with a planted slow segment and a planted slowdown over
 * time must be found with the right size; over null data the share of runs with any false finding stays at the
 * nominal level (Benjamini–Hochberg under the global null controls it at α); every figure of "everyone else"
 * equals the figure computed from the explicit rest sample (quantiles by numpy's rule, intervals by the binomial).
 */
import { describe, expect, it } from 'vitest';
import { runDiagnose } from '../../src/analysis/diagnose/run-diagnose.js';
import { type DimensionValues, type DurationSpec, rankDurations } from '../../src/analysis/diagnose/slowest.js';
import type { TransitionUnits } from '../../src/analysis/funnel/transition-units.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { type FunnelDefinitionInput, parseFunnelDefinition } from '../../src/model/funnel-definition.js';
import { quantileIntervalSorted, quantileSorted } from '../../src/stats/quantiles.js';
import { mulberry32 } from '../../src/stats/random.js';
import { MemoryColumns, type TestEvent } from '../helpers/memory-columns.js';

const day = 86_400e6;
const month = 30 * day;

/** A seeded generator (mulberry32) and an exponential draw. */
function rng(seed: number) {
  const next = mulberry32(seed);
  return { next, exponential: (mean: number) => -mean * Math.log(1 - next()) };
}

interface Simulated {
  units: TransitionUnits;
  dimension: DimensionValues;
  spec: DurationSpec;
  /** Durations (s) per segment value id. */
  bySegment: number[][];
}

/**
 * `units` conversions from step 0 to step 1, entries spread evenly over 8 months, durations exponential with a
 * 2-day mean; segment = value id 1 … 8 at random. `slowValue` takes `slowFactor` times as long; `growth` multiplies
 * durations by (1 + growth) per month.
 */
function simulate(seed: number, options: { units?: number; slowValue?: number; slowFactor?: number; growth?: number }) {
  const r = rng(seed);
  const n = options.units ?? 4000;
  const values = new Int32Array(n);
  const units: TransitionUnits = {
    unitCount: n,
    unitValues: [values],
    unitPaths: new Int32Array(n).fill(3),
    unitEntryUs: new Float64Array(n),
    unitFirstRow: new Int32Array(n),
    unitConvertUs: new Float64Array(n),
    unit: Int32Array.from({ length: n }, (_, i) => i),
    step: new Uint8Array(n),
    rows: new Int32Array(n),
    converted: new Uint8Array(n).fill(1),
    endUs: new Float64Array(n),
  };
  const tsUs = new Float64Array(n);
  const bySegment: number[][] = Array.from({ length: 9 }, () => []);
  for (let i = 0; i < n; i += 1) {
    const t = Math.floor((i / n) * 8 * month);
    const value = 1 + Math.floor(r.next() * 8);
    let seconds = r.exponential(2 * 86_400);
    if (value === options.slowValue) seconds *= options.slowFactor ?? 1;
    seconds *= (1 + (options.growth ?? 0)) ** Math.floor(t / month);
    seconds = Math.round(seconds); // whole seconds, as events are stored: ties happen
    units.rows[i] = i;
    tsUs[i] = t;
    units.endUs[i] = t + seconds * 1e6;
    values[i] = value;
    bySegment[value]?.push(seconds);
  }
  const labels = ['', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const startsUs = Array.from({ length: 9 }, (_, k) => k * month);
  const spec: DurationSpec = {
    transitions: [{ from: 0, to: 1, fromName: 'Signup', toName: 'Activation' }],
    tsUs,
    dataEndUs: 8 * month,
    windowUs: 14 * day,
    periods: { startsUs, labels: startsUs.map((_, k) => `m${k}`), endUs: 8 * month },
    recentPeriods: 6,
    unit: 'person',
    alpha: 0.05,
    minUnits: 30,
    top: 10,
  };
  return { units, dimension: { dimensions: ['channel'], values: 0, labels }, spec, bySegment } satisfies Simulated;
}

describe('slow segments', () => {
  it('finds a planted slow segment with the right size', () => {
    const { units, dimension, spec, bySegment } = simulate(1, { slowValue: 3, slowFactor: 2 });
    const report = rankDurations(units, [dimension], spec);
    const [top] = report.findings;
    expect(top?.segment).toBe('channel = c');
    expect([top?.fromName, top?.toName]).toEqual(['Signup', 'Activation']);
    // Exponential medians: 2 days × ln 2 × 2 against 2 days × ln 2.
    const ratio = (top?.segmentDurations.medianSeconds ?? 0) / (top?.restDurations.medianSeconds ?? 1);
    expect(ratio).toBeGreaterThan(1.6);
    expect(ratio).toBeLessThan(2.5);
    expect(top?.segmentDurations.units).toBe(bySegment[3]?.length);
    expect(top?.sentence).toMatch(/^People with channel = c take a median [\d.]+ days \(95% CI/);
    // Only the planted segment is slower.
    expect(report.findings.map((f) => f.segment)).toEqual(['channel = c']);
  });

  it('gives everyone else the figures of the explicit rest sample', () => {
    const { units, dimension, spec, bySegment } = simulate(2, { units: 1500 });
    const report = rankDurations(units, [dimension], { ...spec, alpha: 1 }); // every tested cell is "significant"
    const cells = [...report.findings];
    expect(report.cellsTested).toBe(8);
    for (let value = 1; value <= 8; value += 1) {
      const rest = Float64Array.from(bySegment.flatMap((list, v) => (v === value ? [] : list))).sort();
      const segment = Float64Array.from(bySegment[value] ?? []).sort();
      // Findings are the slower half (z > 0); compare the ones listed.
      const cell = cells.find((c) => c.values[0] === dimension.labels[value]);
      if (!cell) continue;
      expect(cell.restDurations.units).toBe(rest.length);
      expect(cell.restDurations.medianSeconds).toBe(quantileSorted(rest, 0.5));
      expect(cell.restDurations.p80Seconds).toBe(quantileSorted(rest, 0.8));
      expect(cell.restDurations.medianInterval).toEqual(quantileIntervalSorted(rest, 0.5));
      expect(cell.restDurations.p80Interval).toEqual(quantileIntervalSorted(rest, 0.8));
      expect(cell.restDurations.meanSeconds).toBeCloseTo(rest.reduce((a, b) => a + b, 0) / rest.length, 6);
      expect(cell.segmentDurations.medianSeconds).toBe(quantileSorted(segment, 0.5));
    }
    expect(cells.length).toBeGreaterThan(0);
  });

  it('keeps the share of null runs with a false finding at α', () => {
    let withFinding = 0;
    const seeds = 200;
    for (let seed = 100; seed < 100 + seeds; seed += 1) {
      const { units, dimension, spec } = simulate(seed, { units: 1500 });
      if (rankDurations(units, [dimension], spec).findings.length > 0) withFinding += 1;
    }
    // Under the global null BH controls the family-wise rate at α = 5% (one-sided findings: about half of it);
    // 0.08 is more than two binomial standard errors above 5% over 200 runs.
    expect(withFinding / seeds).toBeLessThanOrEqual(0.08);
  });

  it('reads each segmentation from its own values of the same units', () => {
    const { units, dimension, spec } = simulate(5, { units: 1500, slowValue: 2, slowFactor: 2 });
    // Another segmentation of the same units: value = unit index mod 3.
    const parity = Int32Array.from({ length: 1500 }, (_, i) => 1 + (i % 3));
    const other: DimensionValues = { dimensions: ['parity'], values: 1, labels: ['', 'x', 'y', 'z'] };
    const both = rankDurations({ ...units, unitValues: [...units.unitValues, parity] }, [dimension, other], {
      ...spec,
      alpha: 1,
    });
    const alone = rankDurations({ ...units, unitValues: [parity] }, [{ ...other, values: 0 }], { ...spec, alpha: 1 });
    const byParity = (r: typeof both) =>
      r.findings.filter((f) => f.dimensions[0] === 'parity').map((f) => [f.segment, f.pValue, f.segmentDurations]);
    expect(byParity(both)).toEqual(byParity(alone));
    expect(byParity(alone).length).toBeGreaterThan(0);
    expect(both.findings.some((f) => f.segment === 'channel = b')).toBe(true);
  });

  it('says "not enough data" below the minimum', () => {
    const { units, dimension, spec } = simulate(3, { units: 100 });
    const report = rankDurations(units, [dimension], { ...spec, minUnits: 50 });
    expect(report.cellsTested).toBe(0);
    expect(report.cellsNotEnoughData).toBe(8);
    expect(report.summary[0]).toMatch(/^Not enough data to compare durations/);
  });
});

describe('durations over time', () => {
  it('flags a transition that is getting slower', () => {
    const { units, dimension, spec } = simulate(4, { growth: 0.15 });
    const [t] = rankDurations(units, [dimension], spec).transitions;
    // Settled units only: the last two weeks (the window) are left out, so the latest periods are m2 … m7.
    expect(t?.periods.map((p) => p.period)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(t?.trend?.growing).toBe(true);
    expect(t?.trend?.tau).toBeGreaterThan(0);
    // 1.15^5 ≈ 2.0 times from the first period shown to the last: a change of about +100%.
    expect(t?.trend?.change).toBeGreaterThan(0.5);
    expect(t?.trend?.change).toBeLessThan(1.6);
    expect(t?.trend?.sentence).toMatch(/^Signup → Activation is getting slower: median/);
    const last = t?.periods.at(-1);
    // m7 holds the entries of its first 16 days only (the rest are not settled).
    expect(last?.units).toBeGreaterThan(200);
    expect(last?.units).toBeLessThan(320);
  });

  it('does not flag flat durations more often than α', () => {
    let flagged = 0;
    const seeds = 200;
    for (let seed = 500; seed < 500 + seeds; seed += 1) {
      const { units, dimension, spec } = simulate(seed, { units: 1500 });
      if (rankDurations(units, [dimension], spec).transitions[0]?.trend?.growing) flagged += 1;
    }
    expect(flagged / seeds).toBeLessThanOrEqual(0.06); // one-sided: about 2.5% expected
  });
});

describe('the diagnosis on other funnels', () => {
  const month = (m: number, day: number) => Date.UTC(2026, m - 1, day) / 1000;
  const run = (events: TestEvent[], definition: FunnelDefinitionInput) =>
    runDiagnose(
      new ColumnCache(new MemoryColumns(events)),
      'default',
      {
        definition: parseFunnelDefinition(definition),
        dimensions: ['channel'],
        pairs: false,
        alpha: 0.05,
        minUnits: 1,
        top: 10,
        insteadDepth: 2,
        insteadTop: 3,
        period: 'month',
        recentPeriods: 6,
      },
      { threads: 1 },
    );
  // Six people: A on 25 January, B on 5 February, C on 6 February; the data runs to 1 April.
  const events: TestEvent[] = [
    ...Array.from({ length: 6 }, (_, p) => [
      { person: `p${p}`, tsSeconds: month(1, 25), event: 'A', props: { channel: p % 2 ? 'x' : 'y' } },
      { person: `p${p}`, tsSeconds: month(2, 5) + p * 60, event: 'B' },
      { person: `p${p}`, tsSeconds: month(2, 6) + p * 600, event: 'C' },
    ]).flat(),
    { person: 'z', tsSeconds: month(4, 1), event: 'Z' },
  ];

  it('puts a later step landing after an entry-only range in its own period', async () => {
    const r = await run(events, {
      steps: [{ event: 'A' }, { event: 'B' }, { event: 'C' }],
      window: { amount: 30, unit: 'day' },
      dateFrom: '2026-01-01',
      dateTo: '2026-01-31',
      entryDateRange: true,
    });
    const bToC = r.durations.transitions.find((t) => t.from === 1);
    expect(bToC?.periods.map((p) => [p.period, p.units])).toEqual([['2026-02-01', 6]]);
  });

  it('says that time between steps needs an ordered funnel by person, and lists no dropped paths', async () => {
    const r = await run(events, { steps: [{ event: 'A' }, { event: 'B' }], order: 'unordered' });
    expect(r.instead).toEqual([]);
    expect(r.durations.transitions).toEqual([]);
    expect(r.durations.summary).toEqual([
      'Time between steps is measured for ordered and strict funnels counted by person.',
    ]);
  });
});
