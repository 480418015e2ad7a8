/**
 * The default channel grouping (docs/channels.md), case by case through the importer: each NDJSON message with
 * the channel its UTM tags, click ids and referrer give by the table (worked out by hand from the rules).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';

const site = 'https://shop.example';
const page = (query: string, referrer?: string) => ({
  type: 'page',
  properties: { url: `${site}/landing${query}`, ...(referrer ? { referrer } : {}) },
});

const cases: [string, Record<string, unknown>, string | null][] = [
  ['utm google / cpc', page('?utm_source=google&utm_medium=cpc'), 'Paid Search'],
  ['gclid only', page('?gclid=Cj0KCQ'), 'Paid Search'],
  ['msclkid only', page('?msclkid=abc'), 'Paid Search'],
  ['facebook / paid_social', page('?utm_source=facebook&utm_medium=paid_social'), 'Paid Social'],
  ['ttclid only', page('?ttclid=E.C.P'), 'Paid Social'],
  [
    'linkedin / cpc in context',
    { type: 'track', event: 'x', context: { campaign: { source: 'linkedin', medium: 'cpc' } } },
    'Paid Social',
  ],
  ['display medium', page('?utm_source=gdn&utm_medium=display'), 'Display'],
  ['dclid only', page('?dclid=xyz'), 'Display'],
  ['newsletter / email', page('?utm_source=newsletter&utm_medium=email'), 'Email'],
  ['source e-mail, no medium', page('?utm_source=e-mail'), 'Email'],
  ['webmail referrer', page('', 'https://mail.google.com/mail/u/0/'), 'Email'],
  ['affiliate medium', page('?utm_source=partner&utm_medium=affiliate'), 'Affiliate'],
  ['criteo / cpc (paid, unknown source)', page('?utm_source=criteo&utm_medium=cpc'), 'Other'],
  ['facebook, no medium', page('?utm_source=facebook'), 'Organic Social'],
  ['medium social', page('?utm_source=partner&utm_medium=social'), 'Organic Social'],
  ['t.co referrer', page('', 'https://t.co/AbC'), 'Organic Social'],
  ['google / organic', page('?utm_source=google&utm_medium=organic'), 'Organic Search'],
  ['google referrer', page('', 'https://www.google.co.uk/'), 'Organic Search'],
  ['duckduckgo referrer', page('', 'https://duckduckgo.com/?q=shop'), 'Organic Search'],
  ['x-partner / referral', page('?utm_source=x-partner&utm_medium=referral'), 'Referral'],
  ['blog referrer', page('', 'https://blog.partner.io/post/1'), 'Referral'],
  ['unknown tag', page('?utm_source=spring-flyer'), 'Other'],
  ['own-site referrer', page('', `${site}/pricing`), 'Direct'],
  ['no tags, no referrer', page(''), 'Direct'],
  [
    'empty tags are no tags',
    { type: 'page', context: { campaign: { source: '', medium: '' }, page: { url: site } } },
    'Direct',
  ],
  ['server-side event', { type: 'track', event: 'Invoice Paid' }, null],
  [
    'explicit channel property',
    {
      ...page('?utm_source=google&utm_medium=cpc'),
      properties: { channel: 'Partner Program', url: `${site}/x?utm_source=google&utm_medium=cpc` },
    },
    'Partner Program',
  ],
];

describe('default channel grouping', () => {
  it('classifies each case as the table says', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fs-channels-'));
    const store = await DuckDBStore.open({ path: ':memory:' });
    try {
      const file = join(dir, 'events.ndjson');
      const lines = cases.map(([, message], i) =>
        JSON.stringify({ userId: 'u', messageId: `c${i}`, timestamp: '2026-11-01T00:00:00Z', ...message }),
      );
      await writeFile(file, `${lines.join('\n')}\n`);
      const summary = await store.importFile('events', file, { project: 'default', skipInvalid: false });
      expect(summary.imported).toBe(cases.length);
      const rows = await store.db.rows<{ message_id: string; channel: string | null }>(
        'SELECT message_id, channel FROM events',
      );
      const got = new Map(rows.map((r) => [r.message_id, r.channel]));
      expect(cases.map(([name], i) => [name, got.get(`c${i}`)])).toEqual(cases.map(([name, , want]) => [name, want]));
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
