/**
 * `funnelscope funnel` end to end on real data: the OTTO session sample (test/fixtures/otto, CC BY 4.0), a
 * clicks → carts → orders funnel per session.
 *
 * Expected counts come from this independent Python script over otto_events_flat.csv (greedy: from every click,
 * the first cart at or after it, then the first order at or after that, all within the window of the click):
 *
 *   import csv, collections
 *   by = collections.defaultdict(list)
 *   for r in csv.DictReader(open('otto_events_flat.csv')): by[r['session']].append((int(r['ts']), r['type']))
 *   steps = ['clicks', 'carts', 'orders']
 *   def level(evs, w):
 *       best = -1
 *       for t0, e in sorted(evs):
 *           if e != 'clicks': continue
 *           lvl, prev = 0, t0
 *           for k in (1, 2):
 *               nxt = [t for t, e2 in evs if e2 == steps[k] and t >= prev and t - t0 <= w]
 *               if not nxt: break
 *               prev, lvl = min(nxt), k
 *           best = max(best, lvl)
 *       return best
 *   # w = 14 days → [20, 7, 2]; w = 60 s → [20, 7, 0]
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunnelReport } from '../../src/analysis/funnel/report.js';
import { fixtures, runCli, runCliJson, tempDir } from '../helpers/cli.js';

const ottoCsv = join(fixtures, 'otto/otto_events_flat.csv');
const ottoMap = ['--map', 'user_id=session', '--map', 'event=type', '--map', 'timestamp=ts'];
const steps = [{ event: 'clicks' }, { event: 'carts' }, { event: 'orders' }];

describe('funnelscope funnel over the OTTO sample', () => {
  let db: string;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const temp = await tempDir();
    cleanup = temp.cleanup;
    dir = temp.dir;
    db = join(dir, 'otto.duckdb');
    const imported = await runCli(['--db', db, 'import', 'events', ottoCsv, ...ottoMap]);
    expect(imported.code, imported.stderr).toBe(0);
  });
  afterAll(() => cleanup());

  it('counts sessions per step as an independent script does, for a 14-day and a 60-second window', async () => {
    const wide = await runCliJson<FunnelReport>(['--db', db, 'funnel', '--definition', JSON.stringify({ steps })]);
    expect(wide.code).toBe(0);
    expect(wide.json.steps.map((s) => s.count)).toEqual([20, 7, 2]);
    expect(wide.json.unit).toBe('person');
    // Rates and their Wilson intervals: 7/20 → 0.18119…0.56715 (scipy: binomtest(7, 20).proportion_ci(method='wilson')).
    expect(wide.json.steps[1]?.conversionRate).toBeCloseTo(0.35, 10);
    expect(wide.json.steps[1]?.conversionRateInterval?.lower).toBeCloseTo(0.1812, 3);
    expect(wide.json.steps[1]?.conversionRateInterval?.upper).toBeCloseTo(0.5671, 3);
    expect(wide.json.steps[2]?.conversionFromPrevious).toBeCloseTo(2 / 7, 10);
    expect(wide.json.steps[2]?.dropOff).toBe(5);

    const narrow = await runCliJson<FunnelReport>([
      '--db',
      db,
      'funnel',
      '--definition',
      JSON.stringify({ steps, window: { amount: 60, unit: 'second' } }),
    ]);
    expect(narrow.json.steps.map((s) => s.count)).toEqual([20, 7, 0]);
  });

  it('answers the same ad hoc over a file with --events (no store file)', async () => {
    const csv = readFileSync(ottoCsv, 'utf8').trim().split('\n').slice(1);
    const file = join(dir, 'otto-import-format.csv');
    writeFileSync(file, `user_id,aid,timestamp,event\n${csv.join('\n')}\n`);
    const result = await runCliJson<FunnelReport>([
      'funnel',
      '--events',
      file,
      '--definition',
      JSON.stringify({ steps }),
    ]);
    expect(result.code).toBe(0);
    expect(result.json.steps.map((s) => s.count)).toEqual([20, 7, 2]);
  });

  it('prints a table and CSV', async () => {
    const table = await runCli(['--db', db, 'funnel', '--format', 'table', '--definition', JSON.stringify({ steps })]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/1\. clicks\s+20\s+100\.0%/);
    expect(table.stdout).toMatch(/3\. orders\s+2\s+10\.0%/);
    const csv = await runCli(['--db', db, 'funnel', '--format', 'csv', '--definition', JSON.stringify({ steps })]);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^breakdown,step,name,event,count,conversion_rate/);
    expect(lines[2]).toMatch(/^,1,carts,carts,7,0\.35,/);
  });

  it('rejects a bad definition with exit 2 and an error naming the field', async () => {
    const badExclusion = await runCliJson<{ error: { code: string; details: { field: string } } }>([
      '--db',
      db,
      'funnel',
      '--definition',
      JSON.stringify({ steps, exclusions: [{ event: 'x', fromStep: 1, toStep: 1 }] }),
    ]);
    expect(badExclusion.code).toBe(2);
    expect(badExclusion.json.error.code).toBe('invalid_exclusion');
    expect(badExclusion.json.error.details.field).toBe('exclusions[0]');

    const badOp = await runCliJson<{ error: { code: string; details: { field: string } } }>([
      '--db',
      db,
      'funnel',
      '--definition',
      JSON.stringify({ steps: [{ event: 'a', filters: [{ property: 'p', op: 'like', value: 'x' }] }] }),
    ]);
    expect(badOp.code).toBe(2);
    expect(badOp.json.error.code).toBe('invalid_definition');
    expect(badOp.json.error.details.field).toBe('steps[0].filters[0].op');

    const badAttribution = await runCliJson<{ error: { code: string } }>([
      '--db',
      db,
      'funnel',
      '--definition',
      JSON.stringify({
        steps,
        order: 'unordered',
        breakdown: { properties: ['x'], attribution: 'step', attributionStep: 1 },
      }),
    ]);
    expect(badAttribution.json.error.code).toBe('invalid_breakdown_attribution');
  });
});

describe('funnelscope funnel with person and group properties', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(() => cleanup());

  const at = (minute: number) => `2024-01-01T10:${String(minute).padStart(2, '0')}:00Z`;
  const lines = [
    { type: 'identify', userId: 'u1', traits: { plan: 'pro' }, timestamp: at(0) },
    { type: 'group', userId: 'u1', groupId: 'acme', traits: { industry: 'finance' }, timestamp: at(0) },
    { type: 'track', userId: 'u1', event: 'a', context: { groups: { company: 'acme' } }, timestamp: at(1) },
    { type: 'track', userId: 'u1', event: 'b', context: { groups: { company: 'acme' } }, timestamp: at(2) },
    { type: 'identify', userId: 'u2', traits: { plan: 'free' }, timestamp: at(0) },
    { type: 'group', userId: 'u2', groupId: 'beta', traits: { industry: 'retail' }, timestamp: at(0) },
    { type: 'track', userId: 'u2', event: 'a', context: { groups: { company: 'beta' } }, timestamp: at(3) },
    { type: 'track', userId: 'u2', event: 'b', timestamp: at(4) },
    { type: 'track', userId: 'u3', event: 'a', timestamp: at(5) },
  ];
  const steps = [{ event: 'a' }, { event: 'b' }];
  const run = async (definition: unknown) => {
    const file = join(dir, 'people.ndjson');
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const result = await runCliJson<FunnelReport>([
      'funnel',
      '--events',
      file,
      '--definition',
      JSON.stringify(definition),
    ]);
    expect(result.code, JSON.stringify(result.json)).toBe(0);
    return result.json;
  };

  it('breaks down and filters by person traits, filters by group traits, counts person-property values', async () => {
    const byPlan = await run({ steps, breakdown: { properties: ['plan'], scope: 'person' } });
    expect(Object.fromEntries((byPlan.breakdown ?? []).map((b) => [b.value, b.steps.map((s) => s.count)]))).toEqual({
      pro: [1, 1],
      free: [1, 1],
      '': [1, 0],
    });
    const pro = await run({
      steps: [{ event: 'a', filters: [{ property: 'plan', scope: 'person', value: 'pro' }] }, { event: 'b' }],
    });
    expect(pro.steps.map((s) => s.count)).toEqual([1, 1]);
    const finance = await run({
      steps: [
        { event: 'a', filters: [{ property: 'industry', scope: 'group', groupType: 'company', value: 'finance' }] },
        { event: 'b' },
      ],
    });
    expect(finance.steps.map((s) => s.count)).toEqual([1, 1]);
    const byIndustry = await run({
      steps,
      breakdown: { properties: ['industry'], scope: 'group', groupType: 'company' },
    });
    expect(Object.fromEntries((byIndustry.breakdown ?? []).map((b) => [b.value, b.steps.map((s) => s.count)]))).toEqual(
      {
        finance: [1, 1],
        retail: [1, 1],
        '': [1, 0],
      },
    );
    const plans = await run({ steps, countBy: { type: 'person_property', property: 'plan' } });
    expect(plans.unit).toBe('person_property:plan');
    expect(plans.steps.map((s) => s.count)).toEqual([2, 2]);
  });

  it('never reuses the column snapshot of a deleted and re-created store', async () => {
    const db = join(dir, 'recreated.duckdb');
    const write = (event: string) => {
      const file = join(dir, `${event}.ndjson`);
      writeFileSync(
        file,
        `${[
          { type: 'track', userId: 'u', event: 'a', timestamp: at(0) },
          { type: 'track', userId: 'u', event, timestamp: at(1) },
        ]
          .map((l) => JSON.stringify(l))
          .join('\n')}\n`,
      );
      return file;
    };
    const definition = JSON.stringify({ steps: [{ event: 'a' }, { event: 'b' }] });
    expect((await runCli(['--db', db, 'import', 'events', write('b')])).code).toBe(0);
    // The import prepared the funnel columns beside the file, and the KPI inputs of that data version.
    expect(readdirSync(`${db}.columns`)).toEqual(['default.bin', 'default.values']);
    const [version, ...others] = readdirSync(join(`${db}.columns`, 'default.values'));
    expect(others).toEqual([]);
    expect(readdirSync(join(`${db}.columns`, 'default.values', version as string))).toHaveLength(3);
    expect(
      (await runCliJson<FunnelReport>(['--db', db, 'funnel', '--definition', definition])).json.steps[1]?.count,
    ).toBe(1);
    rmSync(db);
    rmSync(`${db}.columns`, { recursive: true });
    // --no-prepare leaves the snapshot to the first funnel.
    expect((await runCli(['--db', db, 'import', 'events', '--no-prepare', write('b')])).code).toBe(0);
    expect(existsSync(`${db}.columns`)).toBe(false);
    expect(
      (await runCliJson<FunnelReport>(['--db', db, 'funnel', '--definition', definition])).json.steps[1]?.count,
    ).toBe(1);
    rmSync(db);
    // Same counts, same import id, different data: the snapshot beside the file must not be used.
    expect((await runCli(['--db', db, 'import', 'events', write('c')])).code).toBe(0);
    expect(
      (await runCliJson<FunnelReport>(['--db', db, 'funnel', '--definition', definition])).json.steps[1]?.count,
    ).toBe(0);
  });
});
