import duckdb from '@duckdb/node-bindings';
import type { DictionaryColumn, EventColumns, EventValueSource } from '../../event-columns.js';
import { quoteIdentifier } from '../../sql/quote.js';
import type { DuckDBDatabase } from '../duckdb-database.js';

/**
 * Reads a project's events into sorted typed arrays for the funnel engine. SQL selects, numbers and sorts
 * (persons, event names and values become dense integer codes); the integer columns then cross into JavaScript
 * as raw vector memory, chunk by chunk, without a JS value per cell.
 *
 * The rows of the last load live in the temp table `funnel_rows` (rowid = position in the arrays), so property
 * columns loaded later line up with them. A deal stage change is an event `$deal_stage` of the person whose
 * user id the deal names (src 1); events are src 0.
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
  SELECT 1, c.rowid, coalesce(m.person_id, d.user_id), epoch_us(c.entered_at), '$deal_stage'
  FROM deal_stage_changes c
  JOIN deals d ON d.project_id = c.project_id AND d.deal_id = c.deal_id
  LEFT JOIN person_map m ON m.project_id = d.project_id AND m.distinct_id = d.user_id
  WHERE c.project_id = $project AND d.user_id IS NOT NULL`;

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

/** Deal stage events carry these properties. */
const dealStageProperties: Readonly<Record<string, string>> = {
  stage: 'c.stage',
  deal_id: 'c.deal_id',
  amount: 'CAST(d.amount AS VARCHAR)',
  pipeline: 'd.pipeline',
  owner: 'd.owner',
  status: 'd.status',
};

function eventValueSql(property: string): string {
  const promoted = promotedColumns[property];
  const json = `e.properties->>$propertyPath`;
  return promoted ? `coalesce(${json}, CAST(e.${quoteIdentifier(promoted)} AS VARCHAR))` : json;
}

/** (src, rid, value) of every row that has a value from `source`. */
function valueRowsSql(source: EventValueSource): string {
  if (source.kind === 'event') {
    const deal = dealStageProperties[source.property];
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
  if (source.kind === 'group_key') {
    return `SELECT 0 AS src, e.rowid AS rid, e.groups->>$groupTypePath AS value
            FROM events e WHERE e.project_id = $project AND e.groups IS NOT NULL`;
  }
  // Group traits: the latest group call of that type and key that set the property.
  return `WITH traits AS (
            SELECT groups->>'company' AS key, arg_max(properties->>$propertyPath, ts) AS value
            FROM events
            WHERE project_id = $project AND type = 'group' AND properties->>$propertyPath IS NOT NULL
              AND coalesce(properties->>'/$group_type', 'company') = $groupType
            GROUP BY 1)
          SELECT 0 AS src, e.rowid AS rid, t.value
          FROM events e JOIN traits t ON t.key = e.groups->>$groupTypePath
          WHERE e.project_id = $project AND e.groups IS NOT NULL`;
}

/** Copies INTEGER / DOUBLE / BIGINT columns of a streamed result into typed arrays, in row order. */
async function readNumericColumns<T extends (Int32Array | Float64Array)[]>(
  db: DuckDBDatabase,
  sql: string,
  params: Record<string, string>,
  targets: T,
): Promise<number> {
  const result = await db.connection.stream(sql, params);
  let offset = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    targets.forEach((target, c) => {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, c);
      const bytes = duckdb.vector_get_data(vector, n * target.BYTES_PER_ELEMENT);
      const view =
        target instanceof Int32Array
          ? new Int32Array(bytes.buffer, bytes.byteOffset, n)
          : new Float64Array(bytes.buffer, bytes.byteOffset, n);
      target.set(view, offset);
    });
    offset += n;
  }
  return offset;
}

export async function loadEventColumns(db: DuckDBDatabase, project: string): Promise<EventColumns> {
  await db.run(`CREATE OR REPLACE TEMP TABLE funnel_source AS SELECT * FROM (${sourceRowsSql})`, { project });
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_persons AS
     SELECT person_key, CAST(row_number() OVER (ORDER BY person_key) - 1 AS INTEGER) AS person_idx
     FROM (SELECT DISTINCT person_key FROM funnel_source)`,
  );
  const names = await db.rows<{ event: string }>(`SELECT DISTINCT event FROM funnel_source ORDER BY event`);
  const eventNames = names.map((r) => r.event);
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_names AS
     SELECT event, CAST(row_number() OVER (ORDER BY event) - 1 AS INTEGER) AS code
     FROM (SELECT DISTINCT event FROM funnel_source)`,
  );
  // Insertion order is the sort order, so rowid = position in the arrays.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_rows AS
     SELECT s.src, s.rid, p.person_idx, CAST(s.ts_us AS DOUBLE) AS ts_us, n.code
     FROM funnel_source s JOIN funnel_persons p USING (person_key) JOIN funnel_names n USING (event)
     ORDER BY p.person_idx, s.ts_us, s.src, s.rid`,
  );
  await db.run(`DROP TABLE funnel_source`);
  const eventCount = Number(await db.value<bigint>(`SELECT count(*) FROM funnel_rows`));
  const personCount = Number(await db.value<bigint>(`SELECT count(*) FROM funnel_persons`));
  const personIdx = new Int32Array(eventCount);
  const tsUs = new Float64Array(eventCount);
  const eventCode = new Int32Array(eventCount);
  await readNumericColumns(db, `SELECT person_idx, ts_us, code FROM funnel_rows ORDER BY rowid`, {}, [
    personIdx,
    tsUs,
    eventCode,
  ]);
  const personStarts = new Int32Array(personCount + 1);
  for (let i = 0; i < eventCount; i += 1)
    personStarts[(personIdx[i] as number) + 1] = (personStarts[(personIdx[i] as number) + 1] as number) + 1;
  for (let p = 0; p < personCount; p += 1)
    personStarts[p + 1] = (personStarts[p + 1] as number) + (personStarts[p] as number);
  return { eventCount, personCount, personStarts, tsUs, eventCode, eventNames };
}

/** Dictionary-encodes (pos, value) rows of the temp table `funnel_values` into a column of `length` codes. */
async function encodeValues(db: DuckDBDatabase, length: number, indexColumn: string): Promise<DictionaryColumn> {
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_dictionary AS
     SELECT value, CAST(row_number() OVER (ORDER BY value) AS INTEGER) AS code
     FROM (SELECT DISTINCT value FROM funnel_values)`,
  );
  const values: (string | null)[] = [null];
  for (const r of await db.rows<{ value: string }>(`SELECT value FROM funnel_dictionary ORDER BY code`)) {
    values.push(r.value);
  }
  const count = Number(await db.value<bigint>(`SELECT count(*) FROM funnel_values`));
  const positions = new Int32Array(count);
  const codes = new Int32Array(count);
  await readNumericColumns(
    db,
    `SELECT CAST(v.${indexColumn} AS INTEGER), d.code FROM funnel_values v JOIN funnel_dictionary d USING (value)`,
    {},
    [positions, codes],
  );
  const column = new Int32Array(length);
  for (let i = 0; i < count; i += 1) column[positions[i] as number] = codes[i] as number;
  await db.run(`DROP TABLE funnel_values; DROP TABLE funnel_dictionary`);
  return { codes: column, values };
}

export async function loadEventValues(
  db: DuckDBDatabase,
  project: string,
  source: EventValueSource,
): Promise<DictionaryColumn> {
  const params: Record<string, string> = { project };
  if (source.kind !== 'group_key') params.propertyPath = jsonPointer(source.property);
  if (source.kind !== 'event') {
    params.groupTypePath = jsonPointer(source.groupType);
    if (source.kind === 'group') params.groupType = source.groupType;
  }
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_values AS
     SELECT r.rowid AS pos, v.value FROM funnel_rows r JOIN (${valueRowsSql(source)}) v USING (src, rid)
     WHERE v.value IS NOT NULL`,
    params,
  );
  const length = Number(await db.value<bigint>(`SELECT count(*) FROM funnel_rows`));
  return encodeValues(db, length, 'pos');
}

export async function loadPersonValues(
  db: DuckDBDatabase,
  project: string,
  property: string,
): Promise<DictionaryColumn> {
  await db.run(
    `CREATE OR REPLACE TEMP TABLE funnel_values AS
     SELECT p.person_idx, arg_max(e.properties->>$propertyPath, e.ts) AS value
     FROM events e
     LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
     JOIN funnel_persons p ON p.person_key = ${personKeySql}
     WHERE e.project_id = $project AND e.type = 'identify' AND e.properties->>$propertyPath IS NOT NULL
     GROUP BY 1`,
    { project, propertyPath: jsonPointer(property) },
  );
  const length = Number(await db.value<bigint>(`SELECT count(*) FROM funnel_persons`));
  return encodeValues(db, length, 'person_idx');
}
