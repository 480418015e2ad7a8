import { FunnelscopeError } from '../../model/errors.js';
import type { DictionaryColumn, EventColumns } from '../event-columns.js';
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
 * Parses the TabSeparated array of integers that starts at `from` (at its `[`) into `target` from `offset`, each
 * value mapped by `map`; returns the index after the array's `]` and how many values it held.
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
    if (c === 93) return [i, n];
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
  const nameRows = await shards.rows(
    0,
    `SELECT DISTINCT event FROM ${database}.events WHERE project_id = ${chString(project)} ORDER BY event`,
  );
  const eventNames = nameRows.map((r) => tsvField(r[0] as string) ?? '');
  // Deal stage changes join the names as `$deal_stage` (in byte order, as DuckDB numbers them).
  if (hasStageChanges && !eventNames.includes('$deal_stage')) {
    eventNames.push('$deal_stage');
    eventNames.sort(compareBytes);
  }
  const stageCode = eventNames.indexOf('$deal_stage');
  // Each shard groups its persons' events and sorts each person's by (time, seq): the order the kernels need.
  const byTime = (column: string) => `arraySort((x, t, s) -> (t, s), ${column}, ts, seq)`;
  const sql = `SELECT person_key, ${byTime('ts')}, ${byTime('code')}, ${byTime('seq')} FROM (
                 SELECT person_key, groupArray(ts_us) AS ts, groupArray(code) AS code, groupArray(seq) AS seq FROM (
                   ${personEventsSql(database, project, `e.ts_us AS ts_us, indexOf(${chStrings(eventNames)}, e.event) - 1 AS code, toInt64(e.seq) AS seq`)}
                 ) GROUP BY person_key
               ) ORDER BY person_key`;
  const cursors: ShardCursor[] = [];
  for (let i = 0; i < shards.count; i += 1) {
    cursors.push({ batches: shards.lineBatches(i, sql), batch: [], at: -1, line: '', key: '', done: false });
  }
  const [stageRows] = await Promise.all([stageRowsComing, ...cursors.map(refill)]);
  const stages = [...stageRows].sort((a, b) => compareBytes(a.personKey, b.personKey));
  let nextStage = 0;
  const eventCount = storedEvents + stages.length;

  const tsUs = sharedFloat64(eventCount);
  const eventCode = sharedInt32(eventCount);
  const seqs = new Float64Array(eventCount);
  const stageRow = new Map<number, number>();
  const starts: number[] = [0];
  const personKeys: string[] = [];
  let row = 0;
  const overflow = () =>
    new FunnelscopeError('store_error', 'ClickHouse: more events arrived while the columns were read; retry');
  // A person on several shards or with deal stage changes: gathered here, then sorted by DuckDB's tie order at
  // one instant (rowid * 2 for events, i.e. (seq − 1) * 2; rowid * 2 + 1 for stage changes).
  let scratchTs = new Float64Array(1024);
  let scratchCode = new Int32Array(1024);
  let scratchKey = new Float64Array(1024);
  const reserve = (n: number) => {
    if (n <= scratchTs.length) return;
    const size = Math.max(n, scratchTs.length * 2);
    const ts = new Float64Array(size);
    ts.set(scratchTs);
    scratchTs = ts;
    const code = new Int32Array(size);
    code.set(scratchCode);
    scratchCode = code;
    const key = new Float64Array(size);
    key.set(scratchKey);
    scratchKey = key;
  };
  const eventKey = (seq: number) => (seq - 1) * 2;
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
    const onlyShard = holders === 1 && stage?.personKey !== key ? holder : undefined;
    if (onlyShard) {
      // The common case: the person's events, already in order, straight into the columns.
      const line = onlyShard.line;
      const first = line.indexOf('\t') + 1;
      const [afterTs, n] = parseIntegers(line, first, tsUs, row, same);
      if (row + n > eventCount) throw overflow();
      const [afterCodes] = parseIntegers(line, afterTs + 1, eventCode, row, same);
      parseIntegers(line, afterCodes + 1, seqs, row, same);
      row += n;
      await advance(onlyShard);
    } else {
      let n = 0;
      for (const c of cursors) {
        if (c.done || c.key !== key) continue;
        const line = c.line;
        const count = line.split(',').length + 2;
        reserve(n + count);
        const [afterTs, m] = parseIntegers(line, line.indexOf('\t') + 1, scratchTs, n, same);
        const [afterCodes] = parseIntegers(line, afterTs + 1, scratchCode, n, same);
        parseIntegers(line, afterCodes + 1, scratchKey, n, eventKey);
        n += m;
        await advance(c);
      }
      while (nextStage < stages.length && (stages[nextStage] as StageRow).personKey === key) {
        const st = stages[nextStage] as StageRow;
        reserve(n + 1);
        scratchTs[n] = st.enteredUs;
        scratchCode[n] = stageCode;
        scratchKey[n] = st.rid * 2 + 1;
        n += 1;
        nextStage += 1;
      }
      if (row + n > eventCount) throw overflow();
      const order = Array.from({ length: n }, (_, i) => i);
      order.sort(
        (a, b) =>
          (scratchTs[a] as number) - (scratchTs[b] as number) || (scratchKey[a] as number) - (scratchKey[b] as number),
      );
      for (const i of order) {
        const k = scratchKey[i] as number;
        tsUs[row] = scratchTs[i] as number;
        eventCode[row] = scratchCode[i] as number;
        if (k % 2 === 0) seqs[row] = k / 2 + 1;
        else {
          seqs[row] = -1;
          stageRow.set((k - 1) / 2, row);
        }
        row += 1;
      }
    }
    personKeys.push(key);
    starts.push(row);
  }
  if (row !== eventCount) {
    throw new FunnelscopeError('store_error', `ClickHouse: read ${row} events of ${eventCount} counted; retry`);
  }
  const personStarts = sharedInt32(starts.length);
  personStarts.set(starts);
  const seqLookup = lookupBySeq(seqs, row);
  return {
    columns: { eventCount: row, personCount: personKeys.length, personStarts, tsUs, eventCode, eventNames },
    personKeys,
    seqLookup,
    stageRow,
  };
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
