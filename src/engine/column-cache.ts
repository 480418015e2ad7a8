import {
  type DictionaryColumn,
  type EventColumnSource,
  type EventColumns,
  type EventValueSource,
  type PersonBatch,
  type PersonStream,
  type PersonStreamRequest,
  valueSourceKey,
} from '../store/event-columns.js';
import { sharedUint8, sharedUint16 } from '../store/shared-arrays.js';

/**
 * Keeps each project's event columns in memory between funnels. Every use first asks the store for its data
 * version; when events, identities or deals changed, the columns (and every property column loaded on top of
 * them) are dropped and read again, so a cached funnel is never computed on stale data or stale merges.
 */
export interface ProjectColumns {
  version: string;
  columns: EventColumns;
  /** `columns.eventCode` in the narrowest integer type that holds it (less memory to stream through). */
  nameCodes: Uint8Array | Uint16Array | Int32Array;
  /** Reusable work arrays for funnel runs (grow-only; valid until the next synchronous run). */
  scratch: ScratchBuffers;
  eventValues(source: EventValueSource): Promise<DictionaryColumn>;
  personValues(property: string): Promise<DictionaryColumn>;
  /** Each person's key (person id), by person index. */
  personKeys(): Promise<DictionaryColumn>;
}

export class ColumnCache {
  private readonly entries = new Map<string, ProjectColumns>();

  constructor(private readonly source: EventColumnSource) {}

  async get(project: string): Promise<ProjectColumns> {
    return this.load(project, await this.source.dataVersion(project));
  }

  private async load(project: string, version: string): Promise<ProjectColumns> {
    const cached = this.entries.get(project);
    if (cached && cached.version === version) return cached;
    // A store keeps the rows of its last load only, so property columns of another project would not line up:
    // one project's columns at a time.
    this.entries.clear();
    const columns = await this.source.loadEventColumns(project);
    const entry = this.build(project, version, columns);
    this.entries.set(project, entry);
    return entry;
  }

  /**
   * The project for a report that can go batch by batch: a stream of person batches with the value columns of
   * `request` when the store streams it (a large project on ClickHouse), else its columns, loaded whole and kept
   * (also when they are here and current already). `request` is asked for only when a stream may follow.
   */
  async open(
    project: string,
    request: () => PersonStreamRequest | Promise<PersonStreamRequest>,
  ): Promise<{ whole: ProjectColumns } | { stream: PersonStream }> {
    const version = await this.source.dataVersion(project);
    const cached = this.entries.get(project);
    if (this.source.streamPersons && cached?.version !== version) {
      const stream = await this.source.streamPersons(project, await request());
      if (stream) return { stream };
    }
    return { whole: await this.load(project, version) };
  }

  private build(project: string, version: string, columns: EventColumns): ProjectColumns {
    const source = this.source;
    const loaded = new Map<string, Promise<DictionaryColumn>>();
    // Loads share the store's temp tables, so they run one at a time; a failed load is forgotten, not cached.
    let queue: Promise<unknown> = Promise.resolve();
    const once = (key: string, load: () => Promise<DictionaryColumn>): Promise<DictionaryColumn> => {
      let column = loaded.get(key);
      if (!column) {
        column = queue.then(load, load);
        queue = column.catch(() => undefined);
        loaded.set(key, column);
        column.catch(() => loaded.delete(key));
      }
      return column;
    };
    return {
      version,
      columns,
      scratch: new ScratchBuffers(),
      nameCodes: narrowCodes(columns),
      eventValues: (valueSource) =>
        once(`event ${valueSourceKey(valueSource)}`, () => source.loadEventValues(project, valueSource)),
      personValues: (property) =>
        once(`person ${JSON.stringify(property)}`, () => source.loadPersonValues(project, property)),
      personKeys: () => once('person keys', () => source.loadPersonKeys(project)),
    };
  }
}

/**
 * The value columns some loading code asks a project for, found by running it over an empty project that notes
 * what is asked for: the same code as the report's own, so the list of a stream's columns cannot drift from it.
 */
export async function valuesAskedFor(
  load: (project: ProjectColumns) => Promise<unknown>,
): Promise<PersonStreamRequest> {
  const eventValues = new Map<string, EventValueSource>();
  const personValues = new Set<string>();
  const none = async (): Promise<DictionaryColumn> => ({ codes: new Int32Array(0), values: [null] });
  await load({
    version: '',
    columns: {
      eventCount: 0,
      personCount: 0,
      personStarts: new Int32Array(1),
      tsUs: new Float64Array(0),
      eventCode: new Int32Array(0),
      eventNames: [],
    },
    nameCodes: new Int32Array(0),
    scratch: new ScratchBuffers(),
    eventValues: (source) => {
      eventValues.set(valueSourceKey(source), source);
      return none();
    },
    personValues: (property) => {
      personValues.add(property);
      return none();
    },
    personKeys: none,
  });
  return { eventValues: [...eventValues.values()], personValues: [...personValues] };
}

/** The first and last event time (µs; ±Infinity when there are none). */
export interface EventSpan {
  lo: number;
  hi: number;
}

const spans = new WeakMap<Float64Array, EventSpan>();

/** The first and last event time of loaded columns, scanned once per load. */
export function eventSpan(columns: EventColumns): EventSpan {
  let span = spans.get(columns.tsUs);
  if (!span) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < columns.eventCount; i += 1) {
      const t = columns.tsUs[i] as number;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    span = { lo, hi };
    spans.set(columns.tsUs, span);
  }
  return span;
}

/** A project's persons batch by batch, for a report that adds up per person. */
export interface PersonBatches {
  span: EventSpan;
  eventNames: readonly string[];
  /** Each batch's columns hold the value columns asked for; valid until the next batch is taken. */
  batches: AsyncIterable<ProjectColumns>;
}

/**
 * The project as batches of persons: streamed when the store streams it (ColumnCache.stream), else the whole
 * project, loaded and kept by the cache, as the one batch.
 */
export async function personBatches(
  cache: ColumnCache,
  project: string,
  request: PersonStreamRequest,
): Promise<PersonBatches> {
  const opened = await cache.open(project, () => request);
  if ('whole' in opened) {
    const whole = opened.whole;
    return {
      span: eventSpan(whole.columns),
      eventNames: whole.columns.eventNames,
      batches: (async function* () {
        yield whole;
      })(),
    };
  }
  const { stream } = opened;
  const scratch = new ScratchBuffers();
  return {
    span: stream.span,
    eventNames: stream.eventNames,
    batches: (async function* () {
      for await (const batch of stream.batches) yield batchColumns(batch, scratch);
    })(),
  };
}

/**
 * One batch of a person stream as a project's columns, for the same passes: its value columns are the ones the
 * stream was asked for (asking for another is a bug of the caller's list), and its work arrays are `scratch`,
 * reused batch after batch.
 */
export function batchColumns(batch: PersonBatch, scratch: ScratchBuffers): ProjectColumns {
  const lookup = <K>(map: ReadonlyMap<string, DictionaryColumn>, key: string, what: K): Promise<DictionaryColumn> => {
    const column = map.get(key);
    if (!column) return Promise.reject(new Error(`a person batch lacks the values of ${JSON.stringify(what)}`));
    return Promise.resolve(column);
  };
  return {
    version: '',
    columns: batch.columns,
    nameCodes: batch.columns.eventCode,
    scratch,
    eventValues: (source) => lookup(batch.eventValues, valueSourceKey(source), source),
    personValues: (property) => lookup(batch.personValues, property, property),
    personKeys: () => Promise.reject(new Error('a person batch has no person keys')),
  };
}

/** The event codes in the narrowest shared integer array that holds them. */
function narrowCodes(columns: EventColumns): Uint8Array | Uint16Array | Int32Array {
  const names = columns.eventNames.length;
  if (names > 65_536) return columns.eventCode;
  const narrow = names <= 256 ? sharedUint8(columns.eventCount) : sharedUint16(columns.eventCount);
  narrow.set(columns.eventCode);
  return narrow;
}

/**
 * Large typed arrays reused from one funnel run to the next, so a warm run does not page in hundreds of MB of fresh
 * zeroed memory. A run takes its buffers after every await, computes synchronously and copies out what it
 * returns, so two runs never share a buffer at the same time.
 */
export class ScratchBuffers {
  private readonly f64s = new Map<string, Float64Array>();
  private readonly i32s = new Map<string, Int32Array>();

  f64(name: string, length: number): Float64Array {
    let buffer = this.f64s.get(name);
    if (!buffer || buffer.length < length) {
      buffer = new Float64Array(Math.max(length, 16));
      this.f64s.set(name, buffer);
    }
    return buffer;
  }

  i32(name: string, length: number): Int32Array {
    let buffer = this.i32s.get(name);
    if (!buffer || buffer.length < length) {
      buffer = new Int32Array(Math.max(length, 16));
      this.i32s.set(name, buffer);
    }
    return buffer;
  }
}
