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
});
