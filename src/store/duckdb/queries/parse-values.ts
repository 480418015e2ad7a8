/**
 * SQL expressions that parse the text of an input cell into a typed value, or NULL when it does not parse
 * (the caller turns NULL-from-non-empty into an error naming the field). One definition per type, shared by
 * every importer so a timestamp means the same in an event file and a deal file.
 */

/** Seconds or milliseconds since the epoch (below 1e11 counts as seconds), or ISO-8601; naive times are UTC. */
export function timestampSql(raw: string): string {
  return `CASE WHEN ${raw} IS NULL THEN NULL
    WHEN try_cast(${raw} AS DOUBLE) IS NOT NULL THEN
      CASE WHEN abs(${raw}::DOUBLE) < 1e11 THEN try(make_timestamp((${raw}::DOUBLE * 1e6)::BIGINT))
           ELSE try(make_timestamp((${raw}::DOUBLE * 1e3)::BIGINT)) END
    ELSE try_cast(try_cast(${raw} AS TIMESTAMPTZ) AS TIMESTAMP) END`;
}

/** A calendar day: YYYY-MM-DD, or any timestamp (its UTC day). */
export function dateSql(raw: string): string {
  return `(${timestampSql(raw)})::DATE`;
}

/**
 * A number as spreadsheets and CRMs export it: an optional currency sign, optional thousands commas
 * (1,234.50), no other grouping. Infinite and NaN values do not parse.
 */
export function numberSql(raw: string): string {
  const bare = `regexp_replace(trim(${raw}), '^[$€£¥]\\s*', '')`;
  const plain = `CASE WHEN regexp_full_match(${bare}, '-?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]+)?') THEN replace(${bare}, ',', '') ELSE ${bare} END`;
  return `CASE WHEN regexp_full_match(${plain}, '[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?') THEN try_cast(${plain} AS DOUBLE) END`;
}

/** A whole number, with optional thousands commas. */
export function integerSql(raw: string): string {
  const plain = `CASE WHEN regexp_full_match(trim(${raw}), '-?[0-9]{1,3}(,[0-9]{3})+') THEN replace(trim(${raw}), ',', '') ELSE trim(${raw}) END`;
  return `CASE WHEN regexp_full_match(${plain}, '-?[0-9]+') THEN try_cast(${plain} AS BIGINT) END`;
}
