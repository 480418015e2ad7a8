import type { ProjectColumns } from '../../engine/column-cache.js';
import type { MonthlyVisitors } from '../../model/kpi-inputs.js';
import type { EventValueSource } from '../../store/event-columns.js';
import { bucketIndex } from '../calendar.js';

/** Start of each UTC calendar month from the one holding `fromUs` past `toUs`, in µs. */
function monthStarts(fromUs: number, toUs: number): { starts: number[]; labels: string[] } {
  const first = new Date(fromUs / 1000);
  let year = first.getUTCFullYear();
  let month = first.getUTCMonth();
  const starts: number[] = [];
  const labels: string[] = [];
  for (;;) {
    const start = Date.UTC(year, month, 1) * 1000;
    starts.push(start);
    labels.push(`${year}-${String(month + 1).padStart(2, '0')}`);
    if (start > toUs) break;
    month += 1;
    if (month === 12) {
      month = 0;
      year += 1;
    }
  }
  return { starts, labels };
}

/** The stored columns visitors are counted under: the event's channel (docs/channels.md) and its utm_campaign. */
export const visitorColumns = {
  channel: { kind: 'column', column: 'channel' },
  campaign: { kind: 'column', column: 'utm_campaign' },
} as const satisfies Record<string, EventValueSource>;

/**
 * Visitors per calendar month (UTC), channel and campaign (docs/metrics.md, "Visitors and leads"): each person
 * counts once in every month with a page view, under the channel and campaign of its first page view of that
 * month. One pass over the column cache (events sorted by person and time), so a warm report does not scan the
 * store again.
 */
export async function monthlyVisitors(project: ProjectColumns): Promise<MonthlyVisitors[]> {
  const { personStarts, personCount, tsUs, eventCode, eventNames } = project.columns;
  const page = eventNames.indexOf('$pageview');
  if (page < 0 || tsUs.length === 0) return [];
  const channel = await project.eventValues(visitorColumns.channel);
  const campaign = await project.eventValues(visitorColumns.campaign);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < tsUs.length; i += 1) {
    const t = tsUs[i] as number;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const { starts, labels } = monthStarts(lo, hi);
  const channels = channel.values.length;
  const campaigns = campaign.values.length;
  // One counter per (month, channel, campaign): a dense array while that is small, which it is for any real
  // set of channels and campaigns; a map otherwise.
  const cells = starts.length * channels * campaigns;
  const dense = cells <= 1 << 22 ? new Float64Array(cells) : null;
  const sparse = new Map<number, number>();
  for (let p = 0; p < personCount; p += 1) {
    let monthEnd = Number.NEGATIVE_INFINITY;
    const end = personStarts[p + 1] as number;
    for (let row = personStarts[p] as number; row < end; row += 1) {
      if (eventCode[row] !== page) continue;
      const t = tsUs[row] as number;
      if (t < monthEnd) continue; // a later page view of a month already counted
      const a = bucketIndex(starts, t); // the month holding t
      monthEnd = starts[a + 1] as number;
      const key = (a * channels + (channel.codes[row] as number)) * campaigns + (campaign.codes[row] as number);
      if (dense) dense[key] = (dense[key] as number) + 1;
      else sparse.set(key, (sparse.get(key) ?? 0) + 1);
    }
  }
  if (dense) {
    for (let key = 0; key < dense.length; key += 1)
      if ((dense[key] as number) > 0) sparse.set(key, dense[key] as number);
  }
  const rows: MonthlyVisitors[] = [];
  for (const [key, visitors] of sparse) {
    const campaignCode = key % campaigns;
    const rest = (key - campaignCode) / campaigns;
    const channelCode = rest % channels;
    rows.push({
      month: labels[(rest - channelCode) / channels] as string,
      channel: channel.values[channelCode] ?? null,
      campaign: campaign.values[campaignCode] ?? null,
      visitors,
    });
  }
  return rows.sort(
    (x, y) =>
      x.month.localeCompare(y.month) ||
      String(x.channel).localeCompare(String(y.channel)) ||
      String(x.campaign).localeCompare(String(y.campaign)),
  );
}
