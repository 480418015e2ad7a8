/**
 * `funnelscope forecast` on a year of the demo business: the history is the store's own counts (signups per
 * Monday-based week, won revenue per month, checked against SQL), the forecast has the horizon asked for with
 * intervals around it, the backtest scores the model and the baselines, and a missing event is named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForecastReport } from '../../src/analysis/forecast/run-forecast.js';
import type { PipelineForecastReport } from '../../src/analysis/forecast/run-pipeline-forecast.js';
import { demoStore, queryStore, runCli, runCliJson } from '../helpers/cli.js';

let db: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ db, cleanup } = await demoStore(['--visitors', '8000', '--days', '400', '--end-date', '2026-10-31']));
}, 120_000);
afterAll(async () => cleanup?.());

describe('funnelscope forecast', () => {
  it('forecasts weekly signups from the store’s own counts', async () => {
    const { json } = await runCliJson<ForecastReport>([
      ...['--db', db, 'forecast', '--metric', 'conversions', '--event', 'Signed Up', '--by', 'week'],
      ...['--horizon', '4', '--backtest', '6', '--format', 'json'],
    ]);
    const rows = await queryStore<{ week: string; n: number }>(
      db,
      `SELECT strftime(date_trunc('week', ts), '%Y-%m-%d') AS week, count(*)::INTEGER AS n FROM events
       WHERE event = 'Signed Up' GROUP BY 1 ORDER BY 1`,
    );
    const counts = new Map(rows.map((r) => [r.week, r.n]));
    expect(json.history.length).toBeGreaterThan(40);
    for (const h of json.history) expect(h.value, h.period).toBe(counts.get(h.period) ?? 0);
    // The week the data ends in (Monday 2026-10-26 to Sunday 2026-11-01) is not over: left out.
    expect(json.history.at(-1)?.period).toBe('2026-10-19');
    expect(json.forecast.map((f) => f.period)).toEqual(['2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16']);
    for (const f of json.forecast) {
      expect(f.lower95).toBeLessThanOrEqual(f.lower80);
      expect(f.lower80).toBeLessThanOrEqual(f.value);
      expect(f.value).toBeLessThanOrEqual(f.upper80);
      expect(f.upper80).toBeLessThanOrEqual(f.upper95);
    }
    expect(json.backtest?.models.map((m) => m.model)).toEqual(['chosen', 'seasonal naive', 'drift']);
    expect(json.backtest?.coverage.map((c) => c.level)).toEqual([0.8, 0.95]);
  }, 60_000);

  it('sums won revenue by the month deals were won', async () => {
    const { json } = await runCliJson<ForecastReport>(['--db', db, 'forecast', '--backtest', '0', '--format', 'json']);
    const rows = await queryStore<{ month: string; revenue: number }>(
      db,
      `SELECT strftime(date_trunc('month', closed_at), '%Y-%m-%d') AS month, sum(amount)::DOUBLE AS revenue
       FROM deals WHERE status = 'won' GROUP BY 1`,
    );
    const revenue = new Map(rows.map((r) => [r.month, r.revenue]));
    for (const h of json.history) expect(h.value, h.period).toBeCloseTo(revenue.get(h.period) ?? 0, 6);
    expect(json.currency).toBe('USD');
    const missing = await runCli(['--db', db, 'forecast', '--metric', 'conversions']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--event');
  }, 60_000);

  it('forecasts the open pipeline per month and replays it', async () => {
    const { json } = await runCliJson<PipelineForecastReport>([
      ...[
        '--db',
        db,
        'forecast',
        'pipeline',
        '--as-of',
        '2026-09-15',
        '--months',
        '3',
        '--backtest',
        '4',
        '--format',
        'json',
      ],
    ]);
    expect(json.asOf).toBe('2026-09-15');
    expect(json.openDeals).toBeGreaterThan(0);
    expect(json.months.map((m) => m.month)).toEqual(['2026-09', '2026-10', '2026-11']);
    for (const m of [...json.months, json.total]) {
      expect(m.p10).toBeLessThanOrEqual(m.p50);
      expect(m.p50).toBeLessThanOrEqual(m.p90);
    }
    // Every simulated run's total is the sum of its months: so are the means.
    expect(json.total.mean).toBeCloseTo(
      json.months.reduce((s, m) => s + m.mean, 0),
      6,
    );
    expect(json.backtest?.origins.map((o) => o.asOf)).toEqual(['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01']);
    const table = await runCli(['--db', db, 'forecast', 'pipeline', '--backtest', '0']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Pipeline forecast as of \d{4}-\d{2}-\d{2}: \d+ open deals/);
  }, 60_000);
});
