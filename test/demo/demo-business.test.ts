import { describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/demo/demo-business.js';

const options = { seed: 7, visitors: 20_000, days: 90, endDate: '2026-06-30' };
const data = generateDemo(options);

type Message = {
  type: string;
  timestamp: string;
  messageId: string;
  event?: string;
  name?: string;
  userId?: string;
  anonymousId?: string;
  context?: { userAgent?: string };
};
const messages = data.messages as Message[];

describe('the demo business', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(generateDemo(options)).toEqual(data);
    expect(generateDemo({ ...options, seed: 8 }).messages.length).not.toBe(messages.length);
  });

  it('has unique message ids and sorted timestamps inside the range', () => {
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(messages.length);
    const times = messages.map((m) => Date.parse(m.timestamp));
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as number))).toBe(true);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse('2026-04-02T00:00:00Z'));
    expect(Math.max(...times)).toBeLessThan(Date.parse('2026-07-01T00:00:00Z'));
  });

  it('builds in a mobile friction point: pricing → signup on mobile is under 0.6× desktop', () => {
    const device = new Map<string, string>();
    const pricing = new Set<string>();
    const signedUp = new Set<string>();
    for (const m of messages) {
      const anon = m.anonymousId as string;
      if (!device.has(anon) && m.context?.userAgent)
        device.set(
          anon,
          /iPhone|Android/.test(m.context.userAgent)
            ? 'mobile'
            : /iPad/.test(m.context.userAgent)
              ? 'tablet'
              : 'desktop',
        );
      if (m.type === 'page' && m.name === '/pricing') pricing.add(anon);
      if (m.event === 'Signed Up') signedUp.add(anon);
    }
    const rate = (d: string) => {
      const reached = [...pricing].filter((a) => device.get(a) === d);
      return reached.filter((a) => signedUp.has(a)).length / reached.length;
    };
    expect(rate('mobile')).toBeLessThan(0.6 * rate('desktop'));
  });

  it('makes paid social cheap per signup but rarely won', () => {
    const winRate = (channel: string) => {
      const deals = data.deals.filter((d) => d.source_channel === channel);
      return deals.filter((d) => d.status === 'won').length / deals.filter((d) => d.status !== 'open').length;
    };
    expect(winRate('Paid Social')).toBeLessThan(0.5 * winRate('Paid Search'));
    // Cost per signup: spend of the channel ÷ signups whose first touch came from it.
    const firstChannel = new Map<string, string>();
    for (const m of messages) {
      const q = m.type === 'page' ? String((m as { properties?: { url?: string } }).properties?.url ?? '') : '';
      if (!firstChannel.has(m.anonymousId as string) && q)
        firstChannel.set(
          m.anonymousId as string,
          q.includes('paid_social') ? 'Paid Social' : q.includes('utm_medium=cpc') ? 'Paid Search' : 'other',
        );
    }
    const signups = (c: string) =>
      messages.filter((m) => m.event === 'Signed Up' && firstChannel.get(m.anonymousId as string) === c).length;
    const cost = (c: string) => data.spend.filter((s) => s.channel === c).reduce((sum, s) => sum + s.cost, 0);
    expect(cost('Paid Social') / signups('Paid Social')).toBeLessThan(cost('Paid Search') / signups('Paid Search'));
  });

  it('keeps deal histories ordered, starting at lead and ending where the deal stands', () => {
    for (const deal of data.deals) {
      const history = data.stageChanges.filter((s) => s.deal_id === deal.deal_id);
      expect(history[0]?.stage).toBe('lead');
      expect(history.every((s, i) => i === 0 || s.entered_at >= (history[i - 1]?.entered_at as string))).toBe(true);
      expect(history[history.length - 1]?.stage).toBe(deal.stage);
      if (deal.status !== 'open') expect(deal.closed_at).toBe(history[history.length - 1]?.entered_at);
    }
  });

  it('bills at least one click per tracked paid visit', () => {
    const visits = new Map<string, number>();
    for (const m of messages as (Message & { properties?: { url?: string } })[]) {
      const url = m.type === 'page' ? (m.properties?.url ?? '') : '';
      const campaign = /utm_campaign=([^&]+)/.exec(url)?.[1];
      if (campaign && /utm_medium=(cpc|paid_social)/.test(url)) {
        const key = `${m.timestamp.slice(0, 10)}|${campaign}`;
        visits.set(key, (visits.get(key) ?? 0) + 1);
      }
    }
    for (const row of data.spend)
      expect(row.clicks).toBeGreaterThanOrEqual(visits.get(`${row.date}|${row.campaign}`) ?? 0);
  });
});
