/**
 * `funnelscope experiment ID --goal EVENT` on the demo business (20,000 visitors, 90 days), which runs two
 * landing-page experiments (src/demo/demo-business.ts): a new hero that brings a third more visitors on to the
 * pricing page, and pricing-page copy that changes nothing. The units and conversions per variant equal an
 * independent SQL count over the store; every statistic is the pinned function of those counts; the summaries say
 * which experiment has an effect and which should keep running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentReport } from '../../src/analysis/experiments/run-experiment.js';
import { posterior, probabilityToBeat } from '../../src/stats/beta-binomial.js';
import { twoProportionZTest } from '../../src/stats/two-proportions.js';
import { demoStore, queryStore, runCli, runCliJson } from '../helpers/cli.js';

let db: string;
let cleanup: () => Promise<void>;
const reports: Record<string, ExperimentReport> = {};

beforeAll(async () => {
  ({ db, cleanup } = await demoStore(['--visitors', '20000', '--days', '90', '--end-date', '2026-10-31']));
  for (const id of ['landing-hero', 'pricing-copy']) {
    reports[id] = (
      await runCliJson<ExperimentReport>(['--db', db, 'experiment', id, '--goal', 'Signed Up', '--format', 'json'])
    ).json;
  }
}, 120_000);
afterAll(async () => cleanup?.());

describe('experiments on the demo business', () => {
  it('counts units and conversions per variant as an independent SQL count does', async () => {
    for (const id of ['landing-hero', 'pricing-copy']) {
      const rows = await queryStore<{ variant: string; units: number; conversions: number }>(
        db,
        `WITH ev AS (
             SELECT coalesce(m.person_id, e.distinct_id) AS person, e.ts, e.event,
                    json_extract_string(e.properties, '$.experiment_id') AS experiment,
                    json_extract_string(e.properties, '$.variation_name') AS variant
             FROM events e LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
             WHERE e.project_id = 'default'),
           exposed AS (
             SELECT person, arg_min(variant, ts) AS variant, min(ts) AS first, count(DISTINCT variant) AS variants
             FROM ev WHERE event = 'Experiment Viewed' AND experiment = $id GROUP BY person)
           SELECT variant, count(*)::INTEGER AS units,
                  count(*) FILTER (WHERE EXISTS (
                    SELECT 1 FROM ev g WHERE g.person = x.person AND g.event = 'Signed Up'
                      AND g.ts >= x.first AND g.ts <= x.first + INTERVAL 14 DAY))::INTEGER AS conversions
           FROM exposed x WHERE variants = 1 GROUP BY variant ORDER BY variant`,
        { id },
      );
      const report = reports[id] as ExperimentReport;
      expect(
        report.variants.map((v) => [v.variant, v.units, v.conversions]),
        id,
      ).toEqual(rows.map((r) => [r.variant, r.units, r.conversions]));
    }
  });

  it('finds the hero effect, and says to keep running on the copy that changes nothing', () => {
    const hero = reports['landing-hero'] as ExperimentReport;
    const [better] = hero.comparisons;
    expect(hero.control).toBe('control');
    expect(better?.verdict).toBe('better');
    expect(hero.summary).toMatch(
      /^new-hero converts better than control: \+\d+\.\d% \(95% CI \+\d+\.\d% … \+\d+\.\d%\)/,
    );
    expect(hero.summary).toContain('the sample ratio is healthy');
    const copy = reports['pricing-copy'] as ExperimentReport;
    expect(copy.comparisons[0]?.verdict).toBe('keep running');
    expect(copy.summary).toContain('keep running');
    expect(copy.sampleRatio?.healthy).toBe(true);
  });

  it('reports the pinned statistics of those counts', () => {
    const hero = reports['landing-hero'] as ExperimentReport;
    const [control, variant] = hero.variants;
    const c = hero.comparisons[0];
    if (!control || !variant || !c) throw new Error('no variants');
    expect(c.zPValue).toBe(
      twoProportionZTest(variant.conversions, variant.units, control.conversions, control.units)?.pValue,
    );
    expect(c.probabilityToBeat).toBe(
      probabilityToBeat(posterior(control.conversions, control.units), posterior(variant.conversions, variant.units)),
    );
    expect(c.adjustedPValue).toBeLessThanOrEqual(0.05);
    expect(c.sequentialPValue).toBeLessThanOrEqual(c.adjustedPValue);
  });

  it('shows a funnel per variant after the exposure, the hero lifting the pricing step', async () => {
    const funnel = {
      steps: [{ event: '$pageview', filters: [{ property: 'path', value: '/pricing' }] }, { event: 'Signed Up' }],
      window: { amount: 14, unit: 'day' },
    };
    const { json } = await runCliJson<ExperimentReport>([
      ...['--db', db, 'experiment', 'landing-hero', '--goal', 'Signed Up', '--funnel', JSON.stringify(funnel)],
      ...['--format', 'json'],
    ]);
    const byVariant = Object.fromEntries(
      (json.funnel?.breakdown ?? []).map((b) => [String(b.value), b.steps.map((s) => s.count)]),
    );
    // Step 1 is the exposure: every unit of the variant (nobody in the demo saw both).
    expect(byVariant.control?.[0]).toBe(json.variants.find((v) => v.variant === 'control')?.units);
    expect(byVariant['new-hero']?.[0]).toBe(json.variants.find((v) => v.variant === 'new-hero')?.units);
    expect(byVariant['new-hero']?.[1] ?? 0).toBeGreaterThan((byVariant.control?.[1] ?? 0) * 1.15);
    const bad = await runCli([
      '--db',
      db,
      'experiment',
      'landing-hero',
      '--goal',
      'Signed Up',
      '--funnel',
      '{"steps": []}',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('steps');
  });

  it('takes a funnel step as the goal: reaching pricing, as the funnel per variant counts it', async () => {
    const pricing = { event: '$pageview', name: 'Pricing', filters: [{ property: 'path', value: '/pricing' }] };
    const { json } = await runCliJson<ExperimentReport>([
      ...['--db', db, 'experiment', 'landing-hero', '--goal', JSON.stringify(pricing)],
      ...['--funnel', JSON.stringify({ steps: [pricing], window: { amount: 14, unit: 'day' } }), '--format', 'json'],
    ]);
    expect(json.goal).toBe('Pricing');
    const funnel = Object.fromEntries((json.funnel?.breakdown ?? []).map((b) => [String(b.value), b.steps[1]?.count]));
    expect(json.variants.map((v) => [v.variant, v.conversions])).toEqual(
      json.variants.map((v) => [v.variant, funnel[v.variant]]),
    );
    expect(json.comparisons[0]?.verdict).toBe('better');
    const bad = await runCli(['--db', db, 'experiment', 'landing-hero', '--goal', '{"event": "x", "colour": 1}']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--goal');
  });

  it('names an unknown experiment, goal or control', async () => {
    const none = await runCli(['--db', db, 'experiment', 'no-such-test', '--goal', 'Signed Up']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('"no-such-test" has no exposures');
    const goal = await runCli(['--db', db, 'experiment', 'landing-hero', '--goal', 'Nope']);
    expect(goal.stderr).toContain('goal: no event named "Nope"');
    const control = await runCli(['--db', db, 'experiment', 'landing-hero', '--goal', 'Signed Up', '--control', 'x']);
    expect(control.stderr).toContain('control: no variant "x" (variants: control, new-hero)');
  });
});
