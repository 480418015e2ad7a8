import { FunnelscopeError } from '../../model/errors.js';
import type { DictionaryColumn, EventColumns } from '../event-columns.js';
import { sharedFloat64, sharedInt32 } from '../shared-arrays.js';
import type { ClickHouseShards } from './clickhouse-shards.js';
import { chString, chStrings, tsvField, tsvNumbers } from './clickhouse-sql.js';

/**
 * The funnel engine's columns from a ClickHouse cluster. Each shard groups its own events by person (after joining
 * `person_map`, so merged ids count as one person) and sends one row per person, in person-key order: the person's
 * times, event codes and seqs. Only these per-person sequences cross the network. The coordinator merges the
 * shards' streams in key order (a person whose ids arrived on different shards is on several) and sorts each
 * person's events by time, then seq (the order of arrival, as DuckDB's rowid).
 */

/** Orders strings as ClickHouse and DuckDB do: by their UTF-8 bytes. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
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
  seqs: Float64Array;
  bySeq: Int32Array;
  /** The row of each deal stage change, by its rid. */
  stageRow: Map<number, number>;
}

/** A deal stage change as an event of its deal's person (`$deal_stage`). */
export interface StageRow {
  rid: number;
  personKey: string;
  enteredUs: number;
}

interface ShardCursor {
  lines: AsyncGenerator<string>;
  key: string;
  fields: string[];
  done: boolean;
}

async function advance(cursor: ShardCursor): Promise<void> {
  const next = await cursor.lines.next();
  if (next.done) {
    cursor.done = true;
    return;
  }
  const fields = next.value.split('\t');
  cursor.key = tsvField(fields[0] as string) ?? '';
  cursor.fields = fields;
}

export async function loadColumns(
  shards: ClickHouseShards,
  database: string,
  project: string,
  storedEvents: number,
  stageRows: readonly StageRow[],
): Promise<LoadedColumns> {
  const nameRows = await shards.rows(
    0,
    `SELECT DISTINCT event FROM ${database}.events WHERE project_id = ${chString(project)} ORDER BY event`,
  );
  const eventNames = nameRows.map((r) => tsvField(r[0] as string) ?? '');
  // Deal stage changes join the names as `$deal_stage` (in byte order, as DuckDB numbers them).
  if (stageRows.length > 0 && !eventNames.includes('$deal_stage')) {
    eventNames.push('$deal_stage');
    eventNames.sort(compareBytes);
  }
  const stageCode = eventNames.indexOf('$deal_stage');
  const stages = [...stageRows].sort((a, b) => compareBytes(a.personKey, b.personKey));
  let nextStage = 0;
  const eventCount = storedEvents + stages.length;
  const sql = `SELECT person_key, groupArray(ts_us), groupArray(code), groupArray(seq) FROM (
                 ${personEventsSql(database, project, `e.ts_us AS ts_us, indexOf(${chStrings(eventNames)}, e.event) - 1 AS code, toInt64(e.seq) AS seq`)}
               ) GROUP BY person_key ORDER BY person_key`;
  const cursors: ShardCursor[] = [];
  for (let i = 0; i < shards.count; i += 1) {
    const cursor: ShardCursor = { lines: shards.lines(i, sql), key: '', fields: [], done: false };
    cursors.push(cursor);
  }
  await Promise.all(cursors.map(advance));

  const tsUs = sharedFloat64(eventCount);
  const eventCode = sharedInt32(eventCount);
  const seqs = new Float64Array(eventCount);
  const stageRow = new Map<number, number>();
  const starts: number[] = [0];
  const personKeys: string[] = [];
  let row = 0;
  const scratchTs: number[] = [];
  const scratchCode: number[] = [];
  /** DuckDB's tie order at one instant: rowid * 2 for events (seq − 1), rowid * 2 + 1 for stage changes. */
  const scratchKey: number[] = [];
  for (;;) {
    let key: string | null = null;
    for (const c of cursors) {
      if (!c.done && (key === null || compareBytes(c.key, key) < 0)) key = c.key;
    }
    const stage = stages[nextStage];
    if (stage && (key === null || compareBytes(stage.personKey, key) < 0)) key = stage.personKey;
    if (key === null) break;
    scratchTs.length = 0;
    scratchCode.length = 0;
    scratchKey.length = 0;
    for (const c of cursors) {
      if (c.done || c.key !== key) continue;
      for (const t of tsvNumbers(c.fields[1] as string)) scratchTs.push(t);
      for (const code of tsvNumbers(c.fields[2] as string)) scratchCode.push(code);
      for (const s of tsvNumbers(c.fields[3] as string)) scratchKey.push((s - 1) * 2);
      await advance(c);
    }
    while (nextStage < stages.length && (stages[nextStage] as StageRow).personKey === key) {
      const st = stages[nextStage] as StageRow;
      scratchTs.push(st.enteredUs);
      scratchCode.push(stageCode);
      scratchKey.push(st.rid * 2 + 1);
      nextStage += 1;
    }
    const n = scratchTs.length;
    if (row + n > eventCount) {
      throw new FunnelscopeError('store_error', 'ClickHouse: more events arrived while the columns were read; retry');
    }
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
    personKeys.push(key);
    starts.push(row);
  }
  if (row !== eventCount) {
    throw new FunnelscopeError('store_error', `ClickHouse: read ${row} events of ${eventCount} counted; retry`);
  }
  const personStarts = sharedInt32(starts.length);
  personStarts.set(starts);
  const bySeq = Int32Array.from({ length: row }, (_, i) => i);
  bySeq.sort((a, b) => (seqs[a] as number) - (seqs[b] as number));
  return {
    columns: { eventCount: row, personCount: personKeys.length, personStarts, tsUs, eventCode, eventNames },
    personKeys,
    seqs,
    bySeq,
    stageRow,
  };
}

/** The row of an event by its seq; -1 when it is not among the loaded rows. */
export function rowOfSeq(loaded: LoadedColumns, seq: number): number {
  let lo = 0;
  let hi = loaded.bySeq.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = loaded.bySeq[mid] as number;
    const value = loaded.seqs[at] as number;
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
