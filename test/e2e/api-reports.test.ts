/**
 * The JSON API (DESIGN §5, docs/api.md): each report route returns what the CLI prints with `--format json` for
 * the same request (timings aside), from a real `funnelscope serve` over the demo business; bad requests get the
 * CLI's error body with a status and the field named.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson, tempDir } from '../helpers/cli.js';
import { type RunningServer, startServer } from '../helpers/server.js';

const funnel = {
  steps: [
    { event: '$pageview', name: 'Visit' },
    { event: '$pageview', name: 'Pricing', filters: [{ property: 'path', value: '/pricing' }] },
    { event: 'Signed Up', name: 'Signup' },
    { event: 'Activated', name: 'Activation' },
  ],
  window: { amount: 30, unit: 'day' },
};

/** A report without what differs from run to run: its timings and thread count. */
function stable(report: unknown): unknown {
  return JSON.parse(JSON.stringify(report), (key, value) =>
    key === 'elapsedMs' || key === 'threads' ? undefined : value,
  );
}

let db: string;
let cleanup: () => Promise<void>;
let server: RunningServer;
const cli: Record<string, unknown> = {};

const post = async (path: string, body: unknown) => {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  const dir = await tempDir();
  cleanup = dir.cleanup;
  db = join(dir.dir, 'demo.duckdb');
  expect((await runCli(['--db', db, 'demo', '--visitors', '3000', '--end-date', '2026-10-31'])).code).toBe(0);
  const definition = JSON.stringify(funnel);
  // The CLI's answers first: the server then holds the file.
  cli.funnel = (await runCliJson(['--db', db, 'funnel', '--definition', definition])).json;
  cli.diagnose = (
    await runCliJson([
      ...['--db', db, 'diagnose', '--definition', definition, '--dimensions', 'device_type,channel'],
      ...['--min-units', '20', '--format', 'json'],
    ])
  ).json;
  cli.paths = (
    await runCliJson(['--db', db, 'paths', '--from', 'Signed Up', '--depth', '3', '--page-paths', '--format', 'json'])
  ).json;
  cli.cohorts = (
    await runCliJson([
      ...['--db', db, 'cohorts', '--definition', definition, '--period', 'month'],
      ...['--retention', 'Activated', '--retention-period', 'week', '--retention-periods', '4', '--format', 'json'],
    ])
  ).json;
  cli.kpi = (
    await runCliJson([
      ...['--db', db, 'kpi', '--from', '2026-08-01', '--to', '2026-10-31', '--by', 'channel'],
      ...['--gross-margin', '0.8', '--format', 'json'],
    ])
  ).json;
  cli.pipeline = (
    await runCliJson(['--db', db, 'pipeline', '--as-of', '2026-10-31', '--by', 'owner', '--format', 'json'])
  ).json;
  cli.attribution = (
    await runCliJson([
      ...['--db', db, 'attribution', '--conversion', 'deal_won', '--lookback', '90d', '--position-based', '30/40/30'],
      ...['--bootstrap', '40', '--format', 'json'],
    ])
  ).json;
  server = await startServer(db);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await cleanup();
});

describe('report routes', () => {
  it('POST /api/funnel is `funnelscope funnel`', async () => {
    const { status, json } = await post('/api/funnel', funnel);
    expect(status).toBe(200);
    expect(stable(json)).toEqual(stable(cli.funnel));
  });

  it('POST /api/diagnose is `funnelscope diagnose --format json`', async () => {
    const { status, json } = await post('/api/diagnose', {
      definition: funnel,
      dimensions: ['device_type', 'channel'],
      minUnits: 20,
    });
    expect(status).toBe(200);
    expect(stable(json)).toEqual(stable(cli.diagnose));
  });

  it('GET and POST /api/paths are `funnelscope paths --format json`', async () => {
    const got = await fetch(`${server.url}/api/paths?from=Signed%20Up&depth=3&pagePaths=true`);
    expect(got.status).toBe(200);
    expect(stable(await got.json())).toEqual(stable(cli.paths));
    const { json } = await post('/api/paths', { from: 'Signed Up', depth: 3, pagePaths: true });
    expect(stable(json)).toEqual(stable(cli.paths));
  });

  it('POST /api/cohorts is `funnelscope cohorts --format json`', async () => {
    const { status, json } = await post('/api/cohorts', {
      definition: funnel,
      period: 'month',
      retention: 'Activated',
      retentionPeriod: 'week',
      retentionPeriods: 4,
    });
    expect(status).toBe(200);
    expect(stable(json)).toEqual(stable(cli.cohorts));
  });

  it('GET /api/kpi and POST /api/pipeline are `funnelscope kpi` and `funnelscope pipeline`', async () => {
    const kpi = await fetch(`${server.url}/api/kpi?from=2026-08-01&to=2026-10-31&by=channel&grossMargin=0.8`);
    expect(kpi.status).toBe(200);
    const kpiJson = await kpi.json();
    expect(stable(kpiJson)).toEqual(stable(cli.kpi));
    expect((kpiJson as { rows: unknown[] }).rows.length).toBeGreaterThan(0);
    const { status, json } = await post('/api/pipeline', { asOf: '2026-10-31', by: 'owner' });
    expect(status).toBe(200);
    expect(stable(json)).toEqual(stable(cli.pipeline));
    const badBy = await post('/api/pipeline', { by: 'weather' });
    expect((badBy.json.error as { message: string }).message).toMatch(/^by: expected owner, pipeline/);
  });

  it('GET and POST /api/attribution are `funnelscope attribution --format json`', async () => {
    const got = await fetch(
      `${server.url}/api/attribution?conversion=deal_won&lookback=90d&positionBased=30/40/30&bootstrap=40`,
    );
    expect(got.status).toBe(200);
    expect(stable(await got.json())).toEqual(stable(cli.attribution));
    const { status, json } = await post('/api/attribution', {
      conversion: 'deal_won',
      lookback: 90,
      positionBased: '30/40/30',
      bootstrap: 40,
    });
    expect(status).toBe(200);
    expect(stable(json)).toEqual(stable(cli.attribution));
    const bad = await post('/api/attribution', { conversion: 'deal_won', positionBased: '50/40/30' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('positionBased');
  });

  it('keeps saved funnels: save, list, rename, delete', async () => {
    const request = (method: string, path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    const created = await request('POST', '/api/funnels', { name: 'Signup', definition: funnel });
    expect(created.status).toBe(201);
    const saved = (await created.json()) as { id: string; name: string; definition: unknown };
    expect(saved.name).toBe('Signup');
    expect(saved.definition).toEqual(funnel);
    const list = async () =>
      ((await (await request('GET', '/api/funnels')).json()) as { funnels: { id: string; name: string }[] }).funnels;
    expect((await list()).map((f) => f.name)).toEqual(['Signup']);
    const renamed = await request('PATCH', `/api/funnels/${saved.id}`, { name: 'Signup funnel' });
    expect(renamed.status).toBe(200);
    expect((await list()).map((f) => [f.id, f.name])).toEqual([[saved.id, 'Signup funnel']]);
    // Another project does not see it; a bad definition or name is refused, naming the field.
    expect((await (await request('GET', '/api/funnels?project=other')).json()) as unknown).toEqual({ funnels: [] });
    const bad = await request('POST', '/api/funnels', { name: 'x', definition: { steps: [] } });
    expect(bad.status).toBe(400);
    const noName = await request('POST', '/api/funnels', { name: ' ', definition: funnel });
    expect(((await noName.json()) as { error: { details: { field: string } } }).error.details.field).toBe('name');
    expect((await request('DELETE', `/api/funnels/${saved.id}`)).status).toBe(204);
    expect((await request('DELETE', `/api/funnels/${saved.id}`)).status).toBe(404);
    expect(await list()).toEqual([]);
  });

  it('answers bad requests with the error body, its status and the field', async () => {
    const noSteps = await post('/api/funnel', { steps: [] });
    expect(noSteps.status).toBe(400);
    expect((noSteps.json.error as { code: string; details: { field: string } }).details.field).toBe('steps');
    const alpha = await post('/api/diagnose', { definition: funnel, alpha: 2 });
    expect(alpha.status).toBe(400);
    expect((alpha.json.error as { message: string }).message).toMatch(/^alpha: expected a number between 0 and 1/);
    const both = await post('/api/paths', { from: 'A', to: 'B' });
    expect(both.status).toBe(400);
    const depth = await fetch(`${server.url}/api/paths?from=Signed%20Up&depth=eleven`);
    expect(depth.status).toBe(400);
    expect(((await depth.json()) as { error: { message: string } }).error.message).toMatch(
      /^depth: expected an integer/,
    );
    const noDefinition = await post('/api/cohorts', { period: 'week' });
    expect(noDefinition.status).toBe(400);
    const live = await fetch(`${server.url}/api/live?minutes=0`);
    expect(live.status).toBe(400);
    expect(((await live.json()) as { error: { details: { field: string } } }).error.details.field).toBe('minutes');
  });
});
