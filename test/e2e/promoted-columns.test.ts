import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStore, runCliJson, tempDir } from '../helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('promoted event columns', () => {
  it('reads url, path, utm tags, device, groups and revenue from Segment messages', async () => {
    const file = join(dir, 'segment.ndjson');
    const messages = [
      {
        type: 'page',
        anonymousId: 'a1',
        timestamp: '2024-05-01T10:00:00Z',
        name: 'Pricing',
        context: {
          page: {
            url: 'https://shop.example/pricing?utm_source=news+letter&utm_medium=email&utm_campaign=may%20sale',
            referrer: 'https://mail.example/',
          },
          userAgent:
            'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1',
          groupId: 'acme',
          location: { country: 'DE' },
        },
      },
      {
        type: 'track',
        userId: 'u1',
        anonymousId: 'a1',
        event: 'Order Completed',
        timestamp: 1714557600,
        properties: { revenue: '49.90', $current_url: 'https://shop.example/checkout/done?x=1' },
        context: { campaign: { source: 'google', medium: 'cpc', name: 'brand' }, groups: { team: 't-7' } },
      },
    ];
    await writeFile(file, messages.map((m) => JSON.stringify(m)).join('\n'));
    const db = join(dir, 'promoted.duckdb');
    expect(
      (await runCliJson<{ imported: number }>(['--db', db, 'import', 'events', file, '--json'])).json.imported,
    ).toBe(2);
    const [page, order] = await queryStore(
      db,
      `SELECT event, distinct_id, url, path, referrer, utm_source, utm_medium, utm_campaign, device_type, os, browser, country,
              groups::VARCHAR AS groups, revenue, properties->>'name' AS name, strftime(ts, '%Y-%m-%dT%H:%M:%S') AS ts
       FROM events ORDER BY ts`,
    );
    expect(page).toMatchObject({
      event: '$pageview',
      distinct_id: 'a1',
      path: '/pricing',
      referrer: 'https://mail.example/',
      utm_source: 'news letter',
      utm_medium: 'email',
      utm_campaign: 'may sale',
      device_type: 'Mobile',
      os: 'iOS',
      browser: 'Safari',
      country: 'DE',
      groups: '{"company":"acme"}',
      name: 'Pricing',
    });
    expect(order).toMatchObject({
      event: 'Order Completed',
      distinct_id: 'u1',
      path: '/checkout/done',
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'brand',
      groups: '{"team":"t-7"}',
      revenue: 49.9,
      ts: '2024-05-01T10:00:00',
    });
  });

  it('reads them from same-named CSV columns, and keeps typed property values', async () => {
    const file = join(dir, 'flat.csv');
    await writeFile(
      file,
      'user_id;event;timestamp;utm_source;url;plan;seats;zip;trial\nu9;Signed Up;2024-05-02 08:00:00;bing;https://x.example/a/b?q=1;pro;12;01234;true\n',
    );
    const db = join(dir, 'flat.duckdb');
    expect(
      (await runCliJson<{ imported: number }>(['--db', db, 'import', 'events', file, '--json'])).json.imported,
    ).toBe(1);
    const [row] = await queryStore(db, `SELECT utm_source, url, path, properties::VARCHAR AS properties FROM events`);
    expect(row).toMatchObject({ utm_source: 'bing', url: 'https://x.example/a/b?q=1', path: '/a/b' });
    expect(JSON.parse(String(row?.properties))).toEqual({
      utm_source: 'bing',
      url: 'https://x.example/a/b?q=1',
      plan: 'pro',
      seats: 12,
      zip: '01234',
      trial: true,
    });
  });
});

describe('the two NDJSON readers', () => {
  it('store identical events whether DuckDB reads the file whole or line by line', async () => {
    const messages = [
      {
        type: 'track',
        userId: 42,
        event: 'Signed Up',
        timestamp: 1714557600000,
        properties: { plan: 'pro', seats: 3, tags: ['a', 'b'], nested: { x: 1.5 } },
      },
      {
        type: 'page',
        anonymousId: 'a-ü',
        timestamp: '2024-05-01T12:00:00+02:00',
        name: 'Home',
        properties: { title: 'Grüße "quoted"' },
      },
      {
        batch: [
          { type: 'identify', userId: 'u2', anonymousId: 'a2', timestamp: '2024-05-02', traits: { email: 'x@y.z' } },
          { type: 'alias', previousId: 'a3', userId: 'u2', timestamp: '2024-05-03' },
        ],
      },
      { type: 'group', userId: 'u2', groupId: 'acme', timestamp: '2024-05-04', traits: { industry: 'SaaS' } },
    ].map((m) => JSON.stringify(m));
    const clean = join(dir, 'clean.ndjson');
    const withBadLine = join(dir, 'with-bad-line.ndjson');
    await writeFile(clean, `${messages.join('\n')}\n`);
    await writeFile(withBadLine, `${[...messages, '{"type": "track", "event": '].join('\n')}\n`);
    const db = join(dir, 'readers.duckdb');
    expect(
      (await runCliJson<{ imported: number }>(['--db', db, '--project', 'whole', 'import', 'events', clean, '--json']))
        .json.imported,
    ).toBe(5);
    const lineWise = await runCliJson<{ imported: number; rejected: number }>([
      '--db',
      db,
      '--project',
      'lines',
      'import',
      'events',
      withBadLine,
      '--skip-invalid',
      '--json',
    ]);
    expect(lineWise.json).toMatchObject({ imported: 5, rejected: 1 });
    const snapshot = (project: string) =>
      queryStore(
        db,
        `SELECT message_id, ts::VARCHAR AS ts, type, event, distinct_id, properties::VARCHAR AS properties, groups::VARCHAR AS groups
         FROM events WHERE project_id = '${project}' ORDER BY message_id`,
      );
    const whole = await snapshot('whole');
    expect(whole).toHaveLength(5);
    expect(await snapshot('lines')).toEqual(whole);
    // And a re-import of the clean file into the line-wise project stores nothing new.
    const again = await runCliJson<{ imported: number; duplicates: number }>([
      '--db',
      db,
      '--project',
      'lines',
      'import',
      'events',
      clean,
      '--json',
    ]);
    expect(again.json).toMatchObject({ imported: 0, duplicates: 5 });
  });
});
