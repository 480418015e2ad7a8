import duckdb from '@duckdb/node-bindings';
import { FunnelscopeError } from '../../../model/errors.js';
import {
  type DictionaryColumn,
  type EventColumns,
  type EventValueSource,
  storedEventColumns,
} from '../../event-columns.js';
import { sharedFloat64, sharedInt32 } from '../../shared-arrays.js';
import { quoteIdentifier } from '../../sql/quote.js';
import type { DuckDBDatabase } from '../duckdb-database.js';
import { createDealPeople } from './create-deal-people.js';

/**
 * Reads a project's events into sorted typed arrays for the funnel engine. SQL selects and numbers (persons, event
 * names and values become dense integer codes); the integer columns cross into JavaScript as raw vector memory,
 * chunk by chunk, without a JS value per cell, and are sorted there.
 *
 * Property columns loaded later line up with the arrays through the row positions of the last load. A deal stage
 * change is an event `$deal_stage` of the deal's person (src 1; `deal_people`, create-deal-people.ts); events are
 * src 0. Every
 * `->>` below is parenthesised: DuckDB binds it more loosely than AND, = and IS NOT NULL.
 */

/**
 * A JSON pointer to one key: `->>` reads a string starting with `$` as a JSONPath, so a property named `$browser`
 * needs the pointer form `/$browser` (with `~` and `/` escaped) to be read as a plain key.
 */
export function jsonPointer(key: string): string {
  return `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

const personKeySql = `coalesce(m.person_id, e.distinct_id)`;

/** The events and deal stage changes of $project, one row each: (src, rid, person_key, ts_us, event). */
const sourceRowsSql = `
  SELECT 0 AS src, e.rowid AS rid, ${personKeySql} AS person_key, epoch_us(e.ts) AS ts_us, e.event
  FROM events e LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
  WHERE e.project_id = $project
  UNION ALL
  SELECT 1, c.rowid, dp.person_key, epoch_us(c.entered_at), '$deal_stage'
  FROM deal_stage_changes c JOIN deal_people dp ON dp.deal_id = c.deal_id
  WHERE c.project_id = $project`;

/** Event properties that imports also keep as typed columns (read when the JSON lacks the key). */
const promotedColumns: Readonly<Record<string, string>> = {
  $browser: 'browser',
  browser: 'browser',
  $os: 'os',
  os: 'os',
  $device_type: 'device_type',
  device_type: 'device_type',
  channel: 'channel',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  utm_term: 'utm_term',
  utm_content: 'utm_content',
  $current_url: 'url',
  url: 'url',
  $pathname: 'path',
  path: 'path',
  $referrer: 'referrer',
  referrer: 'referrer',
  $session_id: 'session_id',
  session_id: 'session_id',
  country: 'country',
  $geoip_country_code: 'country',
  revenue: 'revenue',
};

/** Deal stage events carry these properties (c: the stage change, d: its deal). */
export const dealStageProperties: Readonly<Record<string, string>> = {
  stage: 'c.stage',
  deal_id: 'c.deal_id',
  amount: 'CAST(d.amount AS VARCHAR)',
  pipeline: 'd.pipeline',
  owner: 'd.owner',
  status: 'd.status',
};

/** The typed column an event property falls back to; undefined for any other name (own keys only). */
export function promotedColumn(property: string): string | undefined {
  return Object.hasOwn(promotedColumns, property) ? promotedColumns[property] : undefined;
}

/** The SQL of a deal stage event's property; undefined for any other name (own keys only: not `toString`). */
export function dealStageExpression(property: string): string | undefined {
  return Object.hasOwn(dealStageProperties, property) ? dealStageProperties[property] : undefined;
}

function eventValueSql(property: string): string {
  const promoted = promotedColumn(property);
  const json = `(e.properties->>$propertyPath)`;
  return promoted ? `coalesce(${json}, CAST(e.${quoteIdentifier(promoted)} AS VARCHAR))` : json;
}

/** (src, rid, value) of every row that has a value from `source`. */
function valueRowsSql(source: EventValueSource): string {
  if (source.kind === 'event') {
    const deal = dealStageExpression(source.property);
    return `SELECT 0 AS src, e.rowid AS rid, ${eventValueSql(source.property)} AS value
            FROM events e WHERE e.project_id = $project
            ${
              deal
                ? `UNION ALL SELECT 1, c.rowid, ${deal} FROM deal_stage_changes c
                   JOIN deals d ON d.project_id = c.project_id AND d.deal_id = c.deal_id
                   WHERE c.project_id = $project`
                : ''
            }`;
  }
  if (source.kind === 'identify') {
    return `SELECT 0 AS src, e.rowid AS rid, (e.properties->>$propertyPath) AS value
            FROM events e WHERE e.project_id = $project AND e.type = 'identify'`;
  }
  if (source.kind === 'column') {
    if (!(storedEventColumns as readonly string[]).includes(source.column)) {
      throw new FunnelscopeError('internal', `no stored event column ${source.column}`);
    }
    return `SELECT 0 AS src, e.rowid AS rid, CAST(e.${quoteIdentifier(source.column)} AS VARCHAR) AS value
            FROM events e WHERE e.project_id = $project`;
  }
  if (source.kind === 'group_key') {
    return `SELECT 0 AS src, e.rowid AS rid, (e.groups->>$groupTypePath) AS value
            FROM events e WHERE e.project_id = $project AND e.groups IS NOT NULL`;
  }
  // Group traits: the latest group call of that type and key that set the property.
  return `WITH traits AS (
            SELECT (groups->>'company') AS key, arg_max((properties->>$propertyPath), ts) AS value
            FROM events
            WHERE project_id = $project AND type = 'group' AND (properties->>$propertyPath) IS NOT NULL
              AND coalesce((properties->>'/$group_type'), 'company') = $groupType
            GROUP BY 1)
          SELECT 0 AS src, e.rowid AS rid, t.value
          FROM events e JOIN traits t ON t.key = (e.groups->>$groupTypePath)
          WHERE e.project_id = $project AND e.groups IS NOT NULL`;
}

/**
 * Where each loaded row sits in the arrays, so property columns loaded later line up: by event rowid and by deal
 * stage change rowid. Kept by the store between loads.
 */
export interface RowPositions {
  eventCount: number;
  personCount: number;
  ofEvent: Int32Array;
  ofStageChange: Int32Array;
}

/**
 * The temp table `funnel_persons` (person key → index, in key order, so the same data always numbers the same):
 * person properties are read through it.
 */
export async function createPersonTable(db: DuckDBDatabase, project: string): Promise<void> {
  await createDealPeople(db, project);
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_persons AS
     SELECT person_key, CAST(row_number() OVER (ORDER BY person_key) - 1 AS INTEGER) AS person_idx
     FROM (SELECT DISTINCT person_key FROM (${sourceRowsSql}))`,
    { project },
  );
}

/**
 * Streams (person, time, event, source key) of every event and deal stage change; persons are numbered by a
 * temp table (`funnel_persons`, also used for person properties) and names by their sorted order. The rows are
 * then sorted by person and time here, a counting sort by person and an insertion sort within each person (rows
 * arrive roughly in time order): faster than DuckDB's ORDER BY of the full table on two cores.
 */
export async function loadEventColumns(
  db: DuckDBDatabase,
  project: string,
): Promise<{ columns: EventColumns; positions: RowPositions }> {
  await createPersonTable(db, project);
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_names AS
     SELECT event, CAST(row_number() OVER (ORDER BY event) - 1 AS INTEGER) AS code
     FROM (SELECT DISTINCT event FROM events WHERE project_id = $project
           UNION SELECT '$deal_stage' FROM deal_stage_changes WHERE project_id = $project)`,
    { project },
  );
  const eventNames = (await db.rows<{ event: string }>(`SELECT event FROM funnel_names ORDER BY code`)).map(
    (r) => r.event,
  );
  const personCount = Number(await db.value<bigint>(`SELECT count(*) FROM funnel_persons`));

  // Unsorted rows; key = rid * 2 + src (exact in a double). Sized by a count first (the source's rows without its
  // person join), so no array is grown.
  const expected = Number(
    await db.value<bigint>(
      `SELECT (SELECT count(*) FROM events WHERE project_id = $project)
            + (SELECT count(*) FROM deal_stage_changes c JOIN deal_people dp ON dp.deal_id = c.deal_id
               WHERE c.project_id = $project)`,
      { project },
    ),
  );
  const person = new Int32Array(expected);
  const ts = new Float64Array(expected);
  const code = new Int32Array(expected);
  const key = new Float64Array(expected);
  const result = await db.connection.stream(
    `SELECT p.person_idx, CAST(s.ts_us AS DOUBLE), n.code, CAST(s.rid * 2 + s.src AS DOUBLE)
     FROM (${sourceRowsSql}) s JOIN funnel_persons p USING (person_key) JOIN funnel_names n USING (event)`,
    { project },
  );
  let count = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const size = chunk.rowCount;
    if (count + size > expected) throw new FunnelscopeError('internal', 'event columns: more rows than counted');
    copyVector(chunk, 0, size, person, count);
    copyVector(chunk, 1, size, ts, count);
    copyVector(chunk, 2, size, code, count);
    copyVector(chunk, 3, size, key, count);
    count += size;
  }

  const { personStarts, tsUs, eventCode, keys } = sortRows(person, ts, code, key, count, personCount);
  let maxEvent = -1;
  let maxStage = -1;
  for (let j = 0; j < count; j += 1) {
    const k = keys[j] as number;
    if (k % 2 === 0) {
      if (k / 2 > maxEvent) maxEvent = k / 2;
    } else if ((k - 1) / 2 > maxStage) maxStage = (k - 1) / 2;
  }
  const ofEvent = new Int32Array(maxEvent + 1).fill(-1);
  const ofStageChange = new Int32Array(maxStage + 1).fill(-1);
  for (let j = 0; j < count; j += 1) {
    const k = keys[j] as number;
    if (k % 2 === 0) ofEvent[k / 2] = j;
    else ofStageChange[(k - 1) / 2] = j;
  }
  return {
    columns: { eventCount: count, personCount, personStarts, tsUs, eventCode, eventNames },
    positions: { eventCount: count, personCount, ofEvent, ofStageChange },
  };
}

/**
 * Sorts the rows by person, then time, then key: a stable counting sort scatters the columns into person order
 * (sequential reads), then each person's run, now contiguous, is insertion-sorted in place (short runs, often
 * nearly sorted) or, when long, sorted through an index.
 */
function sortRows(
  person: Int32Array,
  ts: Float64Array,
  code: Int32Array,
  key: Float64Array,
  count: number,
  personCount: number,
): { personStarts: Int32Array; tsUs: Float64Array; eventCode: Int32Array; keys: Float64Array } {
  const personStarts = sharedInt32(personCount + 1);
  for (let i = 0; i < count; i += 1) {
    const p = (person[i] as number) + 1;
    personStarts[p] = (personStarts[p] as number) + 1;
  }
  for (let p = 0; p < personCount; p += 1) {
    personStarts[p + 1] = (personStarts[p + 1] as number) + (personStarts[p] as number);
  }
  // Two scatter passes (by the person's high bits, then by person inside each block) keep the writes local:
  // one random scatter over hundreds of MB would wait on memory for every row.
  const shift = Math.max(0, Math.ceil(Math.log2(personCount + 1)) - 8);
  const blocks = (personCount >> shift) + 1;
  const blockStarts = new Int32Array(blocks + 1);
  for (let b = 0; b < blocks; b += 1) blockStarts[b] = personStarts[Math.min(personCount, b << shift)] as number;
  blockStarts[blocks] = count;
  const midPerson = new Int32Array(count);
  const midTs = new Float64Array(count);
  const midCode = new Int32Array(count);
  const midKey = new Float64Array(count);
  const nextBlock = blockStarts.slice(0, blocks);
  for (let i = 0; i < count; i += 1) {
    const p = person[i] as number;
    const b = p >> shift;
    const at = nextBlock[b] as number;
    nextBlock[b] = at + 1;
    midPerson[at] = p;
    midTs[at] = ts[i] as number;
    midCode[at] = code[i] as number;
    midKey[at] = key[i] as number;
  }
  const tsUs = sharedFloat64(count);
  const eventCode = sharedInt32(count);
  const keys = new Float64Array(count);
  const next = personStarts.slice(0, personCount);
  for (let i = 0; i < count; i += 1) {
    const p = midPerson[i] as number;
    const at = next[p] as number;
    next[p] = at + 1;
    tsUs[at] = midTs[i] as number;
    eventCode[at] = midCode[i] as number;
    keys[at] = midKey[i] as number;
  }
  for (let p = 0; p < personCount; p += 1) {
    const begin = personStarts[p] as number;
    const end = personStarts[p + 1] as number;
    if (end - begin > 64) {
      sortRun(tsUs, eventCode, keys, begin, end);
      continue;
    }
    for (let j = begin + 1; j < end; j += 1) {
      const tx = tsUs[j] as number;
      const kx = keys[j] as number;
      const cx = eventCode[j] as number;
      let k = j - 1;
      while (k >= begin) {
        const ty = tsUs[k] as number;
        if (ty < tx || (ty === tx && (keys[k] as number) < kx)) break;
        tsUs[k + 1] = ty;
        keys[k + 1] = keys[k] as number;
        eventCode[k + 1] = eventCode[k] as number;
        k -= 1;
      }
      tsUs[k + 1] = tx;
      keys[k + 1] = kx;
      eventCode[k + 1] = cx;
    }
  }
  return { personStarts, tsUs, eventCode, keys };
}

function sortRun(ts: Float64Array, code: Int32Array, key: Float64Array, begin: number, end: number): void {
  const index = Array.from({ length: end - begin }, (_, i) => begin + i);
  index.sort((a, b) => (ts[a] as number) - (ts[b] as number) || (key[a] as number) - (key[b] as number));
  const t = index.map((i) => ts[i] as number);
  const c = index.map((i) => code[i] as number);
  const k = index.map((i) => key[i] as number);
  ts.set(t, begin);
  code.set(c, begin);
  key.set(k, begin);
}

function copyVector(
  chunk: { chunk: unknown },
  column: number,
  size: number,
  target: Int32Array | Float64Array,
  offset: number,
): void {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk as duckdb.DataChunk, column);
  const bytes = duckdb.vector_get_data(vector, size * target.BYTES_PER_ELEMENT);
  const view =
    target instanceof Int32Array
      ? new Int32Array(bytes.buffer, bytes.byteOffset, size)
      : new Float64Array(bytes.buffer, bytes.byteOffset, size);
  target.set(view, offset);
}

/** Dictionary-encodes (key, value) rows of the temp table `funnel_values` into codes by position. */
async function encodeValues(
  db: DuckDBDatabase,
  length: number,
  positionOf: (key: number) => number,
): Promise<DictionaryColumn> {
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_dictionary AS
     SELECT value, CAST(row_number() OVER (ORDER BY value) AS INTEGER) AS code
     FROM (SELECT DISTINCT value FROM funnel_values)`,
  );
  const values: (string | null)[] = [null];
  for (const r of await db.rows<{ value: string }>(`SELECT value FROM funnel_dictionary ORDER BY code`)) {
    values.push(r.value);
  }
  const codes = sharedInt32(length);
  const result = await db.connection.stream(
    `SELECT CAST(v.k AS DOUBLE), d.code FROM funnel_values v JOIN funnel_dictionary d USING (value)`,
  );
  let keys = new Float64Array(0);
  let found = new Int32Array(0);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const size = chunk.rowCount;
    if (keys.length < size) {
      keys = new Float64Array(size);
      found = new Int32Array(size);
    }
    copyVector(chunk, 0, size, keys, 0);
    copyVector(chunk, 1, size, found, 0);
    for (let i = 0; i < size; i += 1) {
      const at = positionOf(keys[i] as number);
      if (at >= 0) codes[at] = found[i] as number;
    }
  }
  await db.run(`DROP TABLE funnel_values; DROP TABLE funnel_dictionary`);
  return { codes, values };
}

export async function loadEventValues(
  db: DuckDBDatabase,
  project: string,
  source: EventValueSource,
  positions: RowPositions,
): Promise<DictionaryColumn> {
  const params: Record<string, string> = { project };
  if (source.kind === 'event' || source.kind === 'group' || source.kind === 'identify') {
    params.propertyPath = jsonPointer(source.property);
  }
  if (source.kind === 'group_key' || source.kind === 'group') {
    params.groupTypePath = jsonPointer(source.groupType);
    if (source.kind === 'group') params.groupType = source.groupType;
  }
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_values AS
     SELECT rid * 2 + src AS k, value FROM (${valueRowsSql(source)}) WHERE value IS NOT NULL`,
    params,
  );
  return encodeValues(db, positions.eventCount, (k) => {
    const rid = Math.floor(k / 2);
    const at = k % 2 === 0 ? positions.ofEvent[rid] : positions.ofStageChange[rid];
    return at ?? -1;
  });
}

/** Each person's key, by person index (run after `createPersonTable`). */
export async function loadPersonKeys(db: DuckDBDatabase, positions: RowPositions): Promise<DictionaryColumn> {
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_values AS SELECT person_idx AS k, person_key AS value FROM funnel_persons`,
  );
  return encodeValues(db, positions.personCount, (k) => k);
}

export async function loadPersonValues(
  db: DuckDBDatabase,
  project: string,
  property: string,
  positions: RowPositions,
): Promise<DictionaryColumn> {
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_values AS
     SELECT p.person_idx AS k, arg_max((e.properties->>$propertyPath), e.ts) AS value
     FROM events e
     LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
     JOIN funnel_persons p ON p.person_key = ${personKeySql}
     WHERE e.project_id = $project AND e.type = 'identify' AND (e.properties->>$propertyPath) IS NOT NULL
     GROUP BY 1`,
    { project, propertyPath: jsonPointer(property) },
  );
  return encodeValues(db, positions.personCount, (k) => k);
}
