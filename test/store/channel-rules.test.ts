/**
 * A project's own channel grouping (docs/channels.md): rules tried in order before the defaults (regular
 * expressions on source, medium, campaign, referrer host and URL, case-insensitive), referral exclusions added to the
 * defaults; setting them classifies the stored events again in one transaction and applies to every later import;
 * an explicit channel property still wins; other projects are untouched; bad settings are refused by field, changing
 * nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
let db: string;
let store: DuckDBStore;

const site = 'https://shop.example';
const message = (id: string, url: string, extra: Record<string, unknown> = {}) => ({
  type: 'page',
  anonymousId: 'a',
  messageId: id,
  timestamp: '2026-11-01T00:00:00Z',
  properties: { url: `${site}${url}`, ...extra },
});

const first = [
  message('brand', '/?utm_source=google&utm_medium=cpc&utm_campaign=Brand-EU'),
  message('generic', '/?utm_source=google&utm_medium=cpc&utm_campaign=generic'),
  message('g2', '/', { referrer: 'https://www.g2.com/products/x' }),
  message('partner', '/?utm_source=acme&utm_medium=referral'),
  message('explicit', '/?utm_source=google&utm_medium=cpc&utm_campaign=brand', { channel: 'Events' }),
];

const write = async (name: string, messages: unknown[]) => {
  const file = join(dir, name);
  await writeFile(file, `${messages.map((m) => JSON.stringify(m)).join('\n')}\n`);
  return file;
};
const channels = async (project = 'default') =>
  Object.fromEntries(
    (
      await store.db.rows<{ message_id: string; channel: string }>(
        'SELECT message_id, channel FROM events WHERE project_id = $project',
        { project },
      )
    ).map((r) => [r.message_id, r.channel]),
  );

const settings = {
  rules: [
    { channel: 'Brand Search', source: '^google$', campaign: '^brand' },
    // Also matches the brand row, but comes second.
    { channel: 'Google Ads', source: 'google', medium: 'cpc' },
    { channel: 'Partners', referrer: 'partner\\.io$' },
    { channel: 'Partners', source: '^acme$' },
  ],
  referralExclusions: ['G2.com'],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fs-channel-rules-'));
  db = join(dir, 'store.duckdb');
  store = await DuckDBStore.open({ path: db });
  const opts = { project: 'default', skipInvalid: false };
  await store.importFile('events', await write('first.ndjson', first), opts);
  await store.importFile('events', await write('other.ndjson', first), { ...opts, project: 'other' });
});
afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('channel rules and referral exclusions', () => {
  it('classify the stored events again, first matching rule first, explicit channels kept', async () => {
    expect(await channels()).toEqual({
      brand: 'Paid Search',
      generic: 'Paid Search',
      g2: 'Referral',
      partner: 'Referral',
      explicit: 'Events',
    });
    const before = await store.dataVersion('default');
    const result = await store.setChannelSettings('default', settings);
    expect(result.events).toBe(5);
    expect(result.settings.referralExclusions).toEqual(['g2.com']);
    expect(await channels()).toEqual({
      brand: 'Brand Search',
      generic: 'Google Ads',
      g2: 'Direct',
      partner: 'Partners',
      explicit: 'Events',
    });
    // Reports read the new channels: the data version moved, so cached columns are read again.
    expect(await store.dataVersion('default')).not.toBe(before);
    // Another project keeps the defaults.
    expect((await channels('other')).brand).toBe('Paid Search');
    expect(await store.channelSettings('default')).toEqual({ ...settings, referralExclusions: ['g2.com'] });
  });

  it('leave server-side events and identify traits alone', async () => {
    await store.importFile(
      'events',
      await write('server.ndjson', [
        { type: 'track', userId: 'u', event: 'Invoice Paid', messageId: 'server', timestamp: '2026-11-01T00:00:00Z' },
        {
          type: 'identify',
          userId: 'u',
          traits: { channel: 'Partner' },
          messageId: 'identify',
          timestamp: '2026-11-01T00:00:00Z',
        },
      ]),
      { project: 'default', skipInvalid: false },
    );
    // A rule whose patterns match an empty source would catch events without web context if they were tried.
    await store.setChannelSettings('default', {
      ...settings,
      rules: [...settings.rules, { channel: 'Any', source: '.*' }],
    });
    const got = await channels();
    expect([got.server, got.identify]).toEqual([null, null]);
    await store.setChannelSettings('default', settings);
  });

  it('apply to later imports', async () => {
    await store.importFile(
      'events',
      await write('later.ndjson', [
        message('later-brand', '/?utm_source=Google&utm_medium=CPC&utm_campaign=BRAND-US'),
        message('later-blog', '/', { referrer: 'https://blog.partner.io/post' }),
        message('later-g2', '/', { referrer: 'https://g2.com/compare' }),
      ]),
      { project: 'default', skipInvalid: false },
    );
    const got = await channels();
    expect([got['later-brand'], got['later-blog'], got['later-g2']]).toEqual(['Brand Search', 'Partners', 'Direct']);
  });

  it('refuse bad settings by field and change nothing', async () => {
    await expect(
      store.setChannelSettings('default', { rules: [{ channel: 'X', medium: '(unclosed' }] }),
    ).rejects.toThrow(/^rules\[0\]\.medium: not a regular expression/);
    await expect(store.setChannelSettings('default', { rules: [{ channel: 'X' }] })).rejects.toThrow(
      /rules\[0\]: a rule needs at least one of/,
    );
    await expect(store.setChannelSettings('default', { referralExclusions: ['not a host'] })).rejects.toThrow(
      /^referralExclusions\[0\]: expected a host name/,
    );
    await expect(store.setChannelSettings('default', { rules: [], colour: 'red' })).rejects.toThrow(/colour|key/i);
    expect((await channels()).brand).toBe('Brand Search');
    expect((await store.channelSettings('default')).rules).toHaveLength(4);
  });

  it('go back to the defaults when cleared', async () => {
    await store.setChannelSettings('default', {});
    expect((await channels()).brand).toBe('Paid Search');
    expect((await channels()).g2).toBe('Referral');
  });

  it('show, set and test from the CLI', async () => {
    await store.close();
    const file = join(dir, 'settings.json');
    await writeFile(file, JSON.stringify(settings));
    const set = await runCli(['--db', db, 'channels', 'set', file]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Classified 10 stored events');
    const shown = await runCli(['--db', db, 'channels', 'show', '--json']);
    expect(JSON.parse(shown.stdout)).toEqual({ ...settings, referralExclusions: ['g2.com'] });
    const tested = await runCli([
      ...['--db', db, 'channels', 'test', '--url', `${site}/?utm_source=google&utm_medium=cpc&utm_campaign=brand`],
      '--json',
    ]);
    expect(JSON.parse(tested.stdout)).toMatchObject({ channel: 'Brand Search', source: 'google', medium: 'cpc' });
    const excluded = await runCli([
      ...['--db', db, 'channels', 'test', '--url', `${site}/`, '--referrer', 'https://www.g2.com/x', '--json'],
    ]);
    expect(JSON.parse(excluded.stdout)).toMatchObject({ channel: 'Direct', source: '(direct)' });
    const bad = await runCli(['--db', db, 'channels', 'set', '{"rules": [{"channel": "X", "url": "[z-a]"}]}']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('rules[0].url');
    store = await DuckDBStore.open({ path: db });
  }, 60_000);
});
