/**
 * `funnelscope diagnose` through the bin on the demo business: the friction planted in the generator (mobile
 * visitors sign up from the pricing page at a third of the desktop rate, src/demo/demo-business.ts) must be the
 * top finding, with a sentence, an interval and a loss per month; bad arguments are errors naming the option.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CohortsReport } from '../../src/analysis/cohorts/run-cohorts.js';
import type { DiagnoseReport } from '../../src/analysis/diagnose/run-diagnose.js';
import type { FunnelReport } from '../../src/analysis/funnel/report.js';
import type { PathsReport } from '../../src/analysis/paths/run-paths.js';
import { runCli, runCliJson } from '../helpers/cli.js';

let dir: string;
let db: string;

const funnel = JSON.stringify({
  steps: [
    { event: '$pageview', name: 'Visit' },
    { event: '$pageview', name: 'Pricing', filters: [{ property: 'path', value: '/pricing' }] },
    { event: 'Signed Up', name: 'Signup' },
    { event: 'Activated', name: 'Activation' },
    { event: 'Demo Requested', name: 'Demo request' },
  ],
  window: { amount: 30, unit: 'day' },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-diagnose-'));
  db = join(dir, 'demo.duckdb');
  const demo = await runCli(['--db', db, 'demo', '--visitors', '20000', '--days', '90', '--end-date', '2026-10-31']);
  expect(demo.code).toBe(0);
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('funnelscope diagnose on the demo business', () => {
  it('ranks the planted mobile friction at pricing → signup first', async () => {
    const { json } = await runCliJson<DiagnoseReport>([
      '--db',
      db,
      'diagnose',
      '--definition',
      funnel,
      '--format',
      'json',
    ]);
    const [top] = json.leaks.findings;
    expect(top?.dimensions).toEqual(['device_type']);
    expect(top?.values).toEqual(['Mobile']);
    expect([top?.fromName, top?.toName]).toEqual(['Pricing', 'Signup']);
    // Generated at 6% (mobile) against 18% (desktop) and 12% (tablet) before the channels' factors: about a third
    // of the others' rate, and the interval on the difference stays well below zero.
    expect((top?.segmentRate ?? 1) / (top?.restRate ?? 0)).toBeLessThan(0.5);
    expect(top?.differenceInterval.upper ?? 0).toBeLessThan(-0.05);
    expect(top?.qValue).toBeLessThan(1e-6);
    // The numbers it rests on are the funnel's own: the segment plus the rest are everyone at Pricing.
    const pricing = json.leaks.transitions.find((t) => t.fromName === 'Pricing');
    expect((top?.segmentUnits ?? 0) + (top?.restUnits ?? 0)).toBe(pricing?.entered);
    expect(json.steps[1]?.count).toBe(pricing?.entered);
    // A loss per month over the 90 days of data, and the sentence that says it.
    expect(json.leaks.periodDays).toBe(90);
    expect(top?.lostPerMonth).toBeCloseTo(((top?.lostConversions ?? 0) * 365.2425) / 12 / 90, 9);
    expect(top?.sentence).toMatch(
      /^People with device_type = Mobile convert Pricing → Signup at \d+\.\d% vs \d+\.\d% for everyone else/,
    );
    expect(json.leaks.summary[0]).toBe(top?.sentence);
    // One pass segments by all seven dimensions; its counts are those of a funnel broken down by one of them.
    expect(json.stats.funnelRuns).toBe(1);
    const byDevice = JSON.parse(funnel);
    byDevice.breakdown = { properties: ['device_type'], attribution: 'first_touch', limit: 100 };
    const single = await runCliJson<FunnelReport>(['--db', db, 'funnel', '--definition', JSON.stringify(byDevice)]);
    const mobile = single.json.breakdown?.find((b) => b.value === 'Mobile');
    expect(top?.segmentUnits).toBe(mobile?.steps[1]?.count);
    expect(top?.segmentConverted).toBe(mobile?.steps[2]?.count);

    // What the units that dropped between Pricing and Signup did instead: the generator has 30% of pricing
    // visitors click the billing toggle right after the page, whether they sign up or not, and nothing else.
    const instead = json.instead.find((t) => t.fromName === 'Pricing');
    expect(instead?.dropped).toBe(pricing?.dropped);
    const next = new Map(instead?.nextEvents.map((e) => [e.event, e.share]));
    expect([...next.keys()].sort()).toEqual(['(end)', 'Pricing Toggle Clicked']);
    expect(next.get('Pricing Toggle Clicked')).toBeGreaterThan(0.25);
    expect(next.get('Pricing Toggle Clicked')).toBeLessThan(0.35);
    for (const path of instead?.paths ?? []) expect(path.events[0]).toBe('$pageview /pricing');
    // The toggle goes as often with signing up as without: its odds ratio stays near 1, if it is listed at all.
    const toggle = instead?.correlation.events.find((e) => e.event === 'Pricing Toggle Clicked');
    if (toggle) expect(Math.abs(Math.log(toggle.oddsRatio))).toBeLessThan(Math.log(1.5));

    // Time between steps: the generator waits an exponential 4 minutes (at least 5 s) between the pricing page
    // and the signup, the same for everyone: median 4 × ln 2 ≈ 2.8 min, and no segment slower than the rest.
    const signup = json.durations.transitions.find((t) => t.fromName === 'Pricing');
    expect(signup?.units).toBe(pricing?.converted);
    expect(signup?.medianSeconds).toBeGreaterThan(140);
    expect(signup?.medianSeconds).toBeLessThan(200);
    expect(signup?.medianInterval?.lower).toBeLessThanOrEqual(signup?.medianSeconds ?? 0);
    expect(signup?.p80Seconds).toBeGreaterThan(signup?.medianSeconds ?? Infinity);
    expect(json.durations.findings).toEqual([]);
    // Periods are months by the time of the step, settled units only: the last month of data is still open.
    expect(signup?.periods.map((p) => p.period)).toEqual(['2026-08-01', '2026-09-01', '2026-10-01']);
  }, 60_000);

  it('paths: what came right before each first signup, page views by path', async () => {
    const { code, json } = await runCliJson<PathsReport>([
      ...['--db', db, 'paths', '--to', 'Signed Up', '--depth', '1', '--page-paths', '--format', 'json'],
    ]);
    expect(code).toBe(0);
    // Every signup comes from the pricing page, 30% of them after the billing toggle.
    const before = new Map(json.nodes.filter((n) => n.position === 0).map((n) => [n.name, n.units]));
    expect([...before.keys()].sort()).toEqual(['$pageview /pricing', 'Pricing Toggle Clicked']);
    const toggle = (before.get('Pricing Toggle Clicked') ?? 0) / json.units;
    expect(toggle).toBeGreaterThan(0.25);
    expect(toggle).toBeLessThan(0.35);
    expect(json.nodes.filter((n) => n.position === 1)).toEqual([
      { id: '1:Signed Up', name: 'Signed Up', position: 1, units: json.units },
    ]);
    expect(json.links.reduce((sum, l) => sum + l.units, 0)).toBe(json.units);

    const missing = await runCli(['--db', db, 'paths', '--from', 'Nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('from: no event or page "Nope"');
    const both = await runCli(['--db', db, 'paths', '--from', 'Signed Up', '--to', 'Activated']);
    expect(both.stderr).toContain('exactly one of --from EVENT and --to EVENT');
    const window = await runCli(['--db', db, 'paths', '--from', 'Signed Up', '--window', 'soon']);
    expect(window.stderr).toContain('--window: expected an amount and a unit');
  }, 60_000);

  it('cohorts: by entry month and by channel, each a partition of the funnel; retention after signing up', async () => {
    const { json: steps } = await runCliJson<FunnelReport>(['--db', db, 'funnel', '--definition', funnel]);
    const counts = steps.steps.map((s) => s.count);
    const sums = (r: CohortsReport) =>
      counts.map((_, k) => r.cohorts.reduce((sum, c) => sum + (c.steps[k]?.count ?? 0), 0));
    const byMonth = await runCliJson<CohortsReport>([
      ...['--db', db, 'cohorts', '--definition', funnel, '--period', 'month', '--format', 'json'],
    ]);
    expect(byMonth.code).toBe(0);
    expect(byMonth.json.cohorts.map((c) => c.cohort)).toEqual(['2026-08-01', '2026-09-01', '2026-10-01']);
    expect(sums(byMonth.json)).toEqual(counts);
    // The window is 30 days and the data ends on 31 October: only October's entries can still be in it.
    expect(byMonth.json.cohorts.map((c) => c.stillInWindow > 0)).toEqual([false, false, true]);
    const byChannel = await runCliJson<CohortsReport>([
      ...['--db', db, 'cohorts', '--definition', funnel, '--property', 'channel', '--format', 'json'],
      ...['--retention', 'Activated', '--retention-from', 'conversion', '--retention-period', 'week'],
    ]);
    expect(sums(byChannel.json)).toEqual(counts);
    expect(byChannel.json.heatmap.y).toEqual(byChannel.json.cohorts.map((c) => c.cohort));
    expect(byChannel.json.heatmap.data).toHaveLength(byChannel.json.cohorts.length * counts.length);
    // Retention from conversion counts the units that reached the last step, each cell at most its units.
    const retention = byChannel.json.retention;
    expect(retention?.cohorts.reduce((sum, c) => sum + c.units, 0)).toBe(counts.at(-1));
    for (const row of retention?.cohorts ?? []) {
      for (const cell of row.cells) if (cell) expect(cell.retained).toBeLessThanOrEqual(cell.units);
    }
    const bad = await runCli(['--db', db, 'cohorts', '--definition', funnel, '--retention-periods', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--retention-periods');
  }, 60_000);

  it('prints a table with the transitions, the findings and their sentences', async () => {
    const { code, stdout } = await runCli([
      '--db',
      db,
      'diagnose',
      '--definition',
      funnel,
      '--dimensions',
      'device_type',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('Pricing → Signup');
    expect(stdout).toMatch(/1\s+device_type = Mobile\s+Pricing → Signup/);
    expect(stdout).toContain('1. People with device_type = Mobile convert Pricing → Signup');
  }, 60_000);

  it('says "not enough data" when no segment is large enough', async () => {
    const { json } = await runCliJson<DiagnoseReport>([
      ...['--db', db, 'diagnose', '--definition', funnel, '--dimensions', 'device_type'],
      ...['--min-units', '1000000', '--format', 'json'],
    ]);
    expect(json.leaks.findings).toEqual([]);
    expect(json.leaks.cellsTested).toBe(0);
    expect(json.leaks.summary[0]).toMatch(/^Not enough data/);
  }, 60_000);

  it('refuses bad arguments with the option named', async () => {
    const bad = async (...args: string[]) =>
      (await runCli(['--db', db, 'diagnose', '--definition', funnel, ...args])).stderr;
    expect(await bad('--alpha', '2')).toContain('--alpha');
    expect(await bad('--min-units', '0')).toContain('--min-units');
    expect(await bad('--dimensions', ',')).toContain('--dimensions');
    const oneStep = await runCli(['--db', db, 'diagnose', '--definition', '{"steps": [{"event": "$pageview"}]}']);
    expect(oneStep.code).toBe(2);
    expect(oneStep.stderr).toContain('steps');
  }, 60_000);
});
