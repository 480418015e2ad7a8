/**
 * A parallel run (persons split over worker threads, FUNNELSCOPE_THREADS=2 with no size threshold) must print
 * exactly what a one-thread run prints, for every kind of output the parts add up: steps, conversion times,
 * breakdowns, time to convert, trends and correlation.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiagnoseReport } from '../../src/analysis/diagnose/run-diagnose.js';
import type { FunnelReport } from '../../src/analysis/funnel/report.js';
import { runCli, runCliJson, tempDir } from '../helpers/cli.js';

const web = [{ event: '$pageview' }, { event: 'Signed Up' }, { event: 'Activated' }, { event: 'Demo Requested' }];
const definitions: Record<string, unknown> = {
  steps: { steps: web, window: { amount: 30, unit: 'day' } },
  breakdown: { steps: web, breakdown: { properties: ['utm_source'] } },
  lastTouch: { steps: web, breakdown: { properties: ['$browser'], attribution: 'last_touch', limit: 2 } },
  allEvents: { steps: web.slice(0, 2), breakdown: { properties: ['utm_source'], attribution: 'all_events' } },
  trends: { steps: web, view: 'trends', interval: 'week' },
  correlation: { steps: web.slice(0, 2), correlation: { type: 'events' } },
  open: { steps: web, open: true },
  attempts: { steps: web, counting: 'attempts', window: { amount: 7, unit: 'day' } },
  gaps: { steps: [web[0], { ...web[1], gap: { max: { amount: 2, unit: 'day' } } }, web[2]] },
  holdConstant: { steps: web.slice(0, 2), holdConstant: 'utm_source' },
  orStep: { steps: [web[0], { anyOf: [{ event: 'Signed Up' }, { event: 'Activated' }] }] },
  strictDeal: {
    steps: [{ event: 'Signed Up' }, { event: '$deal_stage', filters: [{ property: 'stage', value: 'won' }] }],
    window: { amount: 3, unit: 'month' },
  },
};

describe('parallel funnel runs', () => {
  let db: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const dir = await tempDir();
    cleanup = dir.cleanup;
    db = join(dir.dir, 'demo.duckdb');
    const demo = await runCli(['--db', db, 'demo', '--visitors', '4000', '--end-date', '2026-06-30']);
    expect(demo.code, demo.stderr).toBe(0);
  });
  afterAll(() => cleanup());

  for (const [name, definition] of Object.entries(definitions)) {
    it(`${name}: two threads print what one thread prints`, async () => {
      const run = async (threads: string) => {
        const { code, json } = await runCliJson<FunnelReport>(
          ['--db', db, 'funnel', '--definition', JSON.stringify(definition)],
          { FUNNELSCOPE_THREADS: threads, FUNNELSCOPE_PARALLEL_MIN_EVENTS: '0' },
        );
        expect(code, JSON.stringify(json)).toBe(0);
        return json;
      };
      const one = await run('1');
      const two = await run('2');
      expect(one.steps[0]?.count).toBeGreaterThan(0);
      expect([one.stats.threads, two.stats.threads]).toEqual([1, 2]);
      const same = (r: FunnelReport) => ({ ...r, stats: { ...r.stats, threads: 0, elapsedMs: 0 } });
      expect(same(two)).toEqual(same(one));
    });
  }

  it('diagnose: what the dropped units did instead is the same from two threads', async () => {
    const run = async (threads: string) => {
      const { code, json } = await runCliJson<DiagnoseReport>(
        [
          '--db',
          db,
          'diagnose',
          '--definition',
          JSON.stringify({ steps: web }),
          '--dimensions',
          'device_type',
          '--format',
          'json',
        ],
        { FUNNELSCOPE_THREADS: threads, FUNNELSCOPE_PARALLEL_MIN_EVENTS: '0' },
      );
      expect(code, JSON.stringify(json)).toBe(0);
      return json;
    };
    const [one, two] = [await run('1'), await run('2')];
    expect(one.instead.map((t) => t.dropped)).toEqual(one.leaks.transitions.map((t) => t.dropped));
    expect(one.instead[0]?.paths.length).toBeGreaterThan(0);
    expect(two.instead).toEqual(one.instead);
  });
});
