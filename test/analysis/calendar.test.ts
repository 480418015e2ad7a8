import { describe, expect, it } from 'vitest';
import { bucketIndex, endOfDayUtcMs, localDate, startOfDayUtcMs, trendBuckets } from '../../src/analysis/calendar.js';

describe('calendar in a time zone', () => {
  it('local midnight as UTC, across a DST change (US/Pacific: PST −8, PDT −7 from 2024-03-10)', () => {
    expect(new Date(startOfDayUtcMs('2020-01-01', 'US/Pacific')).toISOString()).toBe('2020-01-01T08:00:00.000Z');
    expect(new Date(endOfDayUtcMs('2020-01-14', 'US/Pacific')).toISOString()).toBe('2020-01-15T08:00:00.000Z');
    expect(new Date(startOfDayUtcMs('2024-03-11', 'US/Pacific')).toISOString()).toBe('2024-03-11T07:00:00.000Z');
    // 2024-03-10 is 23 hours long there.
    expect(endOfDayUtcMs('2024-03-10', 'US/Pacific') - startOfDayUtcMs('2024-03-10', 'US/Pacific')).toBe(23 * 3600_000);
    expect(localDate(Date.parse('2024-01-01T07:59:59Z'), 'US/Pacific')).toBe('2023-12-31');
    // Chile springs forward at midnight: 2024-09-08 starts at 01:00 local (−03), i.e. 04:00Z.
    expect(new Date(startOfDayUtcMs('2024-09-08', 'America/Santiago')).toISOString()).toBe('2024-09-08T04:00:00.000Z');
  });

  it('weeks start on Sunday and cover the whole range; months are calendar months', () => {
    // 2024-01-03 is a Wednesday: its week starts Sunday 2023-12-31.
    expect(trendBuckets('2024-01-03', '2024-01-15', 'week', 'UTC').labels).toEqual([
      '2023-12-31',
      '2024-01-07',
      '2024-01-14',
    ]);
    expect(trendBuckets('2024-01-31', '2024-03-01', 'month', 'UTC').labels).toEqual([
      '2024-01-01',
      '2024-02-01',
      '2024-03-01',
    ]);
    const hours = trendBuckets('2024-03-10', '2024-03-10', 'hour', 'US/Pacific');
    expect(hours.labels).toHaveLength(23); // 02:00 does not exist that night
    expect(hours.labels[2]).toBe('2024-03-10T03:00');
  });

  it('finds the bucket of an instant', () => {
    const { startsUtcMs } = trendBuckets('2021-05-01', '2021-05-07', 'day', 'UTC');
    expect(bucketIndex(startsUtcMs, Date.parse('2021-05-03T23:59:59Z'))).toBe(2);
    expect(bucketIndex(startsUtcMs, Date.parse('2021-04-30T23:59:59Z'))).toBe(-1);
  });
});
