/**
 * `funnelscope score train|apply|explain` on the demo business (40,000 visitors, 180 days), whose deals are won
 * far less often when Paid Social brought the lead (4% against about 25%) and more often the further the deal has
 * gone (src/demo/demo-business.ts). The snapshots' leads and conversions equal an independent SQL count; the planted
 * drivers rank among the top features; scores come back as person traits a funnel can filter on; every explanation
 * adds up to its score; the API returns what the CLI prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoreApplyReport, ScoreExplainReport, ScoreTrainReport } from '../../src/analysis/scoring/run-scoring.js';
import { demoStore, queryStore, runCli, runCliJson } from '../helpers/cli.js';
import { type RunningServer, startServer } from '../helpers/server.js';

let db: string;
let cleanup: () => Promise<void>;
let won: ScoreTrainReport;

beforeAll(async () => {
  ({ db, cleanup } = await demoStore(['--visitors', '40000', '--days', '180', '--end-date', '2026-10-31']));
  won = await score<ScoreTrainReport>('train', '--target', 'deal: won');
}, 180_000);
afterAll(async () => cleanup?.());

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** `funnelscope score …args --format json` on the demo store, parsed. */
async function score<T>(...args: string[]): Promise<T> {
  return (await runCliJson<T>(['--db', db, 'score', ...args, '--format', 'json'])).json;
}

describe('lead scoring on the demo business', () => {
  it('takes the leads and their outcomes of each snapshot as an independent SQL count does', async () => {
    const json = await score<ScoreTrainReport>(
      ...['train', '--model', 'demo-requests', '--target', 'Demo Requested', '--window', '14d'],
      ...['--as-of', '2026-09-30', '--snapshots', '3', '--every', '10d'],
    );
    expect(json.snapshots.map((s) => s.asOf)).toEqual([
      '2026-09-30T23:59:59.999Z',
      '2026-09-20T23:59:59.999Z',
      '2026-09-10T23:59:59.999Z',
    ]);
    for (const [k, day] of ['2026-09-30', '2026-09-20', '2026-09-10'].entries()) {
      const [row] = await queryStore<{ leads: number; converted: number }>(
        db,
        `WITH ev AS (
             SELECT coalesce(m.person_id, e.distinct_id) AS person, e.ts, e.event
             FROM events e LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
             WHERE e.project_id = 'default'),
           t AS (SELECT CAST($day AS TIMESTAMP) + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND AS at),
           leads AS (
             SELECT person FROM ev, t WHERE event = 'Signed Up' GROUP BY person, t.at
             HAVING min(ts) <= t.at AND min(ts) >= t.at - INTERVAL 90 DAY
                AND NOT EXISTS (SELECT 1 FROM ev d WHERE d.person = ev.person AND d.event = 'Demo Requested' AND d.ts <= t.at))
         SELECT count(*)::INTEGER AS leads,
                count(*) FILTER (WHERE EXISTS (
                  SELECT 1 FROM ev d, t WHERE d.person = leads.person AND d.event = 'Demo Requested'
                    AND d.ts > t.at AND d.ts <= t.at + INTERVAL 14 DAY))::INTEGER AS converted
         FROM leads`,
        { day },
      );
      expect([json.snapshots[k]?.leads, json.snapshots[k]?.converted], day).toEqual([row?.leads, row?.converted]);
    }
    expect(json.evaluation.rows).toBe(json.snapshots.reduce((s, x) => s + x.leads, 0));
    expect(json.evaluation.positives).toBe(json.snapshots.reduce((s, x) => s + x.converted, 0));
  });

  it('chooses the model with the lower cross-validated log loss, calibrated and ranking well', () => {
    const e = won.evaluation;
    const best = [...e.models].sort((a, b) => a.logLoss - b.logLoss)[0];
    expect(e.chosen).toBe(best?.model);
    expect(e.models.map((m) => m.model)).toEqual(['logistic regression', 'gradient boosting']);
    for (const m of e.models) expect(m.auc).toBeGreaterThan(0.9);
    expect(best?.calibrationError).toBeLessThanOrEqual(0.02);
    // Lift: the top decile holds most conversions; the deciles cover every snapshot row once.
    expect(e.lift.reduce((s, d) => s + d.units, 0)).toBe(e.rows);
    expect(e.lift.reduce((s, d) => s + d.conversions, 0)).toBe(e.positives);
    expect(e.lift[0]?.lift).toBeGreaterThan(5);
    expect(e.calibration.reduce((s, c) => s + c.units, 0)).toBe(e.rows);
  });

  it('ranks the planted drivers (channel, deal stage) among the top features', () => {
    const top = won.evaluation.importance.slice(0, 8).map((f) => f.feature);
    expect(top).toContain('channel');
    expect(top).toContain('deal stage');
  });

  it('scores the leads, writes the scores back as traits, and explains each score exactly', async () => {
    const dry = await score<ScoreApplyReport>('apply', '--dry-run', '--top', '100000');
    expect(dry.written).toBeNull();
    expect(dry.top.length).toBe(dry.leads);
    expect(dry.distribution.reduce((s, b) => s + b.leads, 0)).toBe(dry.leads);
    expect(dry.expectedConversions).toBeCloseTo(
      dry.top.reduce((s, l) => s + l.score, 0),
      6,
    );
    const first = dry.top[0] as ScoreApplyReport['top'][number];
    const explained = await score<ScoreExplainReport>('explain', first.person);
    const x = explained.explanation as NonNullable<ScoreExplainReport['explanation']>;
    expect(x.score).toBeCloseTo(first.score, 12);
    expect(x.baseline + x.contributions.reduce((s, c) => s + c.contribution, 0)).toBeCloseTo(x.logOdds, 10);
    expect(sigmoid(x.logOdds)).toBeCloseTo(x.score, 12);

    const applied = await score<ScoreApplyReport>('apply');
    expect(applied.written).toBe(dry.leads);
    // The same scores again store nothing; the end of the data does not move.
    const repeated = await score<ScoreApplyReport>('apply');
    expect(repeated.written).toBe(0);
    expect(repeated.asOf).toBe(applied.asOf);
    const traits = await queryStore<{ person: string; score: number }>(
      db,
      `SELECT coalesce(m.person_id, e.distinct_id) AS person, CAST(e.properties->>'lead_score' AS DOUBLE) AS score
       FROM events e LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
       WHERE e.type = 'identify' AND e.message_id LIKE 'score:%'`,
    );
    expect(traits.length).toBe(dry.leads);
    const written = new Map(traits.map((t) => [t.person, t.score]));
    for (const l of dry.top) expect(written.get(l.person)).toBeCloseTo(l.score, 4);
    // A funnel reads the trait like any other: leads scored at 10% or more.
    const high = dry.top.filter((l) => Math.round(l.score * 10_000) / 10_000 >= 0.1).length;
    const funnel = (
      await runCliJson<{ steps: { count: number }[] }>([
        '--db',
        db,
        'funnel',
        '--definition',
        JSON.stringify({
          steps: [
            { event: 'Signed Up', filters: [{ property: 'lead_score', scope: 'person', op: 'gte', value: 0.1 }] },
          ],
        }),
        '--format',
        'json',
      ])
    ).json;
    expect(funnel.steps[0]?.count).toBe(high);
    // Training again does not learn from the written scores.
    const again = await score<ScoreTrainReport>('train', '--model', 'again', '--target', 'deal: won');
    expect(again.features.some((f) => f.includes('lead_score'))).toBe(false);
  }, 120_000);

  it('names the field of a bad request', async () => {
    const missing = await runCli(['--db', db, 'score', 'explain', 'user-00001', '--model', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('--model: no lead-scoring model "nope"');
    const never = await runCli(['--db', db, 'score', 'train', '--target', 'No Such Event']);
    expect(never.stderr).toContain('--target: no event named "No Such Event"');
    const noTrait = await runCli(['--db', db, 'score', 'train', '--target', 'deal: won', '--traits', 'role,shoe_size']);
    expect(noTrait.stderr).toContain('--traits: no identify call in project default sets a trait "shoe_size"');
    // The scores written back are not features, and no score overwrites a trait people have.
    const score = await runCli(['--db', db, 'score', 'train', '--target', 'deal: won', '--traits', 'lead_score']);
    expect(score.stderr).toContain('--traits: no identify call in project default sets a trait "lead_score"');
    const clash = await runCli(['--db', db, 'score', 'apply', '--trait', 'plan']);
    expect(clash.stderr).toContain('--trait: persons already have a trait "plan"');
    const future = await runCli(['--db', db, 'score', 'apply', '--as-of', '2026-11-20']);
    expect(future.stderr).toContain('--as-of: 2026-11-20 is after the data, which ends 2026-10-31');
    const late = await runCli(['--db', db, 'score', 'train', '--target', 'deal: won', '--as-of', '2026-10-20']);
    expect(late.stderr).toContain('--as-of: the 30-day window after 2026-10-20 is not over (the data ends 2026-10-31)');
  });

  describe('over the API', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer(db);
    }, 60_000);
    afterAll(async () => server?.stop());

    it('returns what the CLI prints', async () => {
      await server.stop();
      const cliScores = await score<ScoreApplyReport>('apply', '--dry-run', '--top', '5');
      const person = cliScores.top[0]?.person as string;
      const cliExplain = await score<ScoreExplainReport>('explain', person);
      const cliForecast = (
        await runCliJson<unknown>(['--db', db, 'forecast', '--metric', 'leads', '--horizon', '3', '--format', 'json'])
      ).json;
      server = await startServer(db);
      const get = async (path: string) => {
        const response = await fetch(`${server.url}${path}`);
        return { status: response.status, json: (await response.json()) as unknown };
      };
      expect((await get('/api/scores?top=5')).json).toEqual(cliScores);
      expect((await get(`/api/scores/people/${encodeURIComponent(person)}`)).json).toEqual(cliExplain);
      expect((await get('/api/forecast?metric=leads&horizon=3')).json).toEqual(cliForecast);
      const models = (await get('/api/scores/models')).json as { models: { name: string }[] };
      expect(models.models.map((m) => m.name).sort()).toEqual(['again', 'default', 'demo-requests']);
      // The planted channel effect, lead by lead: Paid Social pulls a score down, Referral pushes it up.
      const byChannel = new Map<string, number[]>();
      for (const lead of ((await get('/api/scores?top=400')).json as ScoreApplyReport).top) {
        const x = ((await get(`/api/scores/people/${encodeURIComponent(lead.person)}`)).json as ScoreExplainReport)
          .explanation;
        const channel = x?.contributions.find((c) => c.feature === 'channel');
        if (channel && typeof channel.value === 'string') {
          byChannel.set(channel.value, [...(byChannel.get(channel.value) ?? []), channel.contribution]);
        }
      }
      const mean = (v: number[] | undefined) => (v ?? []).reduce((s, x) => s + x, 0) / (v?.length || Number.NaN);
      expect(mean(byChannel.get('Paid Social'))).toBeLessThan(0);
      expect(mean(byChannel.get('Referral'))).toBeGreaterThan(0);
      const bad = await fetch(`${server.url}/api/scores/train`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ window: '30d' }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { details: { field: string } } }).error.details.field).toBe('target');
    }, 120_000);
  });
});
