import { type ColumnCache, personBatches } from '../../engine/column-cache.js';
import type { MonthlyVisitors } from '../../model/kpi-inputs.js';
import type { DictionaryColumn, EventValueSource } from '../../store/event-columns.js';
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
 * month. One pass over the persons (events sorted by person and time): the column cache, so a warm report does
 * not scan the store again, or a large project's batches of persons on a store that streams it.
 */
export async function monthlyVisitors(cache: ColumnCache, projectId: string): Promise<MonthlyVisitors[]> {
  const { span, eventNames, batches } = await personBatches(cache, projectId, {
    eventValues: [visitorColumns.channel, visitorColumns.campaign],
    personValues: [],
  });
  const page = eventNames.indexOf('$pageview');
  if (page < 0 || span.lo > span.hi) return [];
  const { starts, labels } = monthStarts(span.lo, span.hi);
  // One counter per (month, channel code, campaign code), the codes the same values in every batch: a dense array
  // while that is small, which it is for any real set of channels and campaigns; a map otherwise.
  let dense: Float64Array | null = null;
  const sparse = new Map<number, number>();
  let dictionaries: { channel: DictionaryColumn; campaign: DictionaryColumn } | null = null;
  for await (const project of batches) {
    const { personStarts, personCount, tsUs, eventCode } = project.columns;
    const channel = await project.eventValues(visitorColumns.channel);
    const campaign = await project.eventValues(visitorColumns.campaign);
    const channels = channel.values.length;
    const campaigns = campaign.values.length;
    if (!dictionaries) {
      const cells = starts.length * channels * campaigns;
      dense = cells <= 1 << 22 ? new Float64Array(cells) : null;
    }
    dictionaries = { channel, campaign };
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
  }
  if (dense) {
    for (let key = 0; key < dense.length; key += 1) {
      if ((dense[key] as number) > 0) sparse.set(key, dense[key] as number);
    }
  }
  if (!dictionaries) return [];
  const { channel, campaign } = dictionaries;
  const channels = channel.values.length;
  const campaigns = campaign.values.length;
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
