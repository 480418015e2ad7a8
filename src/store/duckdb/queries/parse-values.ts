/**
 * SQL expressions that parse the text of an input cell into a typed value, or NULL when it does not parse
 * (the caller turns NULL-from-non-empty into an error naming the field). One definition per type, shared by
 * every importer so a timestamp means the same in an event file and a deal file.
 */

/**
 * Seconds or milliseconds since the epoch (below 1e11 counts as seconds), or ISO-8601; naive times are UTC.
 * Times with a numeric offset or a zone name go through TIMESTAMPTZ (which applies it); the rest, by far the
 * most common, through the plain TIMESTAMP cast, three times faster ('Z' is UTC to both).
 */
export function timestampSql(raw: string): string {
  const epoch = (scale: string) => `try(make_timestamp((${raw}::DOUBLE * ${scale})::BIGINT))`;
  return `CASE WHEN ${raw} IS NULL THEN NULL
    WHEN regexp_full_match(${raw}, '-?[0-9]+(\\.[0-9]*)?([eE][-+]?[0-9]+)?') THEN
      CASE WHEN abs(${raw}::DOUBLE) < 1e11 THEN ${epoch('1e6')} ELSE ${epoch('1e3')} END
    WHEN regexp_matches(${raw}, '[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\\s*[+-][0-9]{2}(:?[0-9]{2})?$')
      OR regexp_matches(${raw}, '[A-Za-z]{2}')
      THEN try_cast(try_cast(${raw} AS TIMESTAMPTZ) AS TIMESTAMP)
    ELSE try_cast(${raw} AS TIMESTAMP) END`;
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
