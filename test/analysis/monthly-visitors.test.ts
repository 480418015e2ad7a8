/** Monthly visitors over the column cache: one count per person and month, under the month's first page view. */
import { describe, expect, it } from 'vitest';
import { monthlyVisitors } from '../../src/analysis/kpi/monthly-visitors.js';
import { ColumnCache } from '../../src/engine/column-cache.js';
import { MemoryColumns, type TestEvent } from '../helpers/memory-columns.js';

const s = (iso: string) => Date.parse(iso) / 1000;

describe('monthly visitors', () => {
  it('counts each person once a month, by the channel and campaign of its first page view that month', async () => {
    const events: TestEvent[] = [
      { person: 'p1', tsSeconds: s('2026-01-09T10:00:00Z'), event: '$pageview', props: { channel: 'Direct' } },
      {
        person: 'p1',
        tsSeconds: s('2026-01-05T10:00:00Z'),
        event: '$pageview',
        props: { channel: 'Paid Search', utm_campaign: 'a' },
      },
      {
        person: 'p1',
        tsSeconds: s('2026-02-01T00:00:00Z'),
        event: '$pageview',
        props: { channel: 'Email', utm_campaign: 'n' },
      },
      { person: 'p2', tsSeconds: s('2026-01-31T23:59:59Z'), event: '$pageview', props: { channel: 'Organic Search' } },
      { person: 'p2', tsSeconds: s('2026-02-02T08:00:00Z'), event: 'Signed Up', props: { channel: 'Email' } },
      { person: 'p3', tsSeconds: s('2026-02-03T08:00:00Z'), event: 'Signed Up' },
    ];
    const cache = new ColumnCache(new MemoryColumns(events));
    // p1: January under Paid Search / a (its first page view of January), February under Email / n;
    // p2: January under Organic Search (its February event is no page view); p3: no page view.
    expect(await monthlyVisitors(cache, 'default')).toEqual([
      { month: '2026-01', channel: 'Organic Search', campaign: null, visitors: 1 },
      { month: '2026-01', channel: 'Paid Search', campaign: 'a', visitors: 1 },
      { month: '2026-02', channel: 'Email', campaign: 'n', visitors: 1 },
    ]);
  });
});
