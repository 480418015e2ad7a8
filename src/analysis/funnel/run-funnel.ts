import { availableParallelism } from 'node:os';
import { type BreakdownColumns, loadBreakdownColumns } from '../../engine/breakdown-values.js';
import {
  batchColumns,
  type ColumnCache,
  type EventSpan,
  eventSpan,
  type ProjectColumns,
  ScratchBuffers,
  valuesAskedFor,
} from '../../engine/column-cache.js';
import { type FunnelInputs, firstPersonFrom, loadFunnelInputs } from '../../engine/funnel-stream.js';
import { WorkerPool } from '../../engine/worker-pool.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { FunnelBreakdown, FunnelDefinition } from '../../model/funnel-definition.js';
import type { EventValueSource, PersonStream, PersonStreamRequest } from '../../store/event-columns.js';
import { sharedInt32 } from '../../store/shared-arrays.js';
import { endOfDayUtcMs, localDate, trendBuckets } from '../calendar.js';
import {
  blockable,
  type PassChunks,
  type PassRequest,
  type PassResult,
  runFunnelChunks,
  runFunnelPass,
} from './funnel-pass.js';
import { FunnelTally, type TallyData } from './funnel-tally.js';
import type { BreakdownEntry, CorrelationReport, FunnelReport } from './report.js';
import {
  correlationReport,
  stageRollup,
  stepReports,
  survivalReport,
  timeToConvertReport,
  trendPoints,
} from './report-sections.js';
import { concatTransitions, type TransitionUnits } from './transition-units.js';

export interface RunOptions {
  /** Threads a run may use (1 = this thread only). Default: the machine's available parallelism. */
  threads?: number;
  /** Below this many events a run stays on one thread (starting workers would cost more). Default 2,000,000. */
  parallelMinEvents?: number;
  /** False: counts only, without conversion times (a diagnosis reads counts; faster). Default true. */
  times?: boolean;
  /**
   * Also hand over, per step, the person units that reached it: where, whether they went on, and until when (for
   * "what dropped units did instead", docs/diagnose.md). Ordered and strict funnels by person only: for other
   * funnels it is not called. The units of the whole project at once, so the project is loaded whole.
   */
  transitions?: (units: TransitionUnits) => void;
  /**
   * The same units batch by batch, with the batch's columns (valid during the call only; store rows are the
   * batch's), so a report built on them streams too: called per batch of a streamed run, once with the whole
   * project otherwise. `values` are the value columns the caller reads from the batch besides the run's own.
   */
  unitsPerBatch?: {
    values: readonly EventValueSource[];
    receive: (units: TransitionUnits, batch: { project: ProjectColumns; span: EventSpan }) => void | Promise<void>;
  };
  /**
   * More breakdowns in the same pass (a diagnosis): each one event property with `first_touch` attribution, every
   * value its own entry (no "Other"). `receive` gets, per breakdown, the value labels by id (as in
   * `TransitionUnits.unitValues`) and the entries.
   */
  segmentations?: {
    breakdowns: FunnelBreakdown[];
    receive: (segmentations: { labels: string[]; entries: BreakdownEntry[] }[]) => void;
  };
}

function unitLabel(definition: FunnelDefinition): string {
  if (definition.counting === 'attempts') return `attempt:${unitLabel({ ...definition, counting: 'units' })}`;
  const c = definition.countBy;
  if (c.type === 'person') return 'person';
  if (c.type === 'group') return `group:${c.groupType}`;
  return `${c.type}:${c.property}`;
}

/** What the data's span is read from: loaded columns (scanned once per load), or a span a stream reported. */
type SpanSource = Pick<ProjectColumns, 'columns'> | { span: EventSpan };

function spanOf(source: SpanSource): EventSpan {
  return 'span' in source ? source.span : eventSpan(source.columns);
}

/** The definition's date range or, where it is open, the days (in its timezone) the project's events span. */
export function dateRange(
  definition: Pick<FunnelDefinition, 'dateFrom' | 'dateTo' | 'timezone'>,
  project: SpanSource,
): { dateFrom: string; dateTo: string } {
  let dateFrom = definition.dateFrom;
  let dateTo = definition.dateTo;
  if (!dateFrom || !dateTo) {
    let { lo, hi } = spanOf(project);
    if (lo === Infinity) lo = hi = Date.now() * 1000;
    dateFrom ??= localDate(lo / 1000, definition.timezone);
    dateTo ??= localDate(hi / 1000, definition.timezone);
  }
  return { dateFrom, dateTo };
}

/** The end of the data a funnel sees (µs): its last event, or the end of `dateTo` when that comes first. */
export function dataEndUs(
  definition: Pick<FunnelDefinition, 'dateTo' | 'timezone' | 'entryDateRange'>,
  project: SpanSource,
): number {
  const { hi } = spanOf(project);
  // With an entry-only range, conversions may land after dateTo: the data ends at the last event.
  return definition.dateTo && !definition.entryDateRange
    ? Math.min(hi, endOfDayUtcMs(definition.dateTo, definition.timezone) * 1000)
    : hi;
}

/** The trend periods over `dateRange`. */
function periods(definition: FunnelDefinition, project: SpanSource) {
  const { dateFrom, dateTo } = dateRange(definition, project);
  const buckets = trendBuckets(dateFrom, dateTo, definition.interval, definition.timezone);
  return { labels: buckets.labels, startsUs: buckets.startsUtcMs.map((ms) => ms * 1000) };
}

type FunnelTask = {
  source: Omit<ProjectColumns, 'scratch' | 'eventValues' | 'personValues' | 'personKeys' | 'version'>;
  request: PassRequest;
  chunks: PassChunks;
};
type ChunkResults = { index: number; result: PassResult }[];
let pool: WorkerPool<FunnelTask, ChunkResults> | null | undefined;
let poolSize = 0;

function workers(size: number): WorkerPool<FunnelTask, ChunkResults> | null {
  if (pool === undefined || poolSize !== size) {
    void pool?.close();
    pool = WorkerPool.create<FunnelTask, ChunkResults>(new URL('./funnel-worker.js', import.meta.url), size);
    poolSize = size;
  }
  return pool;
}

/** Splits the persons into `parts` ranges of about equal numbers of events (fewer when persons are few). */
function personRanges(personStarts: Int32Array, parts: number): [number, number][] {
  const persons = personStarts.length - 1;
  const events = personStarts[persons] as number;
  const ranges: [number, number][] = [];
  let first = 0;
  for (let k = 1; k <= parts; k += 1) {
    let end = persons;
    if (k < parts) {
      // The first person whose events start at or after k/parts of all events.
      end = firstPersonFrom(personStarts, first, persons, Math.floor((events * k) / parts));
    }
    if (end > first) ranges.push([first, end]);
    first = end;
  }
  return ranges;
}

/** Ranges per thread in a parallel run: enough that the threads finish together, few enough to cost nothing. */
const chunksPerThread = 16;

/** The columns a pass reads besides the events: filters, breakdown, segmentations and the held property. */
interface PassColumns {
  inputs: FunnelInputs;
  breakdown: BreakdownColumns | null;
  segmentations: BreakdownColumns[];
  hold: BreakdownColumns | null;
}

/** Loads every column the definition (and the options' segmentations) reads; the run is synchronous after it. */
async function loadPassColumns(
  project: ProjectColumns,
  definition: FunnelDefinition,
  options: RunOptions,
): Promise<PassColumns> {
  const inputs = await loadFunnelInputs(project, definition);
  const breakdown = definition.breakdown ? await loadBreakdownColumns(project, definition.breakdown) : null;
  const segmentations: BreakdownColumns[] = [];
  for (const b of options.segmentations?.breakdowns ?? []) {
    if (b.properties.length !== 1 || b.scope !== 'event' || b.attribution !== 'first_touch') {
      throw new Error('runFunnel: a segmentation is one event property with first_touch attribution');
    }
    segmentations.push(await loadBreakdownColumns(project, b));
  }
  const hold = definition.holdConstant
    ? await loadBreakdownColumns(project, {
        properties: [definition.holdConstant],
        scope: 'event',
        groupType: null,
        attribution: 'first_touch',
        attributionStep: null,
        limit: 1,
        normalizeUrl: false,
      })
    : null;
  return { inputs, breakdown, segmentations, hold };
}

function passRequest(
  definition: FunnelDefinition,
  columns: PassColumns,
  options: RunOptions,
  trend: { startsUs: number[] } | null,
  dataEnd: number,
): PassRequest {
  return {
    definition,
    hold: columns.hold,
    inputs: columns.inputs,
    breakdown: columns.breakdown,
    personRange: null,
    trendStartsUs: trend?.startsUs ?? null,
    censoring: { dataEndUs: dataEnd, survival: definition.view === 'time_to_convert' },
    transitions: options.transitions !== undefined || options.unitsPerBatch !== undefined,
    segmentations: columns.segmentations,
    times: options.times !== false,
  };
}

/** The value columns a run reads (valuesAskedFor over its own loading code), and those its caller reads. */
async function valuesRead(definition: FunnelDefinition, options: RunOptions): Promise<PersonStreamRequest> {
  const request = await valuesAskedFor((project) => loadPassColumns(project, definition, options));
  return { ...request, eventValues: [...request.eventValues, ...(options.unitsPerBatch?.values ?? [])] };
}

/**
 * A streamed run (docs/clickhouse.md, "Bounded memory"): the store hands the project over in batches of whole
 * persons, each batch gets its own pass and the parts add up as a parallel run's do.
 */
async function runStreamed(
  stream: PersonStream,
  definition: FunnelDefinition,
  options: RunOptions,
  started: number,
): Promise<FunnelReport> {
  const trend = definition.view === 'trends' ? periods(definition, stream) : null;
  const dataEnd = dataEndUs(definition, stream);
  const scratch = new ScratchBuffers();
  const results: PassResult[] = [];
  let labels: string[] = [];
  let segmentationLabels: string[][] = [];
  let events = 0;
  for await (const batch of stream.batches) {
    const project = batchColumns(batch, scratch);
    const columns = await loadPassColumns(project, definition, options);
    labels = columns.breakdown?.single?.labels ?? labels;
    segmentationLabels = columns.segmentations.map((c) => c.single?.labels ?? []);
    const result = runFunnelPass(project, passRequest(definition, columns, options, trend, dataEnd));
    if (result.transition) await options.unitsPerBatch?.receive(result.transition, { project, span: stream.span });
    // The batch's units are its caller's; only the sums stay.
    results.push({ ...result, transition: null });
    events += batch.columns.eventCount;
  }
  return funnelReport(definition, results, {
    labels,
    eventNames: stream.eventNames,
    trend,
    options,
    segmentationLabels,
    stats: { eventsScanned: events, threads: 1, batches: results.length, started },
  });
}

/**
 * Whether a run may go batch by batch of persons: units are persons (another unit's events may span persons), a
 * breakdown has one property (several number their tuples as the pass meets them, so parts would disagree), and
 * nobody asked for the whole project's units at once.
 */
function streamable(definition: FunnelDefinition, options: RunOptions): boolean {
  const oneProperty = !definition.breakdown || definition.breakdown.properties.length === 1;
  return definition.countBy.type === 'person' && oneProperty && !options.transitions;
}

/**
 * Runs a funnel over a project's events: loads the columns the definition reads, runs the pass (in parallel over
 * ranges of persons when the data is large and the parts are independent), adds the parts up and turns the sums
 * into the report. The same call serves the CLI and the HTTP API. A store that streams large projects (ClickHouse)
 * has them run batch by batch instead (runStreamed).
 */
export async function runFunnel(
  cache: ColumnCache,
  projectId: string,
  definition: FunnelDefinition,
  options: RunOptions = {},
): Promise<FunnelReport> {
  const started = performance.now();
  const handsOver = options.transitions || options.unitsPerBatch || options.segmentations;
  if (definition.counting === 'attempts' && handsOver) {
    throw new FunnelscopeError('invalid_definition', 'counting: this report counts units, not attempts', {
      field: 'counting',
    });
  }
  const opened = streamable(definition, options)
    ? await cache.open(projectId, () => valuesRead(definition, options))
    : { whole: await cache.get(projectId) };
  if ('stream' in opened) return runStreamed(opened.stream, definition, options, started);
  const project = opened.whole;
  // Every column the definition reads is loaded first; from here on the run is synchronous on this thread.
  const columns = await loadPassColumns(project, definition, options);
  const trend = definition.view === 'trends' ? periods(definition, project) : null;
  const request = passRequest(definition, columns, options, trend, dataEndUs(definition, project));

  // Parts must not split a unit (persons only) and must agree on breakdown value ids (one property).
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const { breakdown, segmentations, hold } = columns;
  const splittable = blockable(definition, breakdown, hold ? [...segmentations, hold] : segmentations);
  const big = project.columns.eventCount >= (options.parallelMinEvents ?? 2_000_000);
  const pool = threads > 1 && splittable && big ? workers(threads - 1) : null;
  let results: PassResult[];
  let threadsUsed = 1;
  if (pool) {
    // Every thread takes ranges off one shared counter; the parts are added up in person order, so the sums (and
    // so the report, to the last bit) are the same whichever thread took which range.
    const chunks: PassChunks = {
      ranges: personRanges(project.columns.personStarts, threads * chunksPerThread),
      next: sharedInt32(1),
    };
    const { columns, nameCodes } = project;
    const remote = Array.from({ length: threads - 1 }, () =>
      pool.run({ source: { columns, nameCodes }, request, chunks }),
    );
    const local = runFunnelChunks(project, request, chunks);
    const parts = [local, ...(await Promise.all(remote))].flat().sort((a, b) => a.index - b.index);
    results = parts.map((p) => p.result);
    threadsUsed = 1 + remote.length;
  } else {
    results = [runFunnelPass(project, request)];
  }

  const transitionParts = results.flatMap((r) => (r.transition ? [r.transition] : []));
  // Handed over only when the pass collected them (ordered or strict funnels counted by person).
  if (transitionParts.length > 0) {
    const units = concatTransitions(transitionParts, segmentations.length);
    options.transitions?.(units);
    await options.unitsPerBatch?.receive(units, { project, span: eventSpan(project.columns) });
  }
  return funnelReport(definition, results, {
    labels: breakdown?.single?.labels ?? results[0]?.labels ?? [],
    eventNames: project.columns.eventNames,
    trend,
    options,
    segmentationLabels: segmentations.map((c) => c.single?.labels ?? []),
    stats: { eventsScanned: project.columns.eventCount, threads: threadsUsed, batches: 1, started },
  });
}

/** Adds the parts of a run up and turns the sums into the report. */
function funnelReport(
  definition: FunnelDefinition,
  results: PassResult[],
  context: {
    /** The breakdown's value labels by id. */
    labels: readonly (string | string[])[];
    eventNames: readonly string[];
    trend: { labels: string[] } | null;
    options: RunOptions;
    segmentationLabels?: string[][];
    stats: { eventsScanned: number; threads: number; batches: number; started: number };
  },
): FunnelReport {
  const { trend, options } = context;
  const breakdown = definition.breakdown;
  const n = definition.steps.length;
  const bucketCount = trend ? trend.labels.length : 0;
  if (options.segmentations) {
    options.segmentations.receive(
      (context.segmentationLabels ?? []).map((labels, s) => {
        const valueCount = Math.max(0, ...results.map((r) => r.segments?.[s]?.length ?? 0));
        const entries: BreakdownEntry[] = [];
        for (let value = 0; value < valueCount; value += 1) {
          const parts = results.flatMap((r) => {
            const tally = r.segments?.[s]?.[value];
            return tally ? [tally] : [];
          });
          if (parts.length === 0) continue;
          const tally = FunnelTally.fromData(n, bucketCount, parts);
          entries.push({
            value: labels[value] ?? '',
            steps: stepReports(tally, definition),
            timeToConvert: null,
            trends: null,
          });
        }
        return { labels, entries };
      }),
    );
  }
  const total = FunnelTally.fromData(
    n,
    bucketCount,
    results.map((r) => r.total),
  );
  const byValue: (FunnelTally | undefined)[] = [];
  const valueCount = Math.max(0, ...results.map((r) => r.byValue.length));
  for (let value = 0; value < valueCount; value += 1) {
    const parts = results.flatMap((r) => (r.byValue[value] ? [r.byValue[value] as TallyData] : []));
    if (parts.length > 0) byValue[value] = FunnelTally.fromData(n, bucketCount, parts);
  }
  const units = results.reduce((sum, r) => sum + r.units, 0);

  const { fromStep, toStep } = definition;
  const ttc = (tally: FunnelTally) =>
    timeToConvertReport(
      tally.timeToConvert.values(),
      fromStep,
      toStep,
      definition.bins,
      definition.view === 'time_to_convert'
        ? survivalReport(tally.timeToConvert.values(), tally.censored.values(), definition.windowSeconds)
        : null,
    );
  const trendsOf = (tally: FunnelTally) => (trend ? trendPoints(tally, trend.labels) : null);

  let breakdownEntries: BreakdownEntry[] | null = null;
  if (breakdown) {
    const labels = context.labels;
    const last = n - 1;
    const ranked = byValue
      .flatMap((tally, value) => (tally ? [[value, tally] as const] : []))
      .sort(([va, a], [vb, b]) => {
        const byLast = (b.counts[last] as number) - (a.counts[last] as number);
        const byFirst = (b.counts[0] as number) - (a.counts[0] as number);
        return byLast || byFirst || String(labels[va]).localeCompare(String(labels[vb]));
      });
    const kept = ranked.slice(0, breakdown.limit);
    const folded = ranked.slice(breakdown.limit);
    breakdownEntries = kept.map(([value, tally]) => ({
      value: labels[value] ?? '',
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

  let correlationSection: CorrelationReport | null = null;
  if (definition.correlation) {
    const perEvent = new Map<string, { s: number; f: number }>();
    let success = 0;
    let failure = 0;
    for (const result of results) {
      const c = result.correlation;
      if (!c) continue;
      success += c.success;
      failure += c.failure;
      context.eventNames.forEach((name, code) => {
        const s = c.s[code] as number;
        const f = c.f[code] as number;
        if (s + f === 0) return;
        const sums = perEvent.get(name) ?? { s: 0, f: 0 };
        perEvent.set(name, { s: sums.s + s, f: sums.f + f });
      });
    }
    correlationSection = correlationReport(success, failure, perEvent);
  }

  const steps = stepReports(total, definition);
  return {
    unit: unitLabel(definition),
    window: { amount: definition.window.amount, unit: definition.window.unit, seconds: definition.windowSeconds },
    order: definition.order,
    dateFrom: definition.dateFrom,
    dateTo: definition.dateTo,
    timezone: definition.timezone,
    steps,
    breakdown: breakdownEntries,
    timeToConvert: ttc(total),
    trends: trendsOf(total),
    correlation: correlationSection,
    stageRollup: stageRollup(steps),
    stats: {
      eventsScanned: context.stats.eventsScanned,
      units,
      threads: context.stats.threads,
      batches: context.stats.batches,
      elapsedMs: Math.round((performance.now() - context.stats.started) * 10) / 10,
    },
  };
}
