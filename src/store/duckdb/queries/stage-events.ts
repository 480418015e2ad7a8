import { displayClickIds, searchClickIds, socialClickIds } from '../../../ingest/channels.js';
import type { CsvDelimiter } from '../../../ingest/files.js';
import { defaultGroupType, eventNameByType, type MessageField } from '../../../ingest/segment-fields.js';
import { quoteIdentifier, stringLiteral } from '../../sql/quote.js';
import { type ChannelInputs, channelSql, mediumSql, sourceSql } from './channel-sql.js';
import { type LineEnding, readCsvSql, readLinesSql, rowColumn, stageRejects } from './csv-reader.js';
import { timestampSql } from './parse-values.js';

/**
 * SQL that turns an input file into `stage_msg` (one row per Segment message, fields still text) and then into
 * `stage_events` (one row per message in the shape of the events table, plus `error` = 'field|reason' for a
 * message that cannot be stored). Every format lands in the same `stage_msg` columns, so one normaliser serves
 * them all. The file path is always the bound parameter $file.
 */

/** What the channel grouping reads of a staged message (p: its properties, flattened). */
const channelInputs: ChannelInputs = {
  explicit: 'coalesce(p.channel, p."$channel")',
  url: 'url',
  referrer: 'referrer',
  source: 'utm_source',
  medium: 'utm_medium',
  property: (name) => `NULLIF(p.${quoteIdentifier(name)}, '')`,
};

/** The text columns of stage_msg besides row_no / item_no / parse_error. */
const messageColumns: Record<MessageField, string> = {
  type: 'type',
  messageId: 'message_id',
  timestamp: 'timestamp',
  userId: 'user_id',
  anonymousId: 'anonymous_id',
  event: 'event',
  name: 'name',
  groupId: 'group_id',
  previousId: 'previous_id',
  properties: 'properties',
  traits: 'traits',
  context: 'context',
};

const jsonFields = new Set<MessageField>(['properties', 'traits', 'context']);

/** Properties that fill promoted event columns (url, utm_*, device, …). */
const promotedProperties = [
  'url',
  'path',
  'referrer',
  '$current_url',
  '$pathname',
  '$referrer',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'revenue',
  '$session_id',
  'session_id',
  '$browser',
  'browser',
  '$os',
  'os',
  '$device_type',
  'device_type',
  'device',
  'channel',
  '$channel',
  'country',
  '$geoip_country_code',
  ...searchClickIds,
  ...socialClickIds,
  ...displayClickIds,
  'fbclid',
] as const;

const propertyStruct = `'${JSON.stringify(Object.fromEntries(promotedProperties.map((name) => [name, 'VARCHAR'])))}'`;

/** The fields of a Segment message funnelscope reads, with the DuckDB type each is read as. */
const messageFields: Record<string, string> = {
  type: 'VARCHAR',
  messageId: 'VARCHAR',
  timestamp: 'VARCHAR',
  originalTimestamp: 'VARCHAR',
  sentAt: 'VARCHAR',
  receivedAt: 'VARCHAR',
  userId: 'VARCHAR',
  anonymousId: 'VARCHAR',
  event: 'VARCHAR',
  name: 'VARCHAR',
  groupId: 'VARCHAR',
  previousId: 'VARCHAR',
  properties: 'JSON',
  traits: 'JSON',
  context: 'JSON',
  batch: 'JSON[]',
};

const messageStruct = stringLiteral(JSON.stringify(messageFields));

/**
 * NDJSON, fast: DuckDB's own parallel JSON reader. It stops at the first malformed line without saying which
 * record it was in our terms, so a file it rejects is read again line by line (`ndjsonLinesSetupSql`).
 */
function ndjsonReaderSetupSql(): string {
  const columns = Object.entries(messageFields)
    .map(([name, type]) => `${stringLiteral(name)}: ${stringLiteral(type)}`)
    .join(', ');
  const fields = Object.keys(messageFields)
    .map((name) => `${quoteIdentifier(name)} := ${quoteIdentifier(name)}`)
    .join(', ');
  return `CREATE OR REPLACE TEMP TABLE stage_parsed AS
    SELECT NULL::BIGINT AS row_no, NULL::INTEGER AS item_no, struct_pack(${fields}) AS j, NULL::VARCHAR AS parse_error
    FROM read_json($file, format = 'newline_delimited', columns = {${columns}})`;
}

/**
 * NDJSON: each line is read as one text value (DuckDB's CSV reader with a delimiter no JSON line contains), so a
 * bad line is a row with a line number rather than a reader error. A `{"batch":[…]}` line yields its items.
 * Unnumbered (a first attempt at a file), DuckDB's JSON reader is used instead: twice as fast.
 */
export function ndjsonMessagesSql(numbered: boolean, lineEnding: LineEnding): MessagesSql {
  return {
    setup: [
      numbered
        ? `CREATE OR REPLACE TEMP TABLE stage_parsed AS
       SELECT row_no, NULL::INTEGER AS item_no, j,
         CASE WHEN j IS NULL THEN 'line|not valid JSON (a truncated or malformed line)'
              WHEN j.type IS NULL AND j.event IS NULL AND j.userId IS NULL AND j.anonymousId IS NULL
                   AND coalesce(try(json_type(line)), '') <> 'OBJECT' THEN 'line|not a JSON object' END AS parse_error
       FROM (SELECT row_no, line, try(json_transform(line, ${messageStruct})) AS j
             FROM (SELECT ${rowNumberSql(numbered)} AS row_no, line
                   FROM ${readLinesSql(lineEnding)})
             WHERE line IS NOT NULL AND trim(line) <> '')`
        : ndjsonReaderSetupSql(),
      // Items of {"batch": […]} lines, numbered within their line.
      `INSERT INTO stage_parsed
       SELECT row_no, item_no, j, CASE WHEN j IS NULL THEN 'line|batch item is not a JSON object' END
       FROM (SELECT row_no, item_no::INTEGER AS item_no, try(json_transform(item, ${messageStruct})) AS j
             FROM (SELECT row_no, unnest(j.batch) AS item, unnest(range(1, len(j.batch) + 1)) AS item_no
                   FROM stage_parsed WHERE j.batch IS NOT NULL))`,
    ],
    select: `SELECT row_no, item_no, parse_error,
       j.type AS type, NULLIF(trim(j.messageId), '') AS message_id,
       coalesce(j.timestamp, j.originalTimestamp, j.sentAt, j.receivedAt) AS timestamp,
       j.userId AS user_id, j.anonymousId AS anonymous_id, j.event AS event, j.name AS name,
       j.groupId AS group_id, j.previousId AS previous_id,
       j.properties AS properties, j.traits AS traits, j.context AS context,
       try(json_transform(j.properties, ${propertyStruct})) AS p
     FROM stage_parsed WHERE j IS NULL OR j.batch IS NULL`,
    cleanup: ['DROP TABLE IF EXISTS stage_parsed'],
    checkShapes: true,
  };
}

/**
 * Row numbers of a CSV or line read keep the file's order, but computing them serialises the scan (it costs as
 * much as the rest of the staging). Clean files are staged without them; a file with a bad row or a repeated
 * message id is staged again numbered, to name lines and keep the first occurrence.
 */
function rowNumberSql(numbered: boolean): string {
  return numbered ? 'row_number() OVER ()' : 'NULL::BIGINT';
}

/** A relation of messages (the stage_msg columns plus `p`, the promoted properties) and what it needs. */
export interface MessagesSql {
  setup: string[];
  select: string;
  cleanup: string[];
  /** Whether properties/traits/context are input JSON to check (NDJSON); flat files' are built or checked earlier. */
  checkShapes: boolean;
}

export interface FlatColumn {
  /** The column's name in the file. */
  name: string;
  /** DuckDB type the reader gives it (CSV is read all-text). */
  type: string;
}

/** How a flat file's columns map to message fields; the rest become properties. */
export interface FlatLayout {
  fields: Partial<Record<MessageField, string>>;
  properties: { column: string; property: string }[];
}

/**
 * A property value from a CSV cell, as JSON text: empty means not set (NULL); integers and decimals without
 * leading zeros become JSON numbers and true/false booleans (so "95" and 95 agree); anything else a string.
 */
function csvPropertyJsonText(column: string): string {
  const c = quoteIdentifier(column);
  return `CASE WHEN ${c} IS NULL OR ${c} = '' THEN NULL
    WHEN regexp_full_match(${c}, '-?(0|[1-9][0-9]{0,14})(\\.[0-9]+)?') THEN ${c}
    WHEN ${c} IN ('true', 'false') THEN ${c}
    WHEN lower(${c}) IN ('true', 'false') THEN lower(${c})
    ELSE to_json(${c})::VARCHAR END`;
}

/** A property value from a typed (Parquet) column keeps its type. */
function typedPropertyJsonText(column: string): string {
  const text = `to_json(${quoteIdentifier(column)})::VARCHAR`;
  return `CASE WHEN ${text} IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE ${text} END`;
}

/**
 * A JSON object of the non-null values, assembled as text (about five times faster in DuckDB than building a map
 * and converting it) and checked by the cast to JSON. Keys are JSON-escaped here; values arrive as JSON text.
 */
function jsonObjectSql(entries: { key: string; valueSql: string }[]): string {
  if (entries.length === 0) return 'NULL::JSON';
  const members = entries.map((e) => `${stringLiteral(`${JSON.stringify(e.key)}:`)} || (${e.valueSql})`);
  return `NULLIF('{' || concat_ws(',', ${members.join(', ')}) || '}', '{}')::JSON`;
}

function flatFieldSql(layout: FlatLayout, field: MessageField, columnType: (c: string) => string): string {
  const column = layout.fields[field];
  const target = messageColumns[field];
  if (column === undefined) return `NULL::${jsonFields.has(field) ? 'JSON' : 'VARCHAR'} AS ${target}`;
  const c = quoteIdentifier(column);
  if (jsonFields.has(field)) {
    const type = columnType(column);
    // A JSON column in text form is parsed; a struct or map column is converted.
    return type === 'VARCHAR' || type === 'JSON'
      ? `CASE WHEN ${c} IS NULL OR ${c} = '' THEN NULL ELSE try(${c}::JSON) END AS ${target}`
      : `to_json(${c}) AS ${target}`;
  }
  if (field === 'timestamp') {
    const type = columnType(column);
    if (type.startsWith('TIMESTAMP') || type === 'DATE') {
      // Typed times: naive ones are UTC; rendered with an offset so the normaliser parses them unambiguously.
      return `strftime(${c}::TIMESTAMPTZ, '%Y-%m-%dT%H:%M:%S.%f%z') AS ${target}`;
    }
  }
  return `NULLIF(${c}::VARCHAR, '') AS ${target}`;
}

/** The `parse_error` of a flat row: a JSON-text column that does not parse. */
function flatParseErrorSql(layout: FlatLayout, columnType: (c: string) => string): string {
  const checks: string[] = [];
  for (const field of jsonFields) {
    const column = layout.fields[field];
    if (column === undefined) continue;
    const type = columnType(column);
    if (type !== 'VARCHAR' && type !== 'JSON') continue;
    const c = quoteIdentifier(column);
    checks.push(`WHEN ${c} IS NOT NULL AND ${c} <> '' AND try(${c}::JSON) IS NULL THEN '${field}|not valid JSON'`);
    checks.push(
      `WHEN ${c} IS NOT NULL AND ${c} <> '' AND left(ltrim(${c}), 1) <> '{' THEN '${field}|must be a JSON object'`,
    );
  }
  return checks.length === 0 ? 'NULL::VARCHAR' : `CASE ${checks.join(' ')} END`;
}

function flatSelectSql(layout: FlatLayout, columns: FlatColumn[], typed: boolean): string {
  const typeOf = new Map(columns.map((c) => [c.name, c.type.toUpperCase()]));
  const columnType = (c: string) => typeOf.get(c) ?? 'VARCHAR';
  const fieldList = (Object.keys(messageColumns) as MessageField[])
    .filter((f) => f !== 'properties')
    .map((f) => flatFieldSql(layout, f, columnType));
  const propertyEntries = layout.properties.map((p) => ({
    key: p.property,
    valueSql: typed ? typedPropertyJsonText(p.column) : csvPropertyJsonText(p.column),
  }));
  const fromColumns = jsonObjectSql(propertyEntries);
  const propertiesColumn = layout.fields.properties;
  const propertiesSql =
    propertiesColumn === undefined
      ? fromColumns
      : `json_merge_patch(coalesce(${flatFieldSql(layout, 'properties', columnType).replace(/ AS properties$/, '')}, '{}'), coalesce(${fromColumns}, '{}'))`;
  return `${flatParseErrorSql(layout, columnType)} AS parse_error, ${fieldList.join(', ')}, ${propertiesSql} AS properties`;
}

/**
 * The promoted properties of a flat row: the columns named like them, without parsing the JSON we just built.
 * A file with a `properties` JSON column is parsed instead.
 */
function flatPromotedSql(layout: FlatLayout): string {
  const json = layout.fields.properties;
  if (json !== undefined) return `try(json_transform(try(${quoteIdentifier(json)}::JSON), ${propertyStruct}))`;
  const byProperty = new Map(layout.properties.map((p) => [p.property, p.column]));
  const fields = promotedProperties.map((name) => {
    const column = byProperty.get(name);
    return `${quoteIdentifier(name)} := ${column === undefined ? 'NULL::VARCHAR' : `NULLIF(${quoteIdentifier(column)}::VARCHAR, '')`}`;
  });
  return `struct_pack(${fields.join(', ')})`;
}

/** CSV: read all-text with DuckDB's sniffer for the dialect; rows with the wrong column count go to rejects. */
export function csvMessagesSql(
  layout: FlatLayout,
  columns: FlatColumn[],
  numbered: boolean,
  delimiter: CsvDelimiter,
): MessagesSql {
  return {
    setup: [],
    select: `SELECT ${rowColumn} AS row_no, NULL::INTEGER AS item_no, ${flatSelectSql(layout, columns, false)},
       ${flatPromotedSql(layout)} AS p
       FROM (SELECT ${rowNumberSql(numbered)} AS ${rowColumn}, * FROM ${readCsvSql(delimiter, stageRejects)})`,
    cleanup: [],
    checkShapes: false,
  };
}

/** Parquet: typed columns; file_row_number gives the row. */
export function parquetMessagesSql(layout: FlatLayout, columns: FlatColumn[]): MessagesSql {
  return {
    setup: [],
    select: `SELECT file_row_number + 1 AS row_no, NULL::INTEGER AS item_no, ${flatSelectSql(layout, columns, true)},
       ${flatPromotedSql(layout)} AS p
       FROM read_parquet($file, file_row_number = true)`,
    cleanup: [],
    checkShapes: false,
  };
}

const contextStruct = `'{"page":{"url":"VARCHAR","path":"VARCHAR","referrer":"VARCHAR"},"campaign":{"source":"VARCHAR","medium":"VARCHAR","name":"VARCHAR","term":"VARCHAR","content":"VARCHAR"},"userAgent":"VARCHAR","device":{"type":"VARCHAR"},"os":{"name":"VARCHAR"},"browser":{"name":"VARCHAR"},"location":{"country":"VARCHAR"},"groupId":"VARCHAR","groups":"JSON","sessionId":"VARCHAR","traits":"JSON"}'`;

function queryParamSql(url: string, param: string): string {
  // The substring test skips the regular expression for the many URLs without the parameter.
  return `CASE WHEN contains(${url}, '${param}=') THEN NULLIF(url_decode(replace(regexp_extract(${url}, '[?&]${param}=([^&#]*)', 1), '+', ' ')), '') END`;
}

const userAgentDevice = (ua: string) => `CASE WHEN ${ua} IS NULL THEN NULL
  WHEN regexp_matches(${ua}, 'iPad|Tablet|Nexus (7|9|10)|SM-T') THEN 'Tablet'
  WHEN regexp_matches(${ua}, 'Mobi|iPhone|iPod|Android|Windows Phone') THEN 'Mobile'
  WHEN regexp_matches(${ua}, '(?i)bot|crawler|spider|curl|wget') THEN 'Bot'
  ELSE 'Desktop' END`;

const userAgentOs = (ua: string) => `CASE WHEN ${ua} IS NULL THEN NULL
  WHEN regexp_matches(${ua}, 'iPhone|iPad|iPod') THEN 'iOS'
  WHEN regexp_matches(${ua}, 'Android') THEN 'Android'
  WHEN regexp_matches(${ua}, 'Windows') THEN 'Windows'
  WHEN regexp_matches(${ua}, 'CrOS') THEN 'Chrome OS'
  WHEN regexp_matches(${ua}, 'Mac OS X|Macintosh') THEN 'Mac OS X'
  WHEN regexp_matches(${ua}, 'Linux') THEN 'Linux' END`;

const userAgentBrowser = (ua: string) => `CASE WHEN ${ua} IS NULL THEN NULL
  WHEN regexp_matches(${ua}, 'Edg/') THEN 'Microsoft Edge'
  WHEN regexp_matches(${ua}, 'OPR/|Opera') THEN 'Opera'
  WHEN regexp_matches(${ua}, 'SamsungBrowser') THEN 'Samsung Internet'
  WHEN regexp_matches(${ua}, 'Firefox/|FxiOS') THEN 'Firefox'
  WHEN regexp_matches(${ua}, 'Chrome/|CriOS') THEN 'Chrome'
  WHEN regexp_matches(${ua}, 'Safari/') THEN 'Safari' END`;

const typeList = ['track', 'page', 'screen', 'identify', 'group', 'alias'];

/**
 * stage_msg → stage_events: validation (first failing rule wins, as 'field|reason'), event naming, identity,
 * promoted columns and the dedupe key. `checkPropertiesShape` is off for flat files, whose properties we built.
 */
export function stageEventsSql(messages: MessagesSql): string[] {
  return [
    ...messages.setup,
    `CREATE OR REPLACE TEMP TABLE stage_events AS ${normalizedEventsSql(messages)}`,
    ...messages.cleanup,
  ];
}

/** The normalised events of a message relation (its setup must have run). */
export function normalizedEventsSql(messages: MessagesSql): string {
  // The values are valid JSON text already, so an object is one that starts with '{'. DuckDB's parser also takes
  // NaN and Infinity, which are not JSON: refused, or they would poison every later read of the row.
  const shapeChecks = (messages.checkShapes ? ['properties', 'traits', 'context'] : [])
    .map(
      (f) => `WHEN ${f} IS NOT NULL AND left(ltrim(${f}::VARCHAR), 1) <> '{' THEN '${f}|must be a JSON object'
       WHEN ${f} IS NOT NULL AND (contains(${f}::VARCHAR, 'NaN') OR contains(${f}::VARCHAR, 'Infinity'))
            AND regexp_matches(${f}::VARCHAR, '[:,\\[]\\s*-?(NaN|Infinity)\\s*[,}\\]]')
         THEN '${f}|NaN and Infinity are not JSON numbers'`,
    )
    .join('\n       ');
  const names = Object.entries(eventNameByType)
    .map(([type, name]) => `WHEN '${type}' THEN '${name}'`)
    .join(' ');
  return `WITH msg AS (${messages.select}), m AS (
       SELECT *,
         lower(coalesce(type, CASE WHEN event IS NOT NULL THEN 'track' END)) AS t,
         ${timestampSql('timestamp')} AS ts,
         try(json_transform(context, ${contextStruct})) AS c
       FROM msg
     ), v AS (
       SELECT *,
         CASE
           WHEN parse_error IS NOT NULL THEN parse_error
           WHEN t IS NULL THEN 'type|missing (one of ${typeList.join(', ')})'
           WHEN t NOT IN (${typeList.map((x) => `'${x}'`).join(', ')}) THEN 'type|"' || type || '" is not one of ${typeList.join(', ')}'
           WHEN timestamp IS NULL THEN 'timestamp|missing'
           WHEN ts IS NULL THEN 'timestamp|"' || timestamp || '" is not an ISO-8601 time or epoch seconds/milliseconds'
           WHEN coalesce(user_id, '') = '' AND coalesce(anonymous_id, '') = '' THEN 'userId|missing: a message needs userId or anonymousId'
           WHEN t = 'track' AND coalesce(event, '') = '' THEN 'event|missing: a track call needs an event name'
           WHEN t = 'alias' AND (coalesce(previous_id, '') = '' OR coalesce(user_id, '') = '') THEN 'previousId|an alias call needs previousId and userId'
           WHEN t = 'group' AND coalesce(group_id, '') = '' THEN 'groupId|missing: a group call needs groupId'
           ${shapeChecks}
         END AS error
       FROM m
     )
     SELECT row_no, item_no, error,
       -- Without a messageId, the content is the key: every field, a marker for a missing one (so userId 42 and
       -- anonymousId 42 differ), JSON as written (a file re-exported with reordered keys is not recognised).
       coalesce(message_id, 'h:' || md5(concat_ws(chr(31), ${[
         't',
         'event',
         'name',
         'user_id',
         'anonymous_id',
         'epoch_us(ts)::VARCHAR',
         'properties::VARCHAR',
         'traits::VARCHAR',
         'context::VARCHAR',
         'group_id',
         'previous_id',
       ]
         .map((x) => `coalesce(${x}, chr(30))`)
         .join(', ')}))) AS message_id,
       ts,
       t AS type,
       CASE t WHEN 'track' THEN event ${names} END AS event,
       coalesce(NULLIF(user_id, ''), anonymous_id) AS distinct_id,
       NULLIF(user_id, '') AS user_id,
       NULLIF(anonymous_id, '') AS anonymous_id,
       previous_id,
       ${withoutKey(
         `CASE
         WHEN t IN ('identify', 'group') THEN coalesce(traits, c.traits, properties)
         WHEN t = 'alias' THEN json_object('previousId', previous_id)
         WHEN t IN ('page', 'screen') AND name IS NOT NULL AND json_extract(properties, '$.name') IS NULL
           THEN json_merge_patch(coalesce(properties, '{}'), json_object('name', name))
         ELSE properties
       END`,
         '$ip',
       )} AS properties,
       ${withoutKey('context', 'ip')} AS context,
       CASE WHEN c.groups IS NULL AND c.groupId IS NULL AND t <> 'group' THEN NULL
         ELSE NULLIF(json_merge_patch(
           json_merge_patch(
             CASE WHEN json_type(c.groups) = 'OBJECT' THEN c.groups ELSE '{}' END,
             CASE WHEN c.groupId IS NOT NULL THEN json_object('${defaultGroupType}', c.groupId) ELSE '{}' END),
           CASE WHEN t = 'group' THEN json_object('${defaultGroupType}', group_id) ELSE '{}' END), '{}')
       END AS groups,
       coalesce(p."$session_id", p.session_id, c.sessionId) AS session_id,
       coalesce(p.url, p."$current_url", c.page.url) AS url,
       coalesce(p.path, p."$pathname", c.page.path,
                NULLIF(regexp_extract(url, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*([^?#]*)', 1), '')) AS path,
       coalesce(p.referrer, p."$referrer", c.page.referrer) AS referrer,
       coalesce(p.utm_source, c.campaign.source, ${queryParamSql('url', 'utm_source')}) AS utm_source,
       coalesce(p.utm_medium, c.campaign.medium, ${queryParamSql('url', 'utm_medium')}) AS utm_medium,
       coalesce(p.utm_campaign, c.campaign.name, ${queryParamSql('url', 'utm_campaign')}) AS utm_campaign,
       coalesce(p.utm_term, c.campaign.term, ${queryParamSql('url', 'utm_term')}) AS utm_term,
       coalesce(p.utm_content, c.campaign.content, ${queryParamSql('url', 'utm_content')}) AS utm_content,
       ${channelSql(channelInputs)} AS channel,
       coalesce(p."$device_type", p.device_type, p.device, c.device.type, ${userAgentDevice('c.userAgent')}) AS device_type,
       coalesce(p."$os", p.os, c.os.name, ${userAgentOs('c.userAgent')}) AS os,
       coalesce(p."$browser", p.browser, c.browser.name, ${userAgentBrowser('c.userAgent')}) AS browser,
       coalesce(p."$geoip_country_code", p.country, c.location.country) AS country,
       CASE WHEN isfinite(try_cast(p.revenue AS DOUBLE)) THEN try_cast(p.revenue AS DOUBLE) END AS revenue,
       ${sourceSql(channelInputs)} AS source,
       ${mediumSql(channelInputs)} AS medium
     FROM v`;
}

/**
 * A JSON object without one top-level key: client IP addresses are not stored (docs/privacy.md), neither Segment's
 * `context.ip` nor PostHog's `$ip` property; the country derived from them is kept where the client or the server
 * set one. Other JSON (NULL, arrays) passes unchanged. (The dedupe key above hashes the message as it came.)
 */
function withoutKey(json: string, key: string): string {
  return `CASE WHEN json_type(${json}) = 'OBJECT' THEN json_merge_patch(${json}, ${stringLiteral(JSON.stringify({ [key]: null }))}) ELSE ${json} END`;
}

/** The events-table columns stage_events fills, in table order after project_id. */
export const eventColumns = [
  'message_id',
  'ts',
  'received_at',
  'type',
  'event',
  'distinct_id',
  'user_id',
  'anonymous_id',
  'properties',
  'context',
  'groups',
  'session_id',
  'url',
  'path',
  'referrer',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'channel',
  'device_type',
  'os',
  'browser',
  'country',
  'revenue',
  'source',
  'medium',
] as const;
