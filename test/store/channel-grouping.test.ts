/**
 * The default channel grouping, source and medium (docs/channels.md), case by case through the importer: each
 * NDJSON message with the channel, source and medium its UTM tags, click ids and referrer give by the tables (worked
 * out by hand from the rules). 68 cases: click ids, mixed-case tags, a missing medium or source, excluded referrers
 * (payment and sign-in providers), server-side events, an explicit channel.
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
const tagged = (source: string, medium: string) => page(`?utm_source=${source}&utm_medium=${medium}`);

/** [case, message, channel, source, medium]. */
const cases: [string, Record<string, unknown>, string | null, string | null, string | null][] = [
  ['utm google / cpc', tagged('google', 'cpc'), 'Paid Search', 'google', 'cpc'],
  ['gclid only', page('?gclid=Cj0KCQ'), 'Paid Search', 'google', 'cpc'],
  ['gbraid only', page('?gbraid=0AAAAA'), 'Paid Search', 'google', 'cpc'],
  ['wbraid only', page('?wbraid=CkQKCQ'), 'Paid Search', 'google', 'cpc'],
  ['msclkid only', page('?msclkid=abc'), 'Paid Search', 'bing', 'cpc'],
  ['msclkid as a property', { type: 'page', properties: { url: site, msclkid: 'x1' } }, 'Paid Search', 'bing', 'cpc'],
  [
    'gclid wins over email tags',
    page('?utm_source=newsletter&utm_medium=email&gclid=x'),
    'Paid Search',
    'google',
    'cpc',
  ],
  ['wbraid after another parameter', page('?ref=a&wbraid=b'), 'Paid Search', 'google', 'cpc'],
  ['facebook / paid_social', tagged('facebook', 'paid_social'), 'Paid Social', 'facebook', 'paid_social'],
  ['ttclid only', page('?ttclid=E.C.P'), 'Paid Social', 'tiktok', 'cpc'],
  ['li_fat_id only', page('?li_fat_id=123'), 'Paid Social', 'linkedin', 'cpc'],
  ['twclid only', page('?twclid=2-abc'), 'Paid Social', 'twitter', 'cpc'],
  [
    'linkedin / cpc in context',
    { type: 'track', event: 'x', context: { campaign: { source: 'linkedin', medium: 'cpc' } } },
    'Paid Social',
    'linkedin',
    'cpc',
  ],
  ['retargeting on facebook', tagged('fb', 'retargeting'), 'Paid Social', 'fb', 'retargeting'],
  ['bing / ppc', tagged('bing', 'ppc'), 'Paid Search', 'bing', 'ppc'],
  ['google / paidsearch', tagged('google', 'paidsearch'), 'Paid Search', 'google', 'paidsearch'],
  ['display medium', tagged('gdn', 'display'), 'Display', 'gdn', 'display'],
  ['cpm medium', tagged('dv360', 'cpm'), 'Display', 'dv360', 'cpm'],
  ['banner medium', tagged('partner-site', 'banner'), 'Display', 'partner-site', 'banner'],
  ['dclid only', page('?dclid=xyz'), 'Display', 'google', 'display'],
  ['newsletter / email', tagged('newsletter', 'email'), 'Email', 'newsletter', 'email'],
  ['source e-mail, no medium', page('?utm_source=e-mail'), 'Email', 'e-mail', '(not set)'],
  ['medium only: email', page('?utm_medium=email'), 'Email', '(not set)', 'email'],
  ['webmail referrer', page('', 'https://mail.google.com/mail/u/0/'), 'Email', 'mail.google.com', 'email'],
  ['outlook referrer', page('', 'https://outlook.live.com/mail/0/'), 'Email', 'outlook.live.com', 'email'],
  ['affiliate medium', tagged('partner', 'affiliate'), 'Affiliate', 'partner', 'affiliate'],
  ['affiliates medium', tagged('awin', 'affiliates'), 'Affiliate', 'awin', 'affiliates'],
  ['criteo / cpc (paid, unknown source)', tagged('criteo', 'cpc'), 'Other', 'criteo', 'cpc'],
  ['medium only: cpc', page('?utm_medium=cpc'), 'Other', '(not set)', 'cpc'],
  ['facebook, no medium', page('?utm_source=facebook'), 'Organic Social', 'facebook', '(not set)'],
  ['linkedin, no medium', page('?utm_source=linkedin'), 'Organic Social', 'linkedin', '(not set)'],
  ['medium social', tagged('partner', 'social'), 'Organic Social', 'partner', 'social'],
  ['medium social-network', tagged('forum', 'social-network'), 'Organic Social', 'forum', 'social-network'],
  ['medium sm', tagged('club', 'sm'), 'Organic Social', 'club', 'sm'],
  ['t.co referrer', page('', 'https://t.co/AbC'), 'Organic Social', 't.co', 'social'],
  ['instagram referrer', page('', 'https://l.instagram.com/?u=x'), 'Organic Social', 'l.instagram.com', 'social'],
  ['youtube referrer', page('', 'https://www.youtube.com/watch?v=1'), 'Organic Social', 'youtube.com', 'social'],
  ['reddit referrer', page('', 'https://old.reddit.com/r/sales'), 'Organic Social', 'old.reddit.com', 'social'],
  ['fbclid only', page('?fbclid=IwAR0'), 'Organic Social', 'facebook', 'social'],
  ['fbclid from facebook', page('?fbclid=IwAR0', 'https://l.facebook.com/'), 'Organic Social', 'facebook', 'social'],
  ['google / organic', tagged('google', 'organic'), 'Organic Search', 'google', 'organic'],
  ['google, no medium', page('?utm_source=google'), 'Organic Search', 'google', '(not set)'],
  ['google referrer', page('', 'https://www.google.co.uk/'), 'Organic Search', 'google.co.uk', 'organic'],
  ['duckduckgo referrer', page('', 'https://duckduckgo.com/?q=shop'), 'Organic Search', 'duckduckgo.com', 'organic'],
  ['bing referrer', page('', 'https://www.bing.com/search?q=crm'), 'Organic Search', 'bing.com', 'organic'],
  ['yandex referrer', page('', 'https://yandex.ru/search/'), 'Organic Search', 'yandex.ru', 'organic'],
  ['ecosia referrer', page('', 'https://www.ecosia.org/search'), 'Organic Search', 'ecosia.org', 'organic'],
  ['x-partner / referral', tagged('x-partner', 'referral'), 'Referral', 'x-partner', 'referral'],
  ['medium link', tagged('partner', 'link'), 'Referral', 'partner', 'link'],
  ['medium app', tagged('slack', 'app'), 'Referral', 'slack', 'app'],
  ['blog referrer', page('', 'https://blog.partner.io/post/1'), 'Referral', 'blog.partner.io', 'referral'],
  ['product hunt referrer', page('', 'https://www.producthunt.com/posts/x'), 'Referral', 'producthunt.com', 'referral'],
  ['unknown tag', page('?utm_source=spring-flyer'), 'Other', 'spring-flyer', '(not set)'],
  ['newsletter, no medium', page('?utm_source=newsletter'), 'Other', 'newsletter', '(not set)'],
  // Mixed-case tags: compared lower-cased, stored as given.
  ['Google / CPC', tagged('Google', 'CPC'), 'Paid Search', 'Google', 'CPC'],
  ['FaceBook / Paid_Social', tagged('FaceBook', 'Paid_Social'), 'Paid Social', 'FaceBook', 'Paid_Social'],
  ['Mailchimp / EMAIL', tagged('Mailchimp', 'EMAIL'), 'Email', 'Mailchimp', 'EMAIL'],
  ['Bing / Organic', tagged('Bing', 'Organic'), 'Organic Search', 'Bing', 'Organic'],
  ['LinkedIn / Social', tagged('LinkedIn', 'Social'), 'Organic Social', 'LinkedIn', 'Social'],
  // Referral exclusions: a redirect back from payment or sign-in is no new source.
  ['stripe checkout referrer', page('', 'https://checkout.stripe.com/c/pay/cs_1'), 'Direct', '(direct)', '(none)'],
  ['paypal referrer', page('', 'https://www.paypal.com/checkoutnow'), 'Direct', '(direct)', '(none)'],
  ['google sign-in referrer', page('', 'https://accounts.google.com/o/oauth2'), 'Direct', '(direct)', '(none)'],
  ['microsoft sign-in referrer', page('', 'https://login.microsoftonline.com/x'), 'Direct', '(direct)', '(none)'],
  ['own-site referrer', page('', `${site}/pricing`), 'Direct', '(direct)', '(none)'],
  ['no tags, no referrer', page(''), 'Direct', '(direct)', '(none)'],
  [
    'empty tags are no tags',
    { type: 'page', context: { campaign: { source: '', medium: '' }, page: { url: site } } },
    'Direct',
    '(direct)',
    '(none)',
  ],
  ['server-side event', { type: 'track', event: 'Invoice Paid' }, null, null, null],
  [
    'explicit channel property',
    {
      ...page('?utm_source=google&utm_medium=cpc'),
      properties: { channel: 'Partner Program', url: `${site}/x?utm_source=google&utm_medium=cpc` },
    },
    'Partner Program',
    'google',
    'cpc',
  ],
  [
    'explicit $channel property',
    { type: 'page', properties: { $channel: 'Events', url: site } },
    'Events',
    '(direct)',
    '(none)',
  ],
];

describe('default channel grouping', () => {
  it('classifies each case as the tables say', async () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
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
      const rows = await store.db.rows<{
        message_id: string;
        channel: string | null;
        source: string | null;
        medium: string | null;
      }>('SELECT message_id, channel, source, medium FROM events');
      const got = new Map(rows.map((r) => [r.message_id, [r.channel, r.source, r.medium]]));
      expect(cases.map(([name], i) => [name, ...(got.get(`c${i}`) ?? [])])).toEqual(
        cases.map(([name, , channel, source, medium]) => [name, channel, source, medium]),
      );
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
