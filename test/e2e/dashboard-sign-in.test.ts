/// <reference lib="dom" />
/**
 * The dashboard's sign-in in real Chromium (docs/access.md): with users, the page asks for an email and password,
 * says in words why it refuses, keeps the session in an HttpOnly cookie the page's scripts cannot read, sends the
 * CSRF token with its changes (a save with the session's token works, the same request without it does not), and
 * signs out. Skipped, saying so, where /usr/bin/chromium is missing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { type RunningServer, startServer } from '../helpers/server.js';

const chromiumPath = '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium) console.warn(`dashboard-sign-in: skipped, ${chromiumPath} is missing (apt-get install chromium)`);

let cleanup: () => Promise<void>;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!haveChromium) return;
  const dir = await tempDir();
  cleanup = dir.cleanup;
  const db = join(dir.dir, 'store.duckdb');
  const add = await runCli(
    ['--db', db, 'users', 'add', 'ana@shop.io', '--role', 'analyst', '--projects', 'shop', '--password-stdin'],
    {},
    'a long pass phrase\n',
  );
  expect(add.code).toBe(0);
  const admin = ['--db', db, 'users', 'add', 'root@shop.io', '--role', 'admin', '--password-stdin'];
  expect((await runCli(admin, {}, 'the admin pass phrase\n')).code).toBe(0);
  server = await startServer(db);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  if (!haveChromium) return;
  await browser?.close();
  await server?.stop();
  await cleanup?.();
});

describe.skipIf(!haveChromium)('dashboard sign-in', () => {
  it('signs in, needs the CSRF token for a save, and signs out', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/`);
    await page.getByLabel('Email').fill('ana@shop.io');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('wrong email or password');

    await page.getByLabel('Password').fill('a long pass phrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('ana@shop.io', { exact: true }).waitFor();
    expect(new URL(page.url()).searchParams.get('project')).toBe('shop'); // her one project, not `default`
    await page.waitForSelector('.empty'); // the views run: an empty project says how to send its first event
    expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly: not readable by scripts

    const statuses = await page.evaluate(async () => {
      const body = JSON.stringify({ name: 'Plain', definition: { steps: [{ event: 'a' }] } });
      const bare = await fetch('/api/funnels?project=shop', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const session = (await (await fetch('/auth/session')).json()) as { csrfToken: string };
      const withToken = await fetch('/api/funnels?project=shop', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body,
      });
      return [bare.status, withToken.status];
    });
    expect(statuses).toEqual([403, 201]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').waitFor();
    const after = await page.evaluate(async () => (await fetch('/api/funnels?project=shop')).status);
    expect(after).toBe(401);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('settings: an admin makes a key (shown once), revokes it, sets the retention, and reads it all in the audit log', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/?view=settings&project=shop`);
    await page.getByLabel('Email').fill('root@shop.io');
    await page.getByLabel('Password').fill('the admin pass phrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Make key' }).waitFor();
    await page.getByLabel('Role', { exact: true }).first().selectOption('read');
    await page.getByLabel('Label').fill('BI tool');
    await page.getByRole('button', { name: 'Make key' }).click();
    const key = (await page.locator('[data-new-key]').textContent()) ?? '';
    expect(key).toMatch(/^fs_r_/);
    const status = (k: string) =>
      fetch(`${server.url}/api/funnels?project=shop`, { headers: { authorization: `Bearer ${k}` } }).then(
        (r) => r.status,
      );
    expect(await status(key)).toBe(200);
    const row = page.locator('tr[data-key]').filter({ hasText: 'BI tool' });
    await row.getByRole('button', { name: /Revoke/ }).click();
    await row.getByText(/^revoked/).waitFor();
    expect(await status(key)).toBe(401);

    await page.getByLabel('Keep events for').fill('400');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Events older than 400 days are removed.').waitFor();
    await page.locator('tr[data-action="retention.set"]').waitFor();
    const actions = await page
      .locator('tr[data-action]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    expect(actions.slice(0, 3)).toEqual(['retention.set', 'key.revoke', 'key.create']);
    await page.locator('tr[data-user="ana@shop.io"]').waitFor(); // an admin over every project sees the users
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('settings: an analyst is told in words that keys are not hers to see', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/?view=settings`);
    await page.getByLabel('Email').fill('ana@shop.io');
    await page.getByLabel('Password').fill('a long pass phrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('may not administer');
    await page.close();
  }, 60_000);
});
