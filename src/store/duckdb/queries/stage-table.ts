import type { CsvDelimiter } from '../../../ingest/files.js';
import { dealStatusSynonyms, type FieldSpec, type TableSpec } from '../../../ingest/table-specs.js';
import { FunnelscopeError } from '../../../model/errors.js';
import { quoteIdentifier, stringLiteral } from '../../sql/quote.js';
import { readCsvSql, rowColumn, stageRejects } from './csv-reader.js';
import { dateSql, integerSql, numberSql, timestampSql } from './parse-values.js';

/** Where each field's value comes from in one file. */
export type FieldSource = { column: string } | { constantParam: string; value: string } | { absent: true };

export interface TableLayout {
  sources: Map<string, FieldSource>;
  /** Columns that match no field: kept as properties (deals). */
  propertyColumns: string[];
  /** Constant values to bind, by parameter name. */
  params: Record<string, string>;
}

/**
 * Matches a file's columns to the spec's fields: --set constants first, then --map, then same-name columns.
 * Unknown field names in --map/--set, a mapped column the file lacks, or a required field without a source
 * are errors that say which option or column to fix.
 */
export function resolveTableLayout(
  spec: TableSpec,
  fileColumns: readonly string[],
  columnMap: Record<string, string> = {},
  constants: Record<string, string> = {},
  file = '',
): TableLayout {
  const fieldNames = spec.fields.map((f) => f.name);
  for (const [option, given] of [
    ['--map', columnMap],
    ['--set', constants],
  ] as const) {
    for (const field of Object.keys(given)) {
      if (!fieldNames.includes(field)) {
        throw new FunnelscopeError(
          'invalid_argument',
          `${option} ${field}=…: ${spec.kind} have no field "${field}" (fields: ${fieldNames.join(', ')})`,
          { field },
        );
      }
    }
  }
  const byLowerName = new Map(fileColumns.map((c) => [c.toLowerCase(), c]));
  const sources = new Map<string, FieldSource>();
  // Columns named by --map are taken before any field claims a column by its own name.
  const used = new Set<string>(
    Object.values(columnMap).map((m) => (fileColumns.includes(m) ? m : (byLowerName.get(m.toLowerCase()) ?? m))),
  );
  const params: Record<string, string> = {};
  spec.fields.forEach((field, index) => {
    const constant = constants[field.name];
    const mapped = columnMap[field.name];
    if (constant !== undefined) {
      const param = `c${index}`;
      params[param] = constant;
      sources.set(field.name, { constantParam: param, value: constant });
    } else if (mapped !== undefined) {
      const column = fileColumns.includes(mapped) ? mapped : byLowerName.get(mapped.toLowerCase());
      if (column === undefined) {
        throw new FunnelscopeError(
          'invalid_input',
          `${file}: --map ${field.name}=${mapped}: the file has no column "${mapped}" (columns: ${fileColumns.join(', ')})`,
          { file, field: field.name },
        );
      }
      sources.set(field.name, { column });
      used.add(column);
    } else {
      const column = byLowerName.get(field.name.toLowerCase());
      if (column !== undefined && !used.has(column)) {
        sources.set(field.name, { column });
        used.add(column);
      } else {
        sources.set(field.name, { absent: true });
      }
    }
    const source = sources.get(field.name);
    if (field.required && source && 'absent' in source) {
      throw new FunnelscopeError(
        'invalid_input',
        `${file}: no column for the required field "${field.name}" (columns: ${fileColumns.join(', ')}); ` +
          `name one with --map ${field.name}=COLUMN or give a constant with --set ${field.name}=VALUE`,
        { file, field: field.name },
      );
    }
  });
  const propertyColumns = spec.keepsProperties ? fileColumns.filter((c) => !used.has(c)) : [];
  return { sources, propertyColumns, params };
}

function rawSql(source: FieldSource): string {
  if ('column' in source) return `NULLIF(trim(${quoteIdentifier(source.column)}), '')`;
  if ('constantParam' in source) return `NULLIF(trim($${source.constantParam}::VARCHAR), '')`;
  return 'NULL::VARCHAR';
}

function statusSql(raw: string): string {
  const cases = Object.entries(dealStatusSynonyms)
    .map(([word, status]) => `WHEN ${stringLiteral(word)} THEN '${status}'`)
    .join(' ');
  return `CASE lower(${raw}) ${cases} END`;
}

function parsedSql(field: FieldSpec, raw: string): string {
  switch (field.type) {
    case 'text':
      return raw;
    case 'number':
      return numberSql(raw);
    case 'integer':
      return integerSql(raw);
    case 'timestamp':
      return timestampSql(raw);
    case 'date':
      return dateSql(raw);
    case 'deal_status':
      return statusSql(raw);
  }
}

const typeWords: Record<FieldSpec['type'], string> = {
  text: 'text',
  number: 'a number',
  integer: 'a whole number',
  timestamp: 'an ISO-8601 time or epoch seconds/milliseconds',
  date: 'a date (YYYY-MM-DD)',
  deal_status: `a deal status (open, won, lost)`,
};

const sqlTypes: Record<FieldSpec['type'], string> = {
  text: 'VARCHAR',
  number: 'DOUBLE',
  integer: 'BIGINT',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  deal_status: 'VARCHAR',
};

/** CSV → stage_rows(row_no, error, <fields typed>, properties): every value parsed, every failure named. */
export function stageTableSql(spec: TableSpec, layout: TableLayout, delimiter: CsvDelimiter): string {
  const raws = spec.fields.map(
    (f) => `${rawSql(layout.sources.get(f.name) ?? { absent: true })} AS ${quoteIdentifier(`raw_${f.name}`)}`,
  );
  const parsed = spec.fields.map(
    (f) => `(${parsedSql(f, quoteIdentifier(`raw_${f.name}`))})::${sqlTypes[f.type]} AS ${quoteIdentifier(f.name)}`,
  );
  const hasStage = spec.fields.some((f) => f.name === 'stage');
  // The value stored: a field's default fills an absent column or an empty cell; a deal without a status takes
  // won or lost from a stage that says so (HubSpot exports only the stage).
  const stored = spec.fields.map((f) => {
    const value = quoteIdentifier(f.name);
    if (f.defaultValue !== undefined) return `coalesce(${value}, ${stringLiteral(f.defaultValue)}) AS ${value}`;
    if (f.type === 'deal_status' && hasStage) {
      const fromStage = statusSql(quoteIdentifier('raw_stage'));
      return `coalesce(${value}, CASE WHEN ${fromStage} IN ('won', 'lost') THEN ${fromStage} END) AS ${value}`;
    }
    return value;
  });
  const checks = spec.fields.flatMap((f) => {
    const raw = quoteIdentifier(`raw_${f.name}`);
    const value = quoteIdentifier(f.name);
    const list: string[] = [];
    if (f.required) list.push(`WHEN ${raw} IS NULL THEN ${stringLiteral(`${f.name}|missing`)}`);
    if (f.type !== 'text') {
      list.push(
        `WHEN ${raw} IS NOT NULL AND ${value} IS NULL THEN ${stringLiteral(`${f.name}|"`)} || ${raw} || ${stringLiteral(`" is not ${typeWords[f.type]}`)}`,
      );
    }
    return list;
  });
  const properties =
    layout.propertyColumns.length === 0
      ? 'NULL::JSON'
      : `to_json(map_from_entries(list_filter([${layout.propertyColumns
          .map((c) => `{'k': ${stringLiteral(c)}, 'v': NULLIF(${quoteIdentifier(c)}, '')}`)
          .join(', ')}], x -> x.v IS NOT NULL)))`;
  return `CREATE OR REPLACE TEMP TABLE stage_rows AS
    WITH r AS (
      SELECT row_number() OVER () AS ${rowColumn}, *
      FROM ${readCsvSql(delimiter, stageRejects)}
    ), raw AS (
      SELECT ${rowColumn} AS row_no, ${raws.join(', ')}, ${properties} AS properties FROM r
    ), parsed AS (
      SELECT *, ${parsed.join(', ')} FROM raw
    )
    SELECT row_no, CASE ${checks.length > 0 ? checks.join(' ') : 'WHEN false THEN NULL'} END AS error,
      ${stored.join(', ')}, properties
    FROM parsed`;
}

/** SQL of the load step, run in one transaction after validation. */
export function loadTableSql(spec: TableSpec): {
  keepLast: string;
  classify: string;
  update: string | undefined;
  insert: string;
} {
  const q = quoteIdentifier;
  const t = q(spec.table);
  const keyMatch = spec.key.map((k) => `t.${q(k)} = s.${q(k)}`).join(' AND ');
  const nonKey = spec.fields.filter((f) => !spec.key.includes(f.name)).map((f) => f.name);
  const changedSql = (target: string): string => {
    const parts = nonKey.map((f) => `(s.${q(f)} IS NOT NULL AND s.${q(f)} IS DISTINCT FROM ${target}.${q(f)})`);
    if (spec.keepsProperties) {
      parts.push(
        `(s.properties IS NOT NULL AND json_merge_patch(coalesce(${target}.properties, '{}'), s.properties)::VARCHAR IS DISTINCT FROM ${target}.properties::VARCHAR)`,
      );
    }
    return parts.length > 0 ? parts.join(' OR ') : 'false';
  };
  const changed = changedSql('t');
  const keyList = spec.key.map((k) => q(k)).join(', ');
  const insertColumns = spec.fields.map((f) => q(f.name));
  const insertValues = spec.fields.map((f) =>
    f.type === 'deal_status' ? `coalesce(s.${q(f.name)}, 'open')` : `s.${q(f.name)}`,
  );
  if (spec.keepsProperties) {
    insertColumns.push('properties');
    insertValues.push('s.properties');
  }
  const setList = nonKey.map((f) => `${q(f)} = coalesce(s.${q(f)}, ${t}.${q(f)})`);
  if (spec.keepsProperties) {
    setList.push(
      `properties = CASE WHEN s.properties IS NULL THEN ${t}.properties ELSE json_merge_patch(coalesce(${t}.properties, '{}'), s.properties) END`,
    );
  }
  return {
    // Within one file the last row of a key is the truth (a CRM export lists a record once; a log, many times).
    keepLast: `CREATE OR REPLACE TEMP TABLE stage_ok AS
      SELECT * FROM stage_rows WHERE error IS NULL
      QUALIFY row_number() OVER (PARTITION BY ${keyList} ORDER BY row_no DESC) = 1`,
    classify: `SELECT
        count(*) FILTER (WHERE NOT matched) AS new_rows,
        count(*) FILTER (WHERE matched AND changed) AS changed_rows,
        count(*) FILTER (WHERE matched AND NOT changed) AS same_rows
      FROM (SELECT t.${q(spec.key[0] as string)} IS NOT NULL AS matched, coalesce(${changed}, false) AS changed
            FROM stage_ok s LEFT JOIN ${t} t ON t.project_id = $project AND ${keyMatch})`,
    update: spec.updates
      ? `UPDATE ${t} SET ${setList.join(', ')}
         FROM stage_ok s
         WHERE ${t}.project_id = $project AND ${spec.key.map((k) => `${t}.${q(k)} = s.${q(k)}`).join(' AND ')}
           AND (${changedSql(t)})`
      : undefined,
    insert: `INSERT INTO ${t} (project_id, ${insertColumns.join(', ')})
      SELECT $project, ${insertValues.join(', ')} FROM stage_ok s
      WHERE NOT EXISTS (SELECT 1 FROM ${t} t WHERE t.project_id = $project AND ${keyMatch})`,
  };
}
