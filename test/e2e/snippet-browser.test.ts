/// <reference lib="dom" />
/**
 * The browser snippet in real Chromium (Debian's, driven by playwright-core): a page on another origin loads
 * /fs.js from `funnelscope serve`; its automatic page view carries the landing URL's UTM tags and click id, a
 * track call and an identify follow, and the identify merges the anonymous visitor (first-party cookie) with the
 * user. Do Not Track and a pending consent send nothing. Skipped, saying so, where /usr/bin/chromium is missing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { createProject, type RunningServer, startServer } from '../helpers/server.js';

const chromiumPath = '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium) console.warn(`snippet-browser: skipped, ${chromiumPath} is missing (apt-get install chromium)`);

let dir: string;
let db: string;
let writeKey: string;
let server: RunningServer;
let site: Server;
let siteUrl: string;
let browser: Browser;

/** A shop page on its own origin that loads the snippet from the funnelscope server. */
function page(attributes: string): string {
  return `<!doctype html><html><head><title>Spring sale</title>
    <script src="${server.url}/fs.js" data-write-key="${writeKey}" ${attributes}></script></head>
    <body><h1>Spring sale</h1></body></html>`;
}

beforeAll(async () => {
  if (!haveChromium) return;
  dir = await mkdtemp(join(tmpdir(), 'fs-snippet-'));
  db = join(dir, 'store.duckdb');
  ({ writeKey } = await createProject(db, 'site'));
  server = await startServer(db, ['--project', 'site', '--flush-ms', '100']);
  site = createServer((request, response) => {
    const attributes = request.url?.startsWith('/consent') ? 'data-require-consent="true"' : '';
    response.writeHead(200, { 'content-type': 'text/html' }).end(page(attributes));
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  if (!haveChromium) return;
  await browser?.close();
  site?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function accepted(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('funnelscope_events_accepted_total{source="segment"}'));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function until(condition: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!haveChromium)('browser snippet in Chromium', () => {
  it('sends nothing under Do Not Track, or before consent', async () => {
    const before = await accepted();
    const dnt = await browser.newContext();
    await dnt.addInitScript(() => Object.defineProperty(navigator, 'doNotTrack', { get: () => '1' }));
    const tab = await dnt.newPage();
    await tab.goto(`${siteUrl}/dnt?utm_source=x`);
    await tab.evaluate(() => {
      const fs = (window as unknown as { funnelscope: { track(e: string): void; flush(): void } }).funnelscope;
      fs.track('Should Not Arrive');
      fs.flush();
    });
    expect(await tab.evaluate(() => document.cookie)).toBe('');
    await dnt.close();

    const context = await browser.newContext();
    const consentTab = await context.newPage();
    await consentTab.goto(`${siteUrl}/consent`);
    await consentTab.evaluate(() => {
      const fs = (window as unknown as { funnelscope: { track(e: string): void; flush(): void } }).funnelscope;
      fs.track('Before Consent');
      fs.flush();
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await accepted()).toBe(before);
    await consentTab.evaluate(() => {
      const fs = (
        window as unknown as { funnelscope: { track(e: string): void; flush(): void; consent(g: boolean): void } }
      ).funnelscope;
      fs.consent(true);
      fs.track('After Consent');
      fs.flush();
    });
    await until(async () => (await accepted()) === before + 1);
    await context.close();
  }, 60_000);

  it('records the page view with its campaign, a track call, and an identify that merges the visitor', async () => {
    const before = await accepted();
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${siteUrl}/spring?utm_source=newsletter&utm_medium=email&utm_campaign=spring&gclid=CLICK-1`);
    await tab.evaluate(() => {
      const fs = (
        window as unknown as {
          funnelscope: { track(e: string, p: object): void; identify(u: string, t: object): void; flush(): void };
        }
      ).funnelscope;
      fs.track('Added To Cart', { sku: 'SKU-9', price: 19.9 });
      fs.identify('customer-42', { email: 'c42@shop.example' });
      fs.flush();
    });
    const anonymousId = (await context.cookies()).find((c) => c.name === 'fs_aid')?.value;
    expect(anonymousId).toMatch(/^[0-9a-f-]{36}$/);
    await until(async () => (await accepted()) === before + 3);
    await context.close();

    await server.stop();
    const store = await DuckDBStore.open({ path: db });
    try {
      const rows = await store.db.rows<Record<string, string | null>>(
        `SELECT type, event, distinct_id, anonymous_id, user_id, url, path, utm_source, utm_medium, utm_campaign, channel,
                properties->>'$.gclid' AS gclid, properties->>'$.sku' AS sku, context->>'$.library.name' AS library
         FROM events WHERE project_id = 'site' AND event IN ('$pageview', 'Added To Cart', '$identify')
           AND anonymous_id = $anon ORDER BY ts, event`,
        { anon: anonymousId ?? '' },
      );
      expect(rows.map((r) => r.event).sort()).toEqual(['$identify', '$pageview', 'Added To Cart']);
      const view = rows.find((r) => r.event === '$pageview');
      expect(view).toMatchObject({
        path: '/spring',
        utm_source: 'newsletter',
        utm_medium: 'email',
        utm_campaign: 'spring',
        // The gclid marks a paid search click, which wins over the e-mail tags (docs/channels.md).
        channel: 'Paid Search',
        gclid: 'CLICK-1',
        library: 'funnelscope.js',
      });
      expect(view?.url).toBe(
        `${siteUrl}/spring?utm_source=newsletter&utm_medium=email&utm_campaign=spring&gclid=CLICK-1`,
      );
      expect(rows.find((r) => r.event === 'Added To Cart')?.sku).toBe('SKU-9');
      const person = await store.getPerson('site', 'customer-42');
      expect(person?.distinctIds.sort()).toEqual([anonymousId, 'customer-42'].sort());
      expect(person?.traits).toMatchObject({ email: 'c42@shop.example' });
      // Before Consent never arrived; After Consent did.
      const consent = await store.db.rows<{ event: string }>(
        `SELECT event FROM events WHERE project_id = 'site' AND event LIKE '%Consent' OR event = 'Should Not Arrive'`,
      );
      expect(consent.map((r) => r.event)).toEqual(['After Consent']);
    } finally {
      await store.close();
    }
  }, 60_000);
});
