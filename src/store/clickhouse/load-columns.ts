import { FunnelscopeError } from '../../model/errors.js';
import type { DictionaryColumn, EventColumns, PersonBatch } from '../event-columns.js';
import { sharedFloat64, sharedInt32 } from '../shared-arrays.js';
import type { ClickHouseShards } from './clickhouse-shards.js';
import { chString, chStrings, tsvField } from './clickhouse-sql.js';

/**
 * The funnel engine's columns from a ClickHouse cluster. Each shard groups its own events by person (after joining
 * `person_map`, so merged ids count as one person) and sends one row per person, in person-key order: the person's
 * times, event codes and seqs. Only these per-person sequences cross the network. The coordinator merges the
 * shards' streams in key order (a person whose ids arrived on different shards is on several) and sorts each
 * person's events by time, then seq (the order of arrival, as DuckDB's rowid).
 */

const beyondSurrogates = /[\uD800-\uFFFF]/;

/**
 * Orders strings as ClickHouse and DuckDB do: by their UTF-8 bytes. JavaScript's `<` compares UTF-16 code units,
 * which agrees with byte order unless a string holds a surrogate or a character from U+E000 up; only then are the
 * bytes compared.
 */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  if (!beyondSurrogates.test(a) && !beyondSurrogates.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The person key of an event row (`e`: events_local; `m`: person_map joined by distinct id). */
export const personKeySql = `if(m.person_id = '', e.distinct_id, m.person_id)`;

/** Events of a project on one shard, with the person key (ANY LEFT JOIN: one person per distinct id). */
export function personEventsSql(database: string, project: string, columns: string, where = '1'): string {
  return `SELECT ${personKeySql} AS person_key, ${columns}
          FROM (SELECT * FROM ${database}.events_local WHERE project_id = ${chString(project)} AND (${where})) AS e
          ANY LEFT JOIN (SELECT distinct_id, person_id FROM ${database}.person_map FINAL
                         WHERE project_id = ${chString(project)}) AS m USING distinct_id`;
}

export interface LoadedColumns {
  columns: EventColumns;
  /** Person key per person index (byte order). */
  personKeys: string[];
  /** seq of each event row (-1 on a deal stage row), and the rows in seq order (for lining property values up). */
  /**
   * Where each event's row is, by its seq: a direct table when seqs are dense (the row of each seq, −1 for none),
   * else each row's seq and the rows in seq order, searched.
   */
  seqLookup: { rowBySeq: Int32Array } | { seqs: Float64Array; bySeq: Int32Array };
  /** The row of each deal stage change, by its rid. */
  stageRow: Map<number, number>;
}

/** A deal stage change as an event of its deal's person (`$deal_stage`). */
export interface StageRow {
  rid: number;
  personKey: string;
  enteredUs: number;
}

/** One shard's stream of per-person rows: the current line and its person key. */
interface ShardCursor {
  batches: AsyncGenerator<string[]>;
  batch: string[];
  at: number;
  line: string;
  key: string;
  done: boolean;
}

/** Moves to the next line; false when the batch is used up (then `refill`). */
function step(cursor: ShardCursor): boolean {
  cursor.at += 1;
  if (cursor.at >= cursor.batch.length) return false;
  const line = cursor.batch[cursor.at] as string;
  cursor.line = line;
  cursor.key = tsvField(line.slice(0, line.indexOf('\t'))) ?? '';
  return true;
}

async function refill(cursor: ShardCursor): Promise<void> {
  for (;;) {
    const next = await cursor.batches.next();
    if (next.done) {
      cursor.done = true;
      return;
    }
    cursor.batch = next.value;
    cursor.at = -1;
    if (step(cursor)) return;
  }
}

async function advance(cursor: ShardCursor): Promise<void> {
  if (!step(cursor)) await refill(cursor);
}

/**
 * Parses the TabSeparated array (or tuple) of integers that starts at `from` (at its `[` or `(`) into `target` from
 * `offset`, each value mapped by `map`; returns the index after its `]` (or `)`) and how many values it held.
 */
function parseIntegers(
  line: string,
  from: number,
  target: Float64Array | Int32Array,
  offset: number,
  map: (value: number) => number,
): [number, number] {
  let i = from + 1;
  let n = 0;
  if (line.charCodeAt(i) === 93) return [i + 1, 0]; // []
  for (;;) {
    let negative = false;
    if (line.charCodeAt(i) === 45) {
      negative = true;
      i += 1;
    }
    let value = 0;
    for (let c = line.charCodeAt(i); c >= 48 && c <= 57; c = line.charCodeAt(++i)) value = value * 10 + (c - 48);
    target[offset + n] = map(negative ? -value : value);
    n += 1;
    const c = line.charCodeAt(i);
    i += 1;
    if (c === 93 || c === 41) return [i, n]; // the array's `]`, or a tuple's `)`
  }
}

const same = (x: number) => x;

/** The two integers of a TabSeparated line `A\tB` (non-negative). */
export function twoIntegers(line: string): [number, number] {
  let a = 0;
  let i = 0;
  for (let c = line.charCodeAt(i); c >= 48 && c <= 57; c = line.charCodeAt(++i)) a = a * 10 + (c - 48);
  let b = 0;
  i += 1;
  for (let c = line.charCodeAt(i); c >= 48 && c <= 57; c = line.charCodeAt(++i)) b = b * 10 + (c - 48);
  return [a, b];
}

/** Extra per-person columns of the shards' rows: value codes against dictionaries sent with the query. */
export interface StreamValues {
  /**
   * Per event value source (by `valueSourceKey`): the code of each row's value (SQL over events_local; 0 for
   * none), its dictionary, and the codes of deal stage rows by rid (their values come from the deal side).
   */
  events: { key: string; sql: string; values: (string | null)[]; stageCodes: ReadonlyMap<number, number> }[];
  /** Per person trait: the code each row sets it to (SQL; 0 where the row does not set it), and the dictionary. */
  persons: { property: string; sql: string; values: (string | null)[] }[];
}

const noValues: StreamValues = { events: [], persons: [] };

/** The event names of a project, `$deal_stage` among them when it has stage changes (byte order, as DuckDB's). */
export async function eventNamesOf(
  shards: ClickHouseShards,
  database: string,
  project: string,
  hasStageChanges: boolean,
): Promise<string[]> {
  const nameRows = await shards.rows(
    0,
    `SELECT DISTINCT event FROM ${database}.events WHERE project_id = ${chString(project)} ORDER BY event`,
  );
  const eventNames = nameRows.map((r) => tsvField(r[0] as string) ?? '');
  if (hasStageChanges && !eventNames.includes('$deal_stage')) {
    eventNames.push('$deal_stage');
    eventNames.sort(compareBytes);
  }
  return eventNames;
}

/**
 * The per-person query each shard runs: its persons' events grouped by person key (in key order), each person's
 * sorted by (time, seq), the order the kernels need; then the value code arrays in the same order, and per person
 * trait the (code, time, seq) of the latest row that set it.
 */
function personRowsSql(database: string, project: string, eventNames: readonly string[], extra: StreamValues): string {
  // Aliases unlike the columns they group: 18.16 reads an alias for a same-named column anywhere in the query.
  const byTime = (column: string) => `arraySort((x, t, s) -> (t, s), ${column}, tss, seqs)`;
  const rowColumns = [
    'e.ts_us AS ts_us',
    `indexOf(${chStrings(eventNames)}, e.event) - 1 AS code`,
    'toInt64(e.seq) AS seq',
    ...extra.events.map((v, i) => `${v.sql} AS v${i}`),
    ...extra.persons.map((p, i) => `${p.sql} AS p${i}`),
  ];
  const grouped = [
    'groupArray(ts_us) AS tss',
    'groupArray(code) AS codes',
    'groupArray(seq) AS seqs',
    ...extra.events.map((_, i) => `groupArray(v${i}) AS va${i}`),
    ...extra.persons.map((_, i) => `argMaxIf((p${i}, ts_us, seq), (ts_us, seq), p${i} > 0) AS pa${i}`),
  ];
  const out = [
    'person_key',
    byTime('tss'),
    byTime('codes'),
    byTime('seqs'),
    ...extra.events.map((_, i) => byTime(`va${i}`)),
    ...extra.persons.map((_, i) => `pa${i}`),
  ];
  return `SELECT ${out.join(', ')} FROM (
            SELECT person_key, ${grouped.join(', ')} FROM (
              ${personEventsSql(database, project, rowColumns.join(', '))}
            ) GROUP BY person_key
          ) ORDER BY person_key`;
}

const triple = new Float64Array(3);

/** The three integers of a TabSeparated tuple `(a,b,c)` that starts at `from`; and the index after its `)`. */
function parseTriple(line: string, from: number): [number, number, number, number] {
  const [after] = parseIntegers(line, from, triple, 0, same);
  return [triple[0] as number, triple[1] as number, triple[2] as number, after];
}

/** The rows merged so far into one batch (or, loading whole, into the project's columns). */
class BatchBuffers {
  tsUs: Float64Array;
  eventCode: Int32Array;
  seqs: Float64Array;
  values: Int32Array[];
  starts: number[] = [0];
  keys: string[] = [];
  /** Per person trait, per person: its code. */
  personCodes: number[][];
  stageRow = new Map<number, number>();
  row = 0;

  constructor(
    public capacity: number,
    private readonly shared: boolean,
    valueCount: number,
    personCount: number,
  ) {
    this.tsUs = shared ? sharedFloat64(capacity) : new Float64Array(capacity);
    this.eventCode = shared ? sharedInt32(capacity) : new Int32Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.values = Array.from({ length: valueCount }, () => new Int32Array(capacity));
    this.personCodes = Array.from({ length: personCount }, () => []);
  }

  /** Room for at least `n` rows, keeping the rows so far. */
  grow(n: number): void {
    if (n <= this.capacity) return;
    const size = Math.max(n, this.capacity * 2);
    const grown = <T extends Float64Array | Int32Array>(a: T, make: (size: number) => T): T => {
      const b = make(size);
      b.set(a.subarray(0, this.row));
      return b;
    };
    const f64 = (k: number) => (this.shared ? sharedFloat64(k) : new Float64Array(k));
    const i32 = (k: number) => (this.shared ? sharedInt32(k) : new Int32Array(k));
    this.tsUs = grown(this.tsUs, f64);
    this.eventCode = grown(this.eventCode, i32);
    this.seqs = grown(this.seqs, (k) => new Float64Array(k));
    this.values = this.values.map((v) => grown(v, (k) => new Int32Array(k)));
    this.capacity = size;
  }

  clear(): void {
    this.row = 0;
    this.starts = [0];
    this.keys = [];
    for (const p of this.personCodes) p.length = 0;
    this.stageRow = new Map();
  }
}

/** A person's rows gathered from several shards and stage changes, to be sorted before they are written. */
class PersonScratch {
  ts = new Float64Array(1024);
  code = new Int32Array(1024);
  key = new Float64Array(1024);
  values: Int32Array[];

  constructor(valueCount: number) {
    this.values = Array.from({ length: valueCount }, () => new Int32Array(1024));
  }

  reserve(n: number): void {
    if (n <= this.ts.length) return;
    const size = Math.max(n, this.ts.length * 2);
    const grown = <T extends Float64Array | Int32Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.ts = grown(this.ts, new Float64Array(size));
    this.code = grown(this.code, new Int32Array(size));
    this.key = grown(this.key, new Float64Array(size));
    this.values = this.values.map((v) => grown(v, new Int32Array(size)));
  }
}

export interface MergeOptions {
  eventNames: readonly string[];
  extra: StreamValues;
  /** Rows a batch holds; loading whole: the project's event count. */
  capacity: number;
  /** Loading whole: one batch, in shared memory (for the worker threads), and no more rows than `capacity`. */
  whole: boolean;
}

/**
 * Merges the shards' per-person streams in person-key order (a person whose ids arrived on different shards is on
 * several), with the deal stage changes as `$deal_stage` events of their persons, into batches of whole persons.
 * A batch's buffers are reused for the next one.
 */
async function* mergePersons(
  shards: ClickHouseShards,
  sql: string,
  stagesComing: Promise<readonly StageRow[]>,
  options: MergeOptions,
): AsyncGenerator<BatchBuffers> {
  const { eventNames, extra, whole } = options;
  const stageCode = eventNames.indexOf('$deal_stage');
  const valueCount = extra.events.length;
  const personCount = extra.persons.length;
  const cursors: ShardCursor[] = [];
  for (let i = 0; i < shards.count; i += 1) {
    cursors.push({ batches: shards.lineBatches(i, sql), batch: [], at: -1, line: '', key: '', done: false });
  }
  try {
    const [stageRows] = await Promise.all([stagesComing, ...cursors.map(refill)]);
    const stages = [...stageRows].sort((a, b) => compareBytes(a.personKey, b.personKey));
    let nextStage = 0;
    // Loading whole, the stage rows add to the stored events.
    const capacity = options.capacity + (whole ? stages.length : 0);
    const out = new BatchBuffers(Math.max(capacity, 1), whole, valueCount, personCount);
    const scratch = new PersonScratch(valueCount);
    const overflow = () =>
      new FunnelscopeError('store_error', 'ClickHouse: more events arrived while the columns were read; retry');
    /** Room for `n` more rows: yields the batch so far first when it is full (or fails, loading whole). */
    const room = async function* (n: number): AsyncGenerator<BatchBuffers> {
      if (out.row + n <= out.capacity) return;
      if (whole) throw overflow();
      if (out.row > 0) {
        yield out;
        out.clear();
      }
      out.grow(n);
    };
    const best = Array.from({ length: personCount }, () => [0, 0, 0]);
    const eventKey = (seq: number) => (seq - 1) * 2;
    /** Keeps the latest (time, seq) setting of each trait. */
    const traits = (line: string, from: number) => {
      let at = from;
      for (let p = 0; p < personCount; p += 1) {
        const [code, ts, seq, after] = parseTriple(line, at + 1);
        const b = best[p] as number[];
        if (code > 0 && (b[0] === 0 || ts > (b[1] as number) || (ts === b[1] && seq > (b[2] as number)))) {
          b[0] = code;
          b[1] = ts;
          b[2] = seq;
        }
        at = after;
      }
    };
    for (;;) {
      let key: string | null = null;
      for (const c of cursors) {
        if (!c.done && (key === null || compareBytes(c.key, key) < 0)) key = c.key;
      }
      const stage = stages[nextStage];
      if (stage && (key === null || compareBytes(stage.personKey, key) < 0)) key = stage.personKey;
      if (key === null) break;
      let holder: ShardCursor | undefined;
      let holders = 0;
      for (const c of cursors) {
        if (!c.done && c.key === key) {
          holder = c;
          holders += 1;
        }
      }
      for (const b of best) b.fill(0);
      const onlyShard = holders === 1 && stage?.personKey !== key ? holder : undefined;
      if (onlyShard) {
        // The common case: the person's events, already in order, straight into the batch.
        const line = onlyShard.line;
        const first = line.indexOf('\t') + 1;
        let [at, n] = parseIntegers(line, first, out.tsUs, out.row, same);
        if (out.row + n > out.capacity) {
          yield* room(n);
          [at] = parseIntegers(line, first, out.tsUs, out.row, same);
        }
        [at] = parseIntegers(line, at + 1, out.eventCode, out.row, same);
        [at] = parseIntegers(line, at + 1, out.seqs, out.row, same);
        for (const v of out.values) [at] = parseIntegers(line, at + 1, v, out.row, same);
        traits(line, at);
        out.row += n;
        await advance(onlyShard);
      } else {
        let n = 0;
        for (const c of cursors) {
          if (c.done || c.key !== key) continue;
          const line = c.line;
          scratch.reserve(n + line.split(',').length + 2);
          let [at, m] = parseIntegers(line, line.indexOf('\t') + 1, scratch.ts, n, same);
          [at] = parseIntegers(line, at + 1, scratch.code, n, same);
          [at] = parseIntegers(line, at + 1, scratch.key, n, eventKey);
          for (const v of scratch.values) [at] = parseIntegers(line, at + 1, v, n, same);
          traits(line, at);
          n += m;
          await advance(c);
        }
        while (nextStage < stages.length && (stages[nextStage] as StageRow).personKey === key) {
          const st = stages[nextStage] as StageRow;
          scratch.reserve(n + 1);
          scratch.ts[n] = st.enteredUs;
          scratch.code[n] = stageCode;
          scratch.key[n] = st.rid * 2 + 1;
          extra.events.forEach((v, i) => {
            (scratch.values[i] as Int32Array)[n] = v.stageCodes.get(st.rid) ?? 0;
          });
          n += 1;
          nextStage += 1;
        }
        yield* room(n);
        const order = Array.from({ length: n }, (_, i) => i);
        const { ts, key: tieKey } = scratch;
        order.sort((a, b) => (ts[a] as number) - (ts[b] as number) || (tieKey[a] as number) - (tieKey[b] as number));
        let row = out.row;
        for (const i of order) {
          const k = tieKey[i] as number;
          out.tsUs[row] = ts[i] as number;
          out.eventCode[row] = scratch.code[i] as number;
          for (let v = 0; v < valueCount; v += 1) {
            (out.values[v] as Int32Array)[row] = (scratch.values[v] as Int32Array)[i] as number;
          }
          if (k % 2 === 0) out.seqs[row] = k / 2 + 1;
          else {
            out.seqs[row] = -1;
            out.stageRow.set((k - 1) / 2, row);
          }
          row += 1;
        }
        out.row = row;
      }
      best.forEach((b, p) => {
        (out.personCodes[p] as number[]).push(b[0] as number);
      });
      out.keys.push(key);
      out.starts.push(out.row);
    }
    if (whole && out.row !== capacity) {
      throw new FunnelscopeError('store_error', `ClickHouse: read ${out.row} events of ${capacity} counted; retry`);
    }
    if (whole || out.row > 0) yield out;
  } finally {
    // A stream left early (a failed batch): stop reading the shards.
    for (const c of cursors) if (!c.done) void c.batches.return(undefined).catch(() => undefined);
  }
}

export async function loadColumns(
  shards: ClickHouseShards,
  database: string,
  project: string,
  storedEvents: number,
  /** Whether the project has deal stage changes at all (then `$deal_stage` is an event name, as on DuckDB). */
  hasStageChanges: boolean,
  /** Those linked to a person: awaited once the shards are streaming (the deal side is built meanwhile). */
  stageRowsComing: Promise<readonly StageRow[]>,
): Promise<LoadedColumns> {
  const eventNames = await eventNamesOf(shards, database, project, hasStageChanges);
  const sql = personRowsSql(database, project, eventNames, noValues);
  let loaded: LoadedColumns | null = null;
  // Loading whole: exactly one batch, of exactly the counted rows (mergePersons checks).
  for await (const out of mergePersons(shards, sql, stageRowsComing, {
    eventNames,
    extra: noValues,
    capacity: storedEvents,
    whole: true,
  })) {
    const eventCount = out.row;
    const personStarts = sharedInt32(out.starts.length);
    personStarts.set(out.starts);
    loaded = {
      columns: {
        eventCount,
        personCount: out.keys.length,
        personStarts,
        tsUs: out.tsUs,
        eventCode: out.eventCode,
        eventNames,
      },
      personKeys: out.keys,
      seqLookup: lookupBySeq(out.seqs, eventCount),
      stageRow: out.stageRow,
    };
  }
  if (!loaded) throw new Error('loadColumns: a whole load yields one batch');
  return loaded;
}

/**
 * The project's persons in batches of about `batchEvents` events (whole persons; a person with more is a batch of
 * its own), each with the value columns of `extra`.
 */
export async function* streamBatches(
  shards: ClickHouseShards,
  database: string,
  project: string,
  eventNames: readonly string[],
  stageRows: readonly StageRow[],
  extra: StreamValues,
  batchEvents: number,
): AsyncGenerator<PersonBatch> {
  const sql = personRowsSql(database, project, eventNames, extra);
  const merged = mergePersons(shards, sql, Promise.resolve(stageRows), {
    eventNames,
    extra,
    capacity: batchEvents,
    whole: false,
  });
  for await (const out of merged) {
    const eventCount = out.row;
    yield {
      columns: {
        eventCount,
        personCount: out.keys.length,
        personStarts: Int32Array.from(out.starts),
        tsUs: out.tsUs.subarray(0, eventCount),
        eventCode: out.eventCode.subarray(0, eventCount),
        eventNames: eventNames as string[],
      },
      eventValues: new Map(
        extra.events.map((v, i) => [
          v.key,
          { codes: (out.values[i] as Int32Array).subarray(0, eventCount), values: v.values },
        ]),
      ),
      personValues: new Map(
        extra.persons.map((p, i) => [
          p.property,
          { codes: Int32Array.from(out.personCodes[i] as number[]), values: p.values },
        ]),
      ),
    };
  }
}

/**
 * The seq → row lookup. Seqs are numbered densely per project (an import continues after the largest, a migration
 * takes the source rowid), so a direct table serves; sparse seqs fall back to a sorted index.
 */
function lookupBySeq(seqs: Float64Array, rows: number): LoadedColumns['seqLookup'] {
  let max = 0;
  for (let i = 0; i < rows; i += 1) max = Math.max(max, seqs[i] as number);
  if (max > 4 * rows + 1024) {
    const bySeq = Int32Array.from({ length: rows }, (_, i) => i).sort(
      (a, b) => (seqs[a] as number) - (seqs[b] as number),
    );
    return { seqs, bySeq };
  }
  const rowBySeq = new Int32Array(max + 1).fill(-1);
  for (let i = 0; i < rows; i += 1) {
    const seq = seqs[i] as number;
    if (seq >= 0) rowBySeq[seq] = i;
  }
  return { rowBySeq };
}

/** The row of an event by its seq; -1 when it is not among the loaded rows. */
export function rowOfSeq(loaded: LoadedColumns, seq: number): number {
  const lookup = loaded.seqLookup;
  if ('rowBySeq' in lookup) return seq >= 0 && seq < lookup.rowBySeq.length ? (lookup.rowBySeq[seq] as number) : -1;
  let lo = 0;
  let hi = lookup.bySeq.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = lookup.bySeq[mid] as number;
    const value = lookup.seqs[at] as number;
    if (value === seq) return at;
    if (value < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Dictionary-encodes values by position, the dictionary in byte order (as DuckDB's ORDER BY value). */
export function encodeByPosition(length: number, entries: Iterable<readonly [number, string]>): DictionaryColumn {
  const positions: number[] = [];
  const texts: string[] = [];
  for (const [at, value] of entries) {
    if (at < 0) continue;
    positions.push(at);
    texts.push(value);
  }
  const distinct = [...new Set(texts)].sort(compareBytes);
  const codeOf = new Map<string, number>();
  for (const [i, v] of distinct.entries()) codeOf.set(v, i + 1);
  const codes = sharedInt32(length);
  for (let i = 0; i < positions.length; i += 1) {
    codes[positions[i] as number] = codeOf.get(texts[i] as string) as number;
  }
  return { codes, values: [null, ...distinct] };
}
