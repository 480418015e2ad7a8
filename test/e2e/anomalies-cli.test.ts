/**
 * `funnelscope anomalies` on the demo business (40,000 visitors, 180 days; weekdays 1.4× weekends and 60% growth
 * over the range): the untouched page views, signups and funnel conversion raise no alarm; after half of one
 * Wednesday's page views are deleted, that day, and only that day, is flagged low, with the expected value and band
 * the report's definition gives; the API answers what the CLI prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomaliesReport } from '../../src/analysis/monitoring/run-anomalies.js';
import { demoStore, queryStore, runCli, runCliJson } from '../helpers/cli.js';
import { startServer } from '../helpers/server.js';

let db: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ db, cleanup } = await demoStore(['--visitors', '40000', '--days', '180', '--end-date', '2026-10-31']));
}, 120_000);
afterAll(async () => cleanup?.());

const anomalies = async (...args: string[]) =>
  (await runCliJson<AnomaliesReport>(['--db', db, 'anomalies', ...args, '--format', 'json'])).json;

const funnel = JSON.stringify({
  steps: [{ event: '$pageview' }, { event: 'Signed Up' }],
  window: { amount: 1, unit: 'day' },
});

describe('anomalies on the demo business', () => {
  it('raises no alarm on the untouched data', async () => {
    for (const report of [
      await anomalies('--metric', 'conversions', '--event', '$pageview'),
      await anomalies('--metric', 'conversions', '--event', 'Signed Up'),
      await anomalies('--definition', funnel),
    ]) {
      expect(report.anomalies, report.series).toEqual([]);
      expect(report.days.length).toBe(30);
      expect(
        report.days.some((d) => d.notJudged === null),
        report.series,
      ).toBe(true);
    }
  });

  it('flags the day that lost half its page views, and no other', async () => {
    const [before] = await queryStore<{ n: number }>(
      db,
      `SELECT count(*)::INTEGER AS n FROM events WHERE event = '$pageview' AND CAST(ts AS DATE) = DATE '2026-10-14'`,
    );
    await queryStore(
      db,
      `DELETE FROM events WHERE event = '$pageview' AND CAST(ts AS DATE) = DATE '2026-10-14' AND hash(message_id) % 2 = 0`,
    );
    const report = await anomalies('--metric', 'conversions', '--event', '$pageview');
    expect(report.anomalies.map((a) => [a.day, a.anomaly])).toEqual([['2026-10-14', 'low']]);
    const day = report.anomalies[0] as AnomaliesReport['anomalies'][number];
    expect(day.value).toBeLessThan((before?.n as number) * 0.6);
    expect(day.value).toBeLessThan(day.lower as number);
    expect(day.z as number).toBeLessThan(-3.5);
    // The band is symmetric, expected ± 3.5 √(φ · expected) with φ ≥ 1.
    const half = (day.upper as number) - (day.expected as number);
    expect((day.expected as number) - (day.lower as number)).toBeCloseTo(half, 9);
    expect((half / 3.5) ** 2 / (day.expected as number)).toBeGreaterThanOrEqual(1 - 1e-9);
    // The table says so in words.
    const table = await runCli(['--db', db, 'anomalies', '--metric', 'conversions', '--event', '$pageview']);
    expect(table.stdout).toContain('1 anomalous day');
    expect(table.stdout).toMatch(/2026-10-14 .* low/);

    const server = await startServer(db);
    try {
      const api = (await fetch(`${server.url}/api/anomalies?metric=conversions&event=%24pageview`).then((r) =>
        r.json(),
      )) as AnomaliesReport;
      expect(api).toEqual(report);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('names a bad request', async () => {
    const noEvent = await runCli(['--db', db, 'anomalies', '--metric', 'conversions']);
    expect(noEvent.stderr).toContain('event: conversions count an event');
    const noFunnel = await runCli(['--db', db, 'anomalies', '--metric', 'funnel']);
    expect(noFunnel.stderr).toContain('--definition');
    const badZ = await runCli(['--db', db, 'anomalies', '--event', '$pageview', '--z', '0']);
    expect(badZ.stderr).toContain('--z');
  });
});
