/**
 * `funnelscope attribution` end to end on the demo business (20,000 visitors over 90 days), whose generator plants
 * one thing for attribution to find (src/demo/demo-business.ts): a third of later visits come through the
 * brand-search ad, a sixth through the newsletter and the rest directly, and most buyers look at the site again
 * while their deal is open. So first touch credits won deals to the channels that brought people in; last touch
 * hands them to the direct visits (both paid channels' ROAS falls); last non-direct hands them to brand search and
 * the newsletter (Paid Search's ROAS rises above its first-touch figure).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttributionReport } from '../../src/analysis/attribution/run-attribution.js';
import { demoStore, runCli, runCliJson } from '../helpers/cli.js';

let db: string;
let cleanup: () => Promise<void>;
let report: AttributionReport;

beforeAll(async () => {
  ({ db, cleanup } = await demoStore(['--visitors', '20000', '--days', '90', '--end-date', '2026-10-31']));
  report = (
    await runCliJson<AttributionReport>([
      ...['--db', db, 'attribution', '--conversion', 'deal_won', '--lookback', '90d', '--format', 'json'],
    ])
  ).json;
}, 120_000);
afterAll(async () => cleanup?.());

const row = (channel: string) => {
  const found = report.channels.find((c) => c.channel === channel);
  if (!found) throw new Error(`no channel ${channel}`);
  return found;
};

describe('attribution on the demo business', () => {
  it('credits every won deal and its amount in full under each model', () => {
    expect(report.totals.conversions).toBeGreaterThanOrEqual(15);
    for (const model of report.models) {
      const conversions = report.channels.reduce((s, c) => s + c.credits[model].conversions, 0);
      const revenue = report.channels.reduce((s, c) => s + c.credits[model].revenue, 0);
      expect(conversions, model).toBeCloseTo(report.totals.conversions, 9);
      expect(revenue, model).toBeCloseTo(report.totals.revenue, 6);
    }
  });

  it('moves won deals from the channels that brought people in to direct visits, and to brand search', () => {
    const paid = row('Paid Search');
    const roas = (channel: string, model: 'first_touch' | 'last_touch' | 'last_non_direct') =>
      row(channel).credits[model].roas ?? Number.NaN;
    // Last touch: both paid channels lose won deals to the direct visits buyers make while their deal is open.
    for (const channel of ['Paid Search', 'Paid Social']) {
      expect(roas(channel, 'first_touch'), channel).toBeGreaterThan(roas(channel, 'last_touch'));
    }
    for (const introducer of ['Organic Search', 'Referral', 'Paid Social']) {
      expect(row(introducer).credits.first_touch.conversions, introducer).toBeGreaterThan(
        row(introducer).credits.last_touch.conversions,
      );
    }
    expect(row('Direct').credits.last_touch.conversions).toBeGreaterThan(row('Direct').credits.first_touch.conversions);
    // Last non-direct: brand search and the newsletter harvest them.
    expect(roas('Paid Search', 'last_non_direct')).toBeGreaterThan(roas('Paid Search', 'first_touch'));
    expect(row('Email').credits.last_non_direct.conversions).toBeGreaterThan(
      row('Email').credits.first_touch.conversions,
    );
    const brand = report.campaigns.find((c) => c.channel === 'Paid Search' && c.campaign === 'brand-search');
    expect(brand?.credits.last_non_direct.conversions ?? 0).toBeGreaterThan(
      brand?.credits.first_touch.conversions ?? 0,
    );
    // ROAS is credited revenue over the channel's spend, CAC its inverse in conversions.
    expect(paid.credits.linear.roas).toBeCloseTo(paid.credits.linear.revenue / paid.spend, 12);
    expect(paid.credits.linear.cac).toBeCloseTo(paid.spend / paid.credits.linear.conversions, 9);
  });

  it('gives each channel a bootstrap interval around its credit', () => {
    for (const c of report.channels) {
      const { conversions, conversionsInterval } = c.credits.linear;
      expect(conversionsInterval, c.channel).not.toBeNull();
      expect(conversionsInterval?.lower ?? Number.NaN).toBeLessThanOrEqual(conversions + 1e-9);
      expect(conversionsInterval?.upper ?? Number.NaN).toBeGreaterThanOrEqual(conversions - 1e-9);
    }
  });

  it('prints the models side by side, and names a bad request', async () => {
    const table = await runCli(['--db', db, 'attribution', '--conversion', 'Signed Up', '--bootstrap', '0']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Conversions credited');
    expect(table.stdout).toMatch(/channel\s+first\s+last\s+last non-direct\s+linear/);
    const unknown = await runCli(['--db', db, 'attribution', '--conversion', 'Nothing Like This']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('conversion: no event named "Nothing Like This"');
    const shares = await runCli([
      '--db',
      db,
      'attribution',
      '--conversion',
      'deal_won',
      '--position-based',
      '40/40/40',
    ]);
    expect(shares.code).not.toBe(0);
    expect(shares.stderr).toContain('--position-based');
  });
});
