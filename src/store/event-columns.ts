/**
 * The columnar shape in which a store hands events to the engine: one row per event, sorted by person and time,
 * with strings dictionary-encoded. Property columns are loaded on demand and aligned with the same rows.
 */

/** Codes into `values`; code 0 is always "missing" (null). */
export interface DictionaryColumn {
  codes: Int32Array;
  values: (string | null)[];
}

export interface EventColumns {
  eventCount: number;
  personCount: number;
  /** Events of person p are rows personStarts[p] .. personStarts[p + 1] - 1, oldest first. */
  personStarts: Int32Array;
  /** Event time, microseconds since the epoch (UTC). */
  tsUs: Float64Array;
  /** Event name per row, a code into `eventNames`. */
  eventCode: Int32Array;
  eventNames: string[];
}

/**
 * Event columns the normaliser fills (docs/channels.md for channel), readable as they are stored; the ids say which
 * device an event came from (attribution's cross-device report).
 */
export const storedEventColumns = [
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'device_type',
  'os',
  'browser',
  'country',
  'distinct_id',
  'anonymous_id',
] as const;
export type StoredEventColumn = (typeof storedEventColumns)[number];

/** Where a per-event property value comes from. */
export type EventValueSource =
  | { kind: 'event'; property: string }
  /** A stored event column itself (no JSON read): what the normaliser put there. */
  | { kind: 'column'; column: StoredEventColumn }
  /** A person trait as each identify call set it (on identify rows only; other rows have none). */
  | { kind: 'identify'; property: string }
  /** The key of the event's group of this type (context.groups / groupId). */
  | { kind: 'group_key'; groupType: string }
  /** A trait of the event's group of this type, from the latest group call that set it. */
  | { kind: 'group'; groupType: string; property: string };

/** What the engine asks of a store. Loaded columns stay valid until `dataVersion` changes. */
export interface EventColumnSource {
  /** Changes whenever the project's events, identities or deals change. */
  dataVersion(project: string): Promise<string>;
  loadEventColumns(project: string): Promise<EventColumns>;
  /** A value per row of the last `loadEventColumns`. */
  loadEventValues(project: string, source: EventValueSource): Promise<DictionaryColumn>;
  /** Each person's key (its person id, else its one distinct id) per person of the last `loadEventColumns`. */
  loadPersonKeys(project: string): Promise<DictionaryColumn>;
  /** A person trait (latest identify that set it) per person of the last `loadEventColumns`. */
  loadPersonValues(project: string, property: string): Promise<DictionaryColumn>;
  /**
   * The project's persons in batches of whole persons, each with the value columns asked for, so a report that
   * adds up per person holds one batch at a time (docs/clickhouse.md, "Bounded memory"). Null when the store
   * would rather load the project whole (it is small enough, or a dictionary is too large to send); stores that
   * never stream leave it out.
   */
  streamPersons?(project: string, request: PersonStreamRequest): Promise<PersonStream | null>;
}

/** The value columns each batch of a person stream carries. */
export interface PersonStreamRequest {
  eventValues: readonly EventValueSource[];
  /** Person traits (latest identify that set it), by property. */
  personValues: readonly string[];
}

/**
 * One batch of a person stream: its persons' events as `EventColumns` (event names shared by every batch) and the
 * value columns asked for, aligned with its rows or persons. Each value column's dictionary (`values`) is the same
 * array in every batch, so codes mean the same value across batches.
 */
export interface PersonBatch {
  columns: EventColumns;
  /** By `valueSourceKey`. */
  eventValues: ReadonlyMap<string, DictionaryColumn>;
  personValues: ReadonlyMap<string, DictionaryColumn>;
}

export interface PersonStream {
  /** The first and last event time of the whole project (µs; ±Infinity when it has none). */
  span: { lo: number; hi: number };
  /** The last event's time, identity calls aside (analysis/data-end.ts; µs, −Infinity when there is none). */
  lastEventUs: number;
  eventNames: readonly string[];
  /** Valid until the next batch is asked for (its arrays are reused). */
  batches: AsyncIterable<PersonBatch>;
}

/** The same string for the same source whatever order its fields were written in (a cache key). */
export function valueSourceKey(source: EventValueSource): string {
  switch (source.kind) {
    case 'event':
      return JSON.stringify([source.kind, source.property]);
    case 'identify':
      return JSON.stringify([source.kind, source.property]);
    case 'column':
      return JSON.stringify([source.kind, source.column]);
    case 'group_key':
      return JSON.stringify([source.kind, source.groupType]);
    case 'group':
      return JSON.stringify([source.kind, source.groupType, source.property]);
  }
}
