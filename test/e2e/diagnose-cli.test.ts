/**
 * `funnelscope diagnose` through the bin on the demo business: the friction planted in the generator (mobile
 * visitors sign up from the pricing page at a third of the desktop rate, src/demo/demo-business.ts) must be the
 * top finding, with a sentence, an interval and a loss per month; bad arguments are errors naming the option.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiagnoseReport } from '../../src/analysis/diagnose/run-diagnose.js';
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
    expect(json.stats.funnelRuns).toBe(7);
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
