/**
 * `funnelscope goals add|list|rm` and /api/goals on the demo business (40,000 visitors, 180 days): each goal's
 * value is the figure `funnelscope kpi` or `funnelscope funnel` gives for the period up to the as-of day (leads also
 * counted by SQL), sums pace to the period's end, statuses follow the documented rule; the API answers what the CLI
 * prints; bad goals are refused naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunnelReport } from '../../src/analysis/funnel/report.js';
import type { Goal } from '../../src/analysis/goals/goals.js';
import type { GoalsReport } from '../../src/analysis/goals/run-goals.js';
import type { KpiReport } from '../../src/analysis/kpi/report.js';
import { demoStore, queryStore, runCli, runCliJson } from '../helpers/cli.js';
import { startServer } from '../helpers/server.js';

let db: string;
let cleanup: () => Promise<void>;
const funnel = {
  steps: [{ event: 'Signed Up' }, { event: 'Activated' }, { event: 'Demo Requested' }],
  window: { amount: 14, unit: 'day' },
};

const cli = async <T>(...args: string[]) => (await runCliJson<T>(['--db', db, ...args, '--format', 'json'])).json;

beforeAll(async () => {
  ({ db, cleanup } = await demoStore(['--visitors', '40000', '--days', '180', '--end-date', '2026-10-31']));
  await cli<Goal>('goals', 'add', '--name', 'Leads', '--metric', 'leads', '--target', '120', '--team', 'marketing');
  await cli<Goal>('goals', 'add', '--name', 'CAC', '--metric', 'cac', '--target', '400');
  await cli<Goal>(
    ...[
      'goals',
      'add',
      '--name',
      'Activation to demo',
      '--metric',
      'funnel_step',
      '--definition',
      JSON.stringify(funnel),
    ],
    ...['--from-step', '2', '--to-step', '3', '--target', '30%', '--team', 'sales'],
  );
  await cli<Goal>(
    ...['goals', 'add', '--name', 'Paid Social visitors', '--metric', 'visitor_to_lead', '--channel', 'Paid Social'],
    ...['--target', '2%', '--period', 'quarter'],
  );
}, 120_000);
afterAll(async () => cleanup?.());

describe('goals on the demo business', () => {
  it('measures each goal as the kpi and funnel reports do, paces sums and judges by the rule', async () => {
    const report = await cli<GoalsReport>('goals', 'list', '--as-of', '2026-10-20');
    expect(report.asOf).toBe('2026-10-20');
    const [leads, cac, step, paidSocial] = report.goals;
    const kpi = await cli<KpiReport>('kpi', '--from', '2026-10-01', '--to', '2026-10-20', '--by', 'total');
    const [sql] = await queryStore<{ n: number }>(
      db,
      `SELECT count(*)::INTEGER AS n FROM deals WHERE created_at >= TIMESTAMP '2026-10-01' AND created_at < TIMESTAMP '2026-10-21'`,
    );
    expect(leads?.judgement.value).toBe(sql?.n);
    expect(leads?.judgement.value).toBe(kpi.total.leads);
    expect(leads?.period).toMatchObject({ start: '2026-10-01', end: '2026-10-31', elapsedDays: 20, totalDays: 31 });
    const projected = ((sql?.n as number) * 31) / 20;
    expect(leads?.judgement.projected).toBeCloseTo(projected, 9);
    expect(leads?.judgement.status).toBe(projected >= 120 ? 'on-track' : projected >= 108 ? 'at-risk' : 'off-track');
    expect(leads?.judgement.summary).toContain(`on pace for ${Math.round(projected)}`);

    expect(cac?.judgement.value).toBe(kpi.total.cac.value);
    const c = kpi.total.cac.value as number;
    expect(cac?.judgement.status).toBe(c <= 400 ? 'on-track' : c <= 440 ? 'at-risk' : 'off-track');

    const funnelReport = await cli<FunnelReport>(
      'funnel',
      '--definition',
      JSON.stringify({ ...funnel, dateFrom: '2026-10-01', dateTo: '2026-10-20' }),
    );
    const from = funnelReport.steps[1]?.count as number;
    const to = funnelReport.steps[2]?.count as number;
    expect(step?.judgement.value).toBeCloseTo(to / from, 12);
    const interval = step?.judgement.interval as { lower: number; upper: number };
    expect(step?.judgement.status).toBe(to / from >= 0.3 ? 'on-track' : interval.upper < 0.3 ? 'off-track' : 'at-risk');

    const byChannel = await cli<KpiReport>('kpi', '--from', '2026-10-01', '--to', '2026-10-20', '--by', 'channel');
    const row = byChannel.rows.find((r) => r.key === 'Paid Social');
    expect(paidSocial?.period.start).toBe('2026-10-01');
    expect(paidSocial?.judgement.value).toBe(row?.visitorToLead.rate);
  });

  it('judges as of the last day of the data by default, and removes a goal', async () => {
    const report = await cli<GoalsReport>('goals', 'list');
    expect(report.asOf).toBe('2026-10-31');
    const id = report.goals[3]?.goal.id as string;
    expect((await runCli(['--db', db, 'goals', 'rm', id])).stdout).toContain(`goal ${id} removed`);
    expect((await cli<GoalsReport>('goals', 'list')).goals.map((g) => g.goal.name)).toEqual([
      'Leads',
      'CAC',
      'Activation to demo',
    ]);
    const again = await runCli(['--db', db, 'goals', 'rm', id]);
    expect(again.stderr).toContain(`goal: no goal "${id}"`);
  });

  it('refuses a bad goal naming the field', async () => {
    const add = (metric: string, target: string, ...more: string[]) =>
      runCli(['--db', db, 'goals', 'add', '--name', 'x', '--metric', metric, '--target', target, ...more]);
    expect((await add('cac', 'lots')).stderr).toContain('--target');
    expect((await add('happiness', '1')).stderr).toContain('--metric');
    expect((await add('funnel_step', '30%')).stderr).toContain('--definition');
    const badStep = await add('funnel_step', '30%', '--definition', JSON.stringify(funnel), '--from-step', '3');
    expect(badStep.stderr).toContain('--from-step');
  });

  it('the API lists what the CLI prints, adds (201) and deletes (204, then 404)', async () => {
    const expected = await cli<GoalsReport>('goals', 'list', '--as-of', '2026-10-20');
    const server = await startServer(db);
    try {
      const listed = await fetch(`${server.url}/api/goals?asOf=2026-10-20`).then((r) => r.json());
      expect(listed).toEqual(expected);
      const post = (body: unknown) =>
        fetch(`${server.url}/api/goals`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const added = await post({
        name: 'Revenue',
        metric: 'revenue',
        target: 250000,
        period: 'quarter',
        team: 'sales',
      });
      expect(added.status).toBe(201);
      const goal = (await added.json()) as Goal;
      expect(goal).toMatchObject({ name: 'Revenue', metric: 'revenue', direction: 'at_least', period: 'quarter' });
      const bad = await post({ name: 'x', metric: 'cac', target: -1 });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { details: { field: string } } }).error.details.field).toBe('target');
      expect((await fetch(`${server.url}/api/goals/${goal.id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await fetch(`${server.url}/api/goals/${goal.id}`, { method: 'DELETE' })).status).toBe(404);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
