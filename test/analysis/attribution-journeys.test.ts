/**
 * Touchpoints and journeys (docs/attribution.md), on hand-made rows: sessions split at 30 minutes without a web
 * event (events without a channel start none), each conversion's journey within the lookback (touchpoints shared by
 * conversions), paths without conversion after a person's last conversion, devices of conversions, the journeys
 * without stitching and the multi-device count.
 */
import { describe, expect, it } from 'vitest';
import { buildJourneys, multiDeviceConversions, unstitched } from '../../src/analysis/attribution/journeys.js';

const minute = 60e6;
const day = 1440 * minute;

/** Rows: [person, minutes since t0, channel (0: none), device, converts?, value]. */
type Row = [number, number, number, number, boolean?, number?];

function setOf(rows: Row[], options: { lookbackDays?: number; fromDay?: number; toDay?: number } = {}) {
  const persons = Math.max(...rows.map((r) => r[0])) + 1;
  const personStarts = [0];
  const ts: number[] = [];
  const channel: number[] = [];
  const device: number[] = [];
  const conversionRows: number[] = [];
  const values: number[] = [];
  for (let p = 0; p < persons; p += 1) {
    for (const [person, minutes, c, d, converts, value] of rows.filter((r) => r[0] === p)) {
      if (person !== p) continue;
      if (converts) {
        conversionRows.push(ts.length);
        values.push(value ?? 0);
      }
      ts.push(minutes * minute);
      channel.push(c);
      device.push(d);
    }
    personStarts.push(ts.length);
  }
  return buildJourneys({
    personStarts: Int32Array.from(personStarts),
    tsUs: Float64Array.from(ts),
    channel: Int32Array.from(channel),
    campaign: new Int32Array(ts.length),
    device: Int32Array.from(device),
    conversionRows: Int32Array.from(conversionRows),
    conversionValues: Float64Array.from(values),
    sessionGapUs: 30 * minute,
    lookbackUs: (options.lookbackDays ?? 30) * day,
    fromUs: (options.fromDay ?? 0) * day,
    toUs: (options.toDay ?? 1000) * day,
  });
}

/** Each journey as [converted, value, channels of its touchpoints]. */
function described(set: ReturnType<typeof setOf>, journeys = set.journeys) {
  return Array.from({ length: journeys.count }, (_, j) => [
    journeys.converted[j],
    journeys.value[j],
    Array.from(journeys.touchOf.subarray(journeys.start[j], journeys.start[j + 1]), (t) => set.touches.channel[t]),
  ]);
}

describe('touchpoints and journeys', () => {
  it('split sessions at 30 idle minutes; events without a channel start none', () => {
    const set = setOf([
      [0, 0, 1, 1], // session 1 (channel 1)
      [0, 20, 2, 1], // same session (20 min later): its channel is the first event's
      [0, 49, 2, 1], // 29 min after the last web event: same session
      [0, 100, 0, 1], // server-side event: no session
      [0, 120, 3, 1], // 71 min after the last web event: session 2 (channel 3)
      [0, 125, 0, 0, true, 50], // the conversion (no channel)
    ]);
    expect(set.touches.count).toBe(2);
    expect(Array.from(set.touches.channel)).toEqual([1, 3]);
    expect(described(set)).toEqual([[1, 50, [1, 3]]]);
    expect(set.conversions).toBe(1);
  });

  it('take the touchpoints within the lookback, share them between conversions, and keep later ones apart', () => {
    const set = setOf(
      [
        [0, 0, 1, 1], // day 0: outside the lookback of both conversions
        [0, 10 * 1440, 2, 1], // day 10
        [0, 12 * 1440, 3, 1, true, 10], // day 12: converts in a session of channel 3
        [0, 13 * 1440, 4, 1, true, 20], // day 13: converts again
        [0, 14 * 1440, 5, 1], // day 14: after the last conversion
        [1, 0, 6, 2], // a person who never converts: one path
        [1, 40 * 1440, 6, 2],
        [1, 45 * 1440, 1, 2],
      ],
      { lookbackDays: 5 },
    );
    expect(described(set)).toEqual([
      [1, 10, [2, 3]],
      [1, 20, [2, 3, 4]],
      [0, 0, [5]],
      // Person 1's path: the touchpoints within 5 days of the last one (days 40 and 45).
      [0, 0, [6, 1]],
    ]);
  });

  it('count conversions inside the date range only, and credit none without a touchpoint', () => {
    const set = setOf(
      [
        [0, 1 * 1440, 1, 1, true, 5], // day 1: before the range
        [0, 3 * 1440, 0, 0, true, 7], // day 3: in the range, no touchpoint within the lookback of 1 day
      ],
      { lookbackDays: 1, fromDay: 2, toDay: 10 },
    );
    expect(set.conversions).toBe(1);
    expect(set.withoutTouch).toBe(1);
    expect(described(set)).toEqual([[1, 7, []]]);
  });

  it('keep paths without conversion inside the date range, cut at its end', () => {
    const set = setOf(
      [
        [0, 5 * 1440, 1, 1], // never converts, last touched on day 5: before the range, no path
        [1, 104 * 1440, 2, 2], // touched in the range, converts on day 200 (after it): a path as of the range's end
        [1, 200 * 1440, 0, 2, true, 9],
        [2, 101 * 1440, 3, 3], // converts in the range, then touched again after the range: no path
        [2, 102 * 1440, 0, 3, true, 4],
        [2, 150 * 1440, 4, 3],
      ],
      { fromDay: 100, toDay: 110 },
    );
    expect(described(set)).toEqual([
      [0, 0, [2]],
      [1, 4, [3]],
    ]);
  });

  it('see the devices: a conversion on a second device, with and without stitching', () => {
    const set = setOf([
      [0, 0, 1, 1], // phone: paid social
      [0, 3 * 1440, 2, 2], // laptop: email
      [0, 3 * 1440 + 5, 0, 2, true, 100], // converts on the laptop
      [1, 0, 3, 3], // one device only
      [1, 5, 0, 3, true, 10],
    ]);
    expect(multiDeviceConversions(set)).toBe(1);
    expect(described(set, unstitched(set))).toEqual([
      [1, 100, [2]],
      [1, 10, [3]],
    ]);
    expect(described(set)).toEqual([
      [1, 100, [1, 2]],
      [1, 10, [3]],
    ]);
  });
});
