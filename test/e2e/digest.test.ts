/**
 * `funnelscope report` (docs/digest.md) on the demo business: the digest's numbers are the funnel, goals, diagnose
 * and kpi commands' for the same week; the page renders in headless Chromium (a screenshot is saved to test/output/)
 * and prints as a PDF. Skipped, saying so, where /usr/bin/chromium is missing.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiagnoseReport } from '../../src/analysis/diagnose/run-diagnose.js';
import type { DigestData } from '../../src/analysis/digest/run-digest.js';
import type { FunnelReport } from '../../src/analysis/funnel/report.js';
import type { GoalsReport } from '../../src/analysis/goals/run-goals.js';
import type { KpiReport } from '../../src/analysis/kpi/report.js';
import { demoStore, runCli, runCliJson } from '../helpers/cli.js';

const chromiumPath = '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium) console.warn(`digest: the browser part is skipped, ${chromiumPath} is missing`);
const output = join(import.meta.dirname, '..', 'output');

let db: string;
let dir: string;
let cleanup: () => Promise<void>;
let digest: DigestData;
const funnel = {
  steps: [{ event: '$pageview' }, { event: 'Signed Up' }, { event: 'Activated' }, { event: 'Demo Requested' }],
  window: { amount: 30, unit: 'day' },
};
const json = async <T>(...args: string[]) => (await runCliJson<T>(['--db', db, ...args, '--format', 'json'])).json;

beforeAll(async () => {
  ({ db, cleanup } = await demoStore(['--visitors', '40000', '--days', '180', '--end-date', '2026-10-31']));
  dir = join(db, '..');
  await runCli(['--db', db, 'goals', 'add', '--name', 'Leads', '--metric', 'leads', '--target', '100']);
  digest = await json<DigestData>('report', '--definition', JSON.stringify(funnel));
}, 120_000);
afterAll(async () => cleanup?.());

describe('the weekly digest', () => {
  it('reports the last whole week and the one before, with the commands’ own numbers', async () => {
    // The data ends on Saturday 2026-10-31: the last whole week is Monday 19 to Sunday 25 October.
    expect([digest.from, digest.to, digest.previousFrom, digest.previousTo]).toEqual([
      '2026-10-19',
      '2026-10-25',
      '2026-10-12',
      '2026-10-18',
    ]);
    const week = await json<FunnelReport>(
      ...['funnel', '--definition', JSON.stringify({ ...funnel, dateFrom: '2026-10-19', dateTo: '2026-10-25' })],
    );
    const before = await json<FunnelReport>(
      ...['funnel', '--definition', JSON.stringify({ ...funnel, dateFrom: '2026-10-12', dateTo: '2026-10-18' })],
    );
    expect(digest.steps.map((s) => [s.count, s.previousCount, s.rate])).toEqual(
      week.steps.map((s, i) => [s.count, before.steps[i]?.count, s.conversionRate]),
    );
    const goals = await json<GoalsReport>('goals', 'list', '--as-of', '2026-10-25');
    expect(digest.goals).toEqual(goals.goals);
    const diagnose = await json<DiagnoseReport>(
      ...['diagnose', '--definition', JSON.stringify({ ...funnel, dateFrom: '2026-10-19', dateTo: '2026-10-25' })],
      ...['--top', '3'],
    );
    expect(digest.findings).toEqual(diagnose.leaks.summary);
    const kpi = await json<KpiReport>('kpi', '--from', '2026-10-19', '--to', '2026-10-25', '--by', 'channel');
    expect(digest.kpi.rows).toEqual(kpi.rows);
    expect(digest.kpi.total).toEqual(kpi.total);
  });

  it.skipIf(!haveChromium)(
    'renders in Chromium and prints as a PDF',
    async () => {
      const html = join(dir, 'digest.html');
      const pdf = join(dir, 'digest.pdf');
      const result = await runCli([
        ...['--db', db, 'report', '--definition', JSON.stringify(funnel), '--out', html, '--pdf', pdf],
      ]);
      expect(result.code).toBe(0);
      expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
      expect(readFileSync(pdf).length).toBeGreaterThan(10_000);
      const page = readFileSync(html, 'utf8');
      expect(page).not.toMatch(/<script|<link|src="http/); // self-contained
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      try {
        const tab = await browser.newPage({ viewport: { width: 900, height: 1200 } });
        const errors: string[] = [];
        tab.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        await tab.setContent(page);
        expect(await tab.textContent('h1')).toBe('Weekly digest: default');
        const counts = await tab.$$eval('table[data-table="funnel"] tbody tr td:nth-child(2)', (cells) =>
          cells.map((c) => Number(c.textContent?.replaceAll(',', ''))),
        );
        expect(counts).toEqual(digest.steps.map((s) => s.count));
        expect(await tab.$$eval('table[data-table="kpi"] tbody tr', (rows) => rows.length)).toBe(
          digest.kpi.rows.length + 1,
        );
        mkdirSync(output, { recursive: true });
        await tab.screenshot({ path: join(output, 'digest.png'), fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );

  it("writes each table as CSV: the digest's own values, quoted by RFC 4180", async () => {
    const folder = join(dir, 'csv');
    const result = await runCli(['--db', db, 'report', '--definition', JSON.stringify(funnel), '--csv', folder]);
    expect(result.code).toBe(0);
    const funnelCsv = readFileSync(join(folder, 'funnel.csv'), 'utf8').split('\r\n');
    expect(funnelCsv[0]).toBe('step,this_week,week_before,conversion,conversion_week_before');
    expect(funnelCsv.slice(1, -1)).toEqual(
      digest.steps.map((s) => [s.name, s.count, s.previousCount, s.rate, s.previousRate].map((v) => v ?? '').join(',')),
    );
    const kpi = readFileSync(join(folder, 'kpi.csv'), 'utf8').split('\r\n');
    expect(kpi.length).toBe(digest.kpi.rows.length + 3); // header, rows, total, the last line's end
    expect(kpi.at(-2)?.startsWith(`total,${digest.kpi.total.spend},`)).toBe(true);
    expect(readFileSync(join(folder, 'goals.csv'), 'utf8')).toContain(',Leads,shared,leads,100,at_least,2026-10-01,');
  });

  it('says what a PDF needs when Chromium is missing', async () => {
    const result = await runCli(
      ['--db', db, 'report', '--definition', JSON.stringify(funnel), '--pdf', join(dir, 'x.pdf')],
      {
        FUNNELSCOPE_CHROMIUM: '/nonexistent/chromium',
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--pdf: PDFs are printed by Chromium, not found at /nonexistent/chromium');
  });
});
