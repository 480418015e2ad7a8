import { FunnelscopeError } from '../model/errors.js';

/**
 * Calendar arithmetic in an IANA time zone, on top of Intl (no date library needed): local midnight of a date as
 * a UTC instant, and the bucket starts of a trend (hour, day, week from Sunday, month) over a date range.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local wall-clock time of a UTC instant, as if it were UTC (ms). */
function wallClockMs(utcMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
}

/** The UTC instant at which the zone's wall clock shows the given local time (the earlier one in a DST overlap;
 * in a DST gap, the first instant after it). */
export function zonedTimeToUtcMs(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
): number {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted - (wallClockMs(wanted, timeZone) - wanted);
  for (let i = 0; i < 3; i += 1) {
    const shown = wallClockMs(guess, timeZone);
    if (shown === wanted) break;
    guess += wanted - shown;
  }
  const shown = wallClockMs(guess, timeZone);
  if (shown !== wanted) {
    // A gap (the wall clock jumps over `wanted`): the two offsets give two candidates; the later one is the first
    // instant after the gap.
    guess = Math.max(guess, guess + (wanted - shown));
  }
  // Earlier instant of an overlap: an hour before may show the same wall time.
  if (wallClockMs(guess - 3_600_000, timeZone) === wanted) guess -= 3_600_000;
  return guess;
}

function parseDate(date: string): [number, number, number] {
  const [y, m, d] = date.split('-').map(Number);
  return [y ?? 1970, m ?? 1, d ?? 1];
}

/** Local midnight starting `date` (YYYY-MM-DD) in the zone, as UTC ms. */
export function startOfDayUtcMs(date: string, timeZone: string): number {
  const [y, m, d] = parseDate(date);
  return zonedTimeToUtcMs(timeZone, y, m, d);
}

/** Local midnight after `date`: the exclusive end of a range ending that day. */
export function endOfDayUtcMs(date: string, timeZone: string): number {
  const [y, m, d] = parseDate(date);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return zonedTimeToUtcMs(timeZone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
}

/** The local calendar date (YYYY-MM-DD) of a UTC instant. */
export function localDate(utcMs: number, timeZone: string): string {
  return new Date(wallClockMs(utcMs, timeZone)).toISOString().slice(0, 10);
}

export type BucketInterval = 'hour' | 'day' | 'week' | 'month';

export interface Buckets {
  /** UTC ms at which each bucket starts, ascending. */
  startsUtcMs: number[];
  /** Each bucket's label: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:00` for hours, in the zone. */
  labels: string[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Every bucket from the one holding `dateFrom` to the one holding `dateTo` (both whole local days). Weeks start
 * on Sunday, so the first week bucket may start before `dateFrom`.
 */
export function trendBuckets(dateFrom: string, dateTo: string, interval: BucketInterval, timeZone: string): Buckets {
  const [y0, m0, d0] = parseDate(dateFrom);
  const endMs = endOfDayUtcMs(dateTo, timeZone);
  const starts: number[] = [];
  const labels: string[] = [];
  // Walk local calendar units as UTC dates (pure calendar arithmetic), converting each start to the zone.
  let cursor = new Date(Date.UTC(y0, m0 - 1, d0));
  if (interval === 'week') cursor = new Date(Date.UTC(y0, m0 - 1, d0 - cursor.getUTCDay()));
  if (interval === 'month') cursor = new Date(Date.UTC(y0, m0 - 1, 1));
  for (let guard = 0; guard < 1_000_000; guard += 1) {
    const y = cursor.getUTCFullYear();
    const m = cursor.getUTCMonth() + 1;
    const d = cursor.getUTCDate();
    const h = cursor.getUTCHours();
    const start = zonedTimeToUtcMs(timeZone, y, m, d, h);
    if (start >= endMs) break;
    const label = interval === 'hour' ? `${y}-${pad(m)}-${pad(d)}T${pad(h)}:00` : `${y}-${pad(m)}-${pad(d)}`;
    if (starts.length > 0 && start <= (starts[starts.length - 1] ?? -Infinity)) {
      // A DST gap: the missing hour maps onto the first one after it, which keeps its own (real) label.
      labels[labels.length - 1] = label;
    } else {
      starts.push(start);
      labels.push(label);
    }
    if (interval === 'hour') cursor = new Date(cursor.getTime() + 3_600_000);
    else if (interval === 'day') cursor = new Date(Date.UTC(y, m - 1, d + 1));
    else if (interval === 'week') cursor = new Date(Date.UTC(y, m - 1, d + 7));
    else cursor = new Date(Date.UTC(y, m, 1));
  }
  return { startsUtcMs: starts, labels };
}

/** Index of the bucket holding `utcMs` (binary search), or -1 before the first. */
export function bucketIndex(startsUtcMs: readonly number[], utcMs: number): number {
  let lo = 0;
  let hi = startsUtcMs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((startsUtcMs[mid] ?? Infinity) <= utcMs) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Midnight UTC starting a real calendar day `YYYY-MM-DD` (2026-02-30 refused), as ms; the error names `field`. */
export function utcDayMs(text: string, field: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new FunnelscopeError('invalid_argument', `${field}: expected a date YYYY-MM-DD, got "${text}"`, { field });
  }
  return ms;
}
