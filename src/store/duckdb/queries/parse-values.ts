/**
 * SQL expressions that parse the text of an input cell into a typed value, or NULL when it does not parse
 * (the caller turns NULL-from-non-empty into an error naming the field). One definition per type, shared by
 * every importer so a timestamp means the same in an event file and a deal file.
 */

/**
 * A time: epoch seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude: below 1e11 seconds,
 * 1e14 milliseconds, 1e17 microseconds), or ISO-8601; naive times are UTC. Any text with an offset or a zone name
 * after the time goes through TIMESTAMPTZ, which applies it; the rest, by far the most common, through the plain
 * TIMESTAMP cast, three times faster ('Z' is UTC to both).
 */
export function timestampSql(raw: string): string {
  const t = `trim(${raw})`;
  const epoch = (scale: string) => `try(make_timestamp((${t}::DOUBLE * ${scale})::BIGINT))`;
  return `CASE WHEN ${raw} IS NULL THEN NULL
    WHEN regexp_full_match(${t}, '-?[0-9]+(\\.[0-9]*)?([eE][-+]?[0-9]+)?') THEN
      CASE WHEN abs(${t}::DOUBLE) < 1e11 THEN ${epoch('1e6')}
           WHEN abs(${t}::DOUBLE) < 1e14 THEN ${epoch('1e3')}
           WHEN abs(${t}::DOUBLE) < 1e17 THEN ${epoch('1')}
           ELSE ${epoch('1e-3')} END
    WHEN regexp_matches(${t}, '[0-9]:[0-9]{2}.*[+-][0-9]') OR regexp_matches(${t}, '[A-Za-z]{2}')
      THEN try_cast(try_cast(${t} AS TIMESTAMPTZ) AS TIMESTAMP)
    ELSE try_cast(${t} AS TIMESTAMP) END`;
}

/** A calendar day: YYYY-MM-DD, YYYYMMDD (as ad platforms export it), or any timestamp (its UTC day). */
export function dateSql(raw: string): string {
  return `CASE WHEN regexp_full_match(trim(${raw}), '(19|20)[0-9]{6}') THEN try_strptime(trim(${raw}), '%Y%m%d')::DATE
    ELSE (${timestampSql(raw)})::DATE END`;
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
