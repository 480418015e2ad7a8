import { type BreakdownValues, breakdownValues, loadBreakdownColumns } from '../../engine/breakdown-values.js';
import type { ColumnCache } from '../../engine/column-cache.js';
import { buildFunnelStream, type FunnelStream, loadFunnelInputs } from '../../engine/funnel-stream.js';
import { OrderedKernel, type UnitOutcome, type ValueScope } from '../../engine/ordered-kernel.js';
import { type TrendOutcome, TrendsKernel } from '../../engine/trends-kernel.js';
import { UnorderedKernel } from '../../engine/unordered-kernel.js';
import type { FunnelDefinition } from '../../model/funnel-definition.js';
import { bucketIndex, localDate, trendBuckets } from '../calendar.js';
import { FunnelTally } from './funnel-tally.js';
import type { BreakdownEntry, FunnelReport } from './report.js';
import { correlationReport, stepReports, timeToConvertReport, trendPoints } from './report-sections.js';

interface Kernel extends UnitOutcome {
  run(begin: number, end: number, scope: ValueScope | null): unknown;
}

function unitLabel(definition: FunnelDefinition): string {
  const c = definition.countBy;
  if (c.type === 'person') return 'person';
  if (c.type === 'group') return `group:${c.groupType}`;
  return `${c.type}:${c.property}`;
}

/** The trend periods: the definition's range, or the days the funnel's events span. */
function periods(definition: FunnelDefinition, stream: FunnelStream) {
  let dateFrom = definition.dateFrom;
  let dateTo = definition.dateTo;
  if (!dateFrom || !dateTo) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < stream.length; i += 1) {
      const t = stream.ts[i] as number;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    if (lo === Infinity) lo = hi = Date.now() * 1000;
    dateFrom ??= localDate(lo / 1000, definition.timezone);
    dateTo ??= localDate(hi / 1000, definition.timezone);
  }
  const buckets = trendBuckets(dateFrom, dateTo, definition.interval, definition.timezone);
  const startsUs = buckets.startsUtcMs.map((ms) => ms * 1000);
  return { labels: buckets.labels, bucketOf: (tsUs: number) => bucketIndex(startsUs, tsUs) };
}

/**
 * Runs a funnel over a project's events: compiles the definition into per-event step bits, walks every unit
 * through the kernel of its order mode, and adds up steps, conversion times, time to convert, trends, breakdown
 * and correlation. Pure over the column cache: the same call serves the CLI and the HTTP API.
 */
export async function runFunnel(
  cache: ColumnCache,
  projectId: string,
  definition: FunnelDefinition,
): Promise<FunnelReport> {
  const started = performance.now();
  const project = await cache.get(projectId);
  // Every column the definition reads is loaded first; from here on the run is synchronous, so the column
  // cache's scratch buffers are this run's alone.
  const inputs = await loadFunnelInputs(project, definition);
  const breakdown = definition.breakdown;
  const breakdownColumns = breakdown ? await loadBreakdownColumns(project, breakdown) : null;

  const n = definition.steps.length;
  const strict = definition.order === 'strict';
  const stream = buildFunnelStream(project, definition, inputs, {
    allEvents: strict || definition.correlation !== null,
    persons: breakdown?.scope === 'person' || definition.countBy.type === 'person_property',
  });
  const windowUs = definition.windowSeconds * 1e6;
  const optionalMask = definition.steps.reduce((m, s, k) => (s.optional ? m | (1 << k) : m), 0);
  const columns = { ts: stream.ts, steps: stream.steps, exclusions: stream.exclusions };
  const newKernel = (): Kernel =>
    definition.order === 'unordered'
      ? new UnorderedKernel(columns, { stepCount: n, windowUs })
      : new OrderedKernel(columns, { stepCount: n, windowUs, strict, optionalMask });
  const kernel = newKernel();

  const wantTrends = definition.view === 'trends';
  const trend = wantTrends ? periods(definition, stream) : null;
  const bucketCount = trend ? trend.labels.length : 0;
  const { fromStep, toStep } = definition;
  const trendsKernel =
    trend && definition.order !== 'unordered'
      ? new TrendsKernel(columns, { stepCount: n, windowUs, strict, fromStep, toStep, bucketOf: trend.bucketOf })
      : null;
  const trendOut: TrendOutcome = { buckets: [], converted: [] };
  const addTrends = (
    tally: FunnelTally,
    outcome: UnitOutcome,
    begin: number,
    end: number,
    scope: ValueScope | null,
  ) => {
    if (!trend) return;
    if (trendsKernel) {
      trendsKernel.run(begin, end, scope, trendOut);
      trendOut.buckets.forEach((b, i) => {
        tally.addTrend(b, trendOut.converted[i] === true);
      });
    } else if (outcome.counted && outcome.timingCount > fromStep) {
      // Unordered: the unit's counted window, in the period of its first event.
      const b = trend.bucketOf(outcome.timings[0] as number);
      if (b >= 0) tally.addTrend(b, outcome.timingCount > toStep);
    }
  };

  const total = new FunnelTally(n, bucketCount);
  const values: BreakdownValues | null = breakdownColumns
    ? breakdownValues(stream, breakdownColumns, project.scratch.i32('breakdown', stream.length))
    : null;
  const byValue: (FunnelTally | undefined)[] = [];
  const tallyOf = (value: number) => {
    let t = byValue[value];
    if (!t) {
      t = new FunnelTally(n, bucketCount);
      byValue[value] = t;
    }
    return t;
  };
  const breakdownKernel =
    breakdown && (breakdown.attribution === 'step' || breakdown.attribution === 'all_events') ? newKernel() : null;
  const candidates: number[] = [];

  // Correlation: per event name, the units (converted / dropped) that did it between entering and converting.
  const correlation = definition.correlation;
  const correlated = correlation
    ? (() => {
        const skip = new Uint8Array(stream.eventNames.length);
        const names = new Set([...definition.steps.map((s) => s.event), ...correlation.excludeEvents]);
        stream.eventNames.forEach((name, code) => {
          if (names.has(name)) skip[code] = 1;
        });
        return {
          skip,
          seen: new Int32Array(stream.eventNames.length).fill(-1),
          s: new Float64Array(stream.eventNames.length),
          f: new Float64Array(stream.eventNames.length),
          success: 0,
          failure: 0,
        };
      })()
    : null;

  const lastBit = 1 << (n - 1);
  for (let u = 0; u < stream.unitCount; u += 1) {
    const begin = stream.unitStarts[u] as number;
    const end = stream.unitStarts[u + 1] as number;
    kernel.run(begin, end, null);
    total.addOutcome(kernel, fromStep, toStep);
    addTrends(total, kernel, begin, end, null);

    if (correlated && kernel.counted) {
      const converted = (kernel.pathBits & lastBit) !== 0;
      const t0 = kernel.timings[0] as number;
      const tEnd = converted ? (kernel.timings[kernel.timingCount - 1] as number) : t0 + windowUs;
      if (converted) correlated.success += 1;
      else correlated.failure += 1;
      for (let i = begin; i < end; i += 1) {
        const t = stream.ts[i] as number;
        if (t <= t0) continue;
        if (t >= tEnd) break;
        const code = stream.eventCode[stream.rowOf[i] as number] as number;
        if (correlated.skip[code] === 1 || correlated.seen[code] === u) continue;
        correlated.seen[code] = u;
        if (converted) correlated.s[code] = (correlated.s[code] as number) + 1;
        else correlated.f[code] = (correlated.f[code] as number) + 1;
      }
    }

    if (!breakdown || !values) continue;
    const valueAt = values.valueAt;
    if (breakdown.attribution === 'first_touch' || breakdown.attribution === 'last_touch') {
      // The value of the earliest (latest) event of the funnel that has one; "" when none does.
      let value = 0;
      const firstTouch = breakdown.attribution === 'first_touch';
      for (let i = firstTouch ? begin : end - 1; firstTouch ? i < end : i >= begin; i += firstTouch ? 1 : -1) {
        if (!strict && stream.steps[i] === 0) continue;
        const v = valueAt[i] as number;
        if (v !== 0) {
          value = v;
          break;
        }
      }
      if (!kernel.counted) continue;
      const tally = tallyOf(value);
      tally.addOutcome(kernel, fromStep, toStep);
      addTrends(tally, kernel, begin, end, null);
      continue;
    }
    if (!breakdownKernel) continue;
    // step / all_events: one run per candidate value, so one unit may count under several values.
    candidates.length = 0;
    const stepBit = breakdown.attribution === 'step' ? 1 << (breakdown.attributionStep ?? 0) : -1;
    for (let i = begin; i < end; i += 1) {
      if (((stream.steps[i] as number) & stepBit) === 0) continue;
      const v = valueAt[i] as number;
      if (!candidates.includes(v)) candidates.push(v);
    }
    for (const value of candidates) {
      const scope: ValueScope =
        breakdown.attribution === 'step'
          ? { valueAt, value, onlyMatching: false, step: breakdown.attributionStep ?? 0 }
          : { valueAt, value, onlyMatching: true, step: -1 };
      breakdownKernel.run(begin, end, scope);
      if (!breakdownKernel.counted) continue;
      if (breakdown.attribution === 'step' && !(breakdownKernel.pathBits & stepBit)) continue;
      const tally = tallyOf(value);
      tally.addOutcome(breakdownKernel, fromStep, toStep);
      addTrends(tally, breakdownKernel, begin, end, scope);
    }
  }

  const ttc = (tally: FunnelTally) =>
    timeToConvertReport(tally.timeToConvert.values(), fromStep, toStep, definition.bins);
  const trendsOf = (tally: FunnelTally) => (trend ? trendPoints(tally, trend.labels) : null);

  let breakdownEntries: BreakdownEntry[] | null = null;
  if (breakdown && values) {
    const last = n - 1;
    const ranked = byValue
      .flatMap((tally, value) => (tally ? [[value, tally] as const] : []))
      .sort(([va, a], [vb, b]) => {
        const byLast = (b.counts[last] as number) - (a.counts[last] as number);
        const byFirst = (b.counts[0] as number) - (a.counts[0] as number);
        return byLast || byFirst || String(values.labels[va]).localeCompare(String(values.labels[vb]));
      });
    const kept = ranked.slice(0, breakdown.limit);
    const folded = ranked.slice(breakdown.limit);
    breakdownEntries = kept.map(([value, tally]) => ({
      value: values.labels[value] ?? '',
      steps: stepReports(tally, definition),
      timeToConvert: ttc(tally),
      trends: trendsOf(tally),
    }));
    if (folded.length > 0) {
      const other = new FunnelTally(n, bucketCount);
      for (const [, tally] of folded) other.merge(tally);
      breakdownEntries.push({
        value: 'Other',
        steps: stepReports(other, definition),
        timeToConvert: ttc(other),
        trends: trendsOf(other),
      });
    }
  }

  let correlationSection = null;
  if (correlated) {
    const perEvent = new Map<string, { s: number; f: number }>();
    stream.eventNames.forEach((name, code) => {
      const s = correlated.s[code] as number;
      const f = correlated.f[code] as number;
      if (s + f > 0) perEvent.set(name, { s, f });
    });
    correlationSection = correlationReport(correlated.success, correlated.failure, perEvent);
  }

  return {
    unit: unitLabel(definition),
    window: { amount: definition.window.amount, unit: definition.window.unit, seconds: definition.windowSeconds },
    order: definition.order,
    dateFrom: definition.dateFrom,
    dateTo: definition.dateTo,
    timezone: definition.timezone,
    steps: stepReports(total, definition),
    breakdown: breakdownEntries,
    timeToConvert: ttc(total),
    trends: trendsOf(total),
    correlation: correlationSection,
    stats: {
      eventsScanned: project.columns.eventCount,
      units: stream.unitCount,
      elapsedMs: Math.round((performance.now() - started) * 10) / 10,
    },
  };
}
