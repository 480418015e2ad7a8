/**
 * Every worked example of FUNNEL-SEMANTICS (test/fixtures/funnel-scenarios) through the CLI: each scenario's events
 * become a Segment-spec NDJSON file (persons → identify calls, groups → group calls), its neutral funnel becomes
 * our definition, and `funnelscope funnel --events FILE --definition JSON` must give the expected numbers.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunnelReport, StepReport } from '../../src/analysis/funnel/report.js';
import { runCliJson, tempDir } from '../helpers/cli.js';
import { scenarios, toDefinition, toNdjson } from '../helpers/funnel-scenarios.js';

/** A breakdown value as the scenario files key it (multi-property values as a Python-style JSON list). */
function breakdownKey(value: string | string[]): string {
  return Array.isArray(value) ? `[${value.map((v) => JSON.stringify(v)).join(', ')}]` : value;
}

function expectTimes(steps: StepReport[], avg: (number | null)[] | undefined, medians: (number | null)[] | undefined) {
  avg?.forEach((x, k) => {
    const got = steps[k]?.avgTimeToConvertSeconds ?? null;
    if (x === null) expect(got, `avg step ${k}`).toBeNull();
    else expect(Math.abs((got ?? Number.NaN) - x), `avg step ${k}: ${got} vs ${x}`).toBeLessThanOrEqual(0.5);
  });
  medians?.forEach((x, k) => {
    const got = steps[k]?.medianTimeToConvertSeconds ?? null;
    if (x === null) expect(got, `median step ${k}`).toBeNull();
    else expect(Math.abs((got ?? Number.NaN) - x), `median step ${k}: ${got} vs ${x}`).toBeLessThanOrEqual(0.5);
  });
}

let dir = '';
let cleanup: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('funnel scenarios through the CLI', () => {
  it('has the 28 sample scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(28);
  });

  for (const s of scenarios) {
    it.concurrent(s.id, async () => {
      const events = join(dir, `${s.id}.ndjson`);
      writeFileSync(events, toNdjson(s));
      const definition = JSON.stringify(toDefinition(s.funnel));
      const { code, json } = await runCliJson<FunnelReport & { error?: { code: string } }>([
        'funnel',
        '--events',
        events,
        '--definition',
        definition,
      ]);
      const x = s.expected;
      if (x.error) {
        expect(code).toBe(2);
        expect(json.error?.code).toBe(x.error);
        return;
      }
      expect(code, JSON.stringify(json)).toBe(0);
      if (x.steps) {
        expect(json.steps.map((st) => st.count)).toEqual((x.steps as { count: number }[]).map((st) => st.count));
      }
      if (x.empty) expect(json.steps.every((st) => st.count === 0)).toBe(true);
      expectTimes(
        json.steps,
        x.avg_time_to_convert_s as (number | null)[],
        x.median_time_to_convert_s as (number | null)[],
      );
      if (x.breakdown) {
        const got = Object.fromEntries(
          (json.breakdown ?? []).map((b) => [breakdownKey(b.value), b.steps.map((st) => st.count)]),
        );
        expect(got).toEqual(x.breakdown);
        const times = (x.breakdown_time_to_convert ?? {}) as Record<
          string,
          { avg_s: (number | null)[]; median_s: (number | null)[] }
        >;
        for (const [key, t] of Object.entries(times)) {
          const entry = (json.breakdown ?? []).find((b) => breakdownKey(b.value) === key);
          expectTimes(entry?.steps ?? [], t.avg_s, t.median_s);
        }
      }
      if (x.time_to_convert) {
        const t = x.time_to_convert as { bins: [number, number][]; average_s: number };
        expect(json.timeToConvert?.bins.map((b) => [b.start, b.count])).toEqual(t.bins);
        expect(Math.abs((json.timeToConvert?.averageSeconds ?? Number.NaN) - t.average_s)).toBeLessThanOrEqual(0.5);
      }
      if (x.trends) {
        const t = x.trends as { period_start: string; entered: number; converted: number; rate: number }[];
        expect(json.trends?.map((p) => [p.periodStart, p.entered, p.converted])).toEqual(
          t.map((p) => [p.period_start, p.entered, p.converted]),
        );
        json.trends?.forEach((p, i) => {
          expect(Math.abs(p.rate - (t[i]?.rate ?? Number.NaN))).toBeLessThanOrEqual(0.01);
        });
      }
      if (x.correlation) {
        const totals = x.correlation_totals as { success: number; failure: number };
        expect([json.correlation?.success, json.correlation?.failure]).toEqual([totals.success, totals.failure]);
        const want = x.correlation as {
          event: string;
          success_count: number;
          failure_count: number;
          odds_ratio: number;
          correlation_type: string;
        }[];
        const got = json.correlation?.events ?? [];
        expect(got.map((e) => [e.event, e.successCount, e.failureCount, e.type])).toEqual(
          want.map((e) => [e.event, e.success_count, e.failure_count, e.correlation_type]),
        );
        got.forEach((e, i) => {
          expect(Math.abs(e.oddsRatio - (want[i]?.odds_ratio ?? Number.NaN))).toBeLessThanOrEqual(0.01);
        });
      }
    });
  }
});
