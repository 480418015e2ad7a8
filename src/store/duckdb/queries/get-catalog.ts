import type { Catalog } from '../../../model/catalog.js';
import type { DuckDBDatabase } from '../duckdb-database.js';

/** The typed event columns a funnel filter or breakdown can name directly (load-event-columns.ts maps them). */
export const typedColumns = [
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'device_type',
  'os',
  'browser',
  'country',
  'path',
  'url',
  'referrer',
  'session_id',
  'revenue',
] as const;

/** The typed columns' and JSON keys' counts over the sample, scaled to all events, the most used first. */
export function catalogProperties(
  total: number,
  sampled: number,
  typedCount: (column: string) => number,
  keys: readonly { key: string; n: number }[],
): Catalog['properties'] {
  const scale = sampled > 0 ? total / sampled : 1;
  const counts = new Map<string, number>();
  for (const c of typedColumns) {
    const n = typedCount(c);
    if (n > 0) counts.set(c, Math.round(n * scale));
  }
  for (const k of keys) {
    if (!counts.has(k.key)) counts.set(k.key, Math.round(k.n * scale));
  }
  return [...counts]
    .map(([property, events]) => ({ property, events }))
    .sort((a, b) => b.events - a.events || a.property.localeCompare(b.property));
}

/** Properties are counted over this many events of the last 30 days of data and scaled to all events. */
export const catalogSampleSize = 100_000;

/**
 * Property names in use and the deal stages entered. Properties (the typed columns' non-null values and the keys of
 * the JSON properties) are counted over `catalogSampleSize` events of the data's last 30 days (so a property added
 * lately is listed)
 * and scaled to the project's event count: a pick list needs the order, not exact counts, and a scan of every event costs close to a second at ten
 * million, holding the store while a report waits.
 */
export async function getCatalog(db: DuckDBDatabase, project: string): Promise<Catalog> {
  // The newest events: those of the last 30 days of data (a sort of every event to take the newest exactly costs
  // seconds at ten million).
  const recent = `(SELECT max(ts) - INTERVAL 30 DAY FROM events WHERE project_id = $project)`;
  const [typed] = await db.rows<Record<string, bigint>>(
    `SELECT (SELECT count(*) FROM events WHERE project_id = $project) AS total, count(*) AS sampled,
            ${typedColumns.map((c) => `count(${c}) AS ${c}`).join(', ')}
     FROM (SELECT * FROM events WHERE project_id = $project AND ts >= ${recent} LIMIT $sample)`,
    { project, sample: catalogSampleSize },
  );
  const total = Number(typed?.total ?? 0);
  const sampled = Number(typed?.sampled ?? 0);
  const keys = await db.rows<{ key: string; n: bigint }>(
    `SELECT key, count(*) AS n
     FROM (SELECT unnest(json_keys(properties)) AS key
           FROM (SELECT properties FROM events WHERE project_id = $project AND ts >= ${recent} LIMIT $sample))
     GROUP BY key`,
    { project, sample: catalogSampleSize },
  );
  const properties = catalogProperties(
    total,
    sampled,
    (c) => Number(typed?.[c] ?? 0),
    keys.map((k) => ({ key: k.key, n: Number(k.n) })),
  );
  return { properties, dealStages: await getDealStages(db, project) };
}

/** Deal stages in the order deals pass them (mean position in a history), with how many deals entered each. */
export async function getDealStages(db: DuckDBDatabase, project: string): Promise<Catalog['dealStages']> {
  const stages = await db.rows<{ stage: string; deals: bigint }>(
    `SELECT stage, count(DISTINCT deal_id) AS deals
     FROM (SELECT stage, deal_id, row_number() OVER (PARTITION BY deal_id ORDER BY entered_at, stage) AS position
           FROM deal_stage_changes WHERE project_id = $project)
     GROUP BY stage ORDER BY avg(position), stage`,
    { project },
  );
  return stages.map((s) => ({ stage: s.stage, deals: Number(s.deals) }));
}
