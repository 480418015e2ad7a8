import { describe, expect, it } from 'vitest';
import { funnelStageOf, parseStageMap } from '../../src/model/funnel-stages.js';

describe('funnel stages of deal stages', () => {
  it('maps common CRM stage names by the default rules, and a user mapping over them', () => {
    const names = [
      'Lead',
      'MQL',
      'Qualified',
      'SQL',
      'Demo Scheduled',
      'Proposal Sent',
      'Negotiation',
      'Closed Won',
      'Onboarding',
    ];
    expect(names.map((n) => funnelStageOf(n))).toEqual([
      'consideration',
      'consideration',
      'intent',
      'intent',
      'intent',
      'evaluation',
      'evaluation',
      'action',
      null,
    ]);
    expect(funnelStageOf('Lead', parseStageMap('Lead=interest, Onboarding=action'))).toBe('interest');
    expect(funnelStageOf('Onboarding', parseStageMap('Lead=interest, Onboarding=action'))).toBe('action');
  });

  it('names the bad entry of --stage-map', () => {
    expect(() => parseStageMap('lead=interest,demo=hot')).toThrow(/"demo=hot"/);
    expect(() => parseStageMap('=intent')).toThrow(/--stage-map/);
  });
});
