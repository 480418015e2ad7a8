/**
 * `funnelscope experiment plan` (docs/experiments.md): the fixed-horizon units per arm are the statsmodels-pinned
 * sample size (test/stats/experiment-stats.test.ts), the days follow from the traffic, the sequential figure is
 * where the always-valid test rejects at the planned difference, and the landing-page preset is 2.35%.
 */
import { describe, expect, it } from 'vitest';
import type { ExperimentPlan } from '../../src/analysis/experiments/plan.js';
import { sampleSizePerArm } from '../../src/stats/sample-size.js';
import { sequentialLook } from '../../src/stats/sequential.js';
import { runCli, runCliJson } from '../helpers/cli.js';

describe('funnelscope experiment plan', () => {
  it('sizes a test from your 1.9% to the landing-page average', async () => {
    const { json } = await runCliJson<ExperimentPlan>([
      ...['experiment', 'plan', '--baseline', '1.9%', '--benchmark', 'landing-average', '--traffic', '2000'],
      ...['--format', 'json'],
    ]);
    expect(json.target).toBe(0.0235);
    const perArm = sampleSizePerArm(0.019, 0.0235).perArm;
    expect(json.fixedHorizon).toEqual({ perArm, total: 2 * perArm, days: Math.ceil((2 * perArm) / 2000) });
    expect(json.sentence).toContain(`you need ${perArm.toLocaleString('en-US')} units per arm`);
    expect(json.sentence).toMatch(/from 1\.9% to 2\.35%/);
    // The sequential figure: the first n per arm at which the mSPRT rejects with the rates at 1.9% and 2.35%.
    const n = json.sequential.perArm;
    const at = (m: number) => sequentialLook(0.0235 * m, m, 0.019 * m, m, json.sequential.tau, 0.05).pValue;
    expect(at(n)).toBeLessThanOrEqual(0.05);
    expect(at(n - 1)).toBeGreaterThan(0.05);
  });

  it('takes a relative minimum effect and more arms, and names a bad option', async () => {
    const { json } = await runCliJson<ExperimentPlan>([
      ...[
        'experiment',
        'plan',
        '--baseline',
        '0.1',
        '--mde',
        '20%',
        '--arms',
        '3',
        '--power',
        '0.9',
        '--format',
        'json',
      ],
    ]);
    expect(json.target).toBeCloseTo(0.12, 12);
    expect(json.fixedHorizon.perArm).toBe(sampleSizePerArm(0.1, 0.12, { power: 0.9 }).perArm);
    expect(json.fixedHorizon.total).toBe(3 * json.fixedHorizon.perArm);
    const bad = await runCli(['experiment', 'plan', '--baseline', '150%']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--baseline');
    const both = await runCli(['experiment', 'plan', '--baseline', '2%', '--target', '3%', '--mde', '10%']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give one of --target, --mde or --benchmark');
  });
});
