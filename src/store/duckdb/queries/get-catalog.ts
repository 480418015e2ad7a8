import type { Catalog } from '../../store.js';
import type { DuckDBDatabase } from '../duckdb-database.js';

/** The typed event columns a funnel filter or breakdown can name directly (load-event-columns.ts maps them). */
const typedColumns = [
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

/** JSON property keys are counted over this many of the project's events and scaled to all of them. */
export const catalogSampleSize = 100_000;

/**
 * Property names in use and the deal stages entered: the typed columns counted exactly (non-null values), the
 * JSON keys of `properties` over the first `catalogSampleSize` events (an estimate scaled to the project's event
 * count: the full JSON scan costs seconds on millions of events, and a pick list only needs the order).
 */
export async function getCatalog(db: DuckDBDatabase, project: string): Promise<Catalog> {
  const [typed] = await db.rows<Record<string, bigint>>(
    `SELECT count(*) AS total, ${typedColumns.map((c) => `count(${c}) AS ${c}`).join(', ')}
     FROM events WHERE project_id = $project`,
    { project },
  );
  const total = Number(typed?.total ?? 0);
  const keys = await db.rows<{ key: string; n: bigint }>(
    `SELECT key, count(*) AS n
     FROM (SELECT unnest(json_keys(properties)) AS key
           FROM (SELECT properties FROM events WHERE project_id = $project AND properties IS NOT NULL LIMIT $sample))
     GROUP BY key`,
    { project, sample: catalogSampleSize },
  );
  const scale = total > catalogSampleSize ? total / catalogSampleSize : 1;
  const counts = new Map<string, number>();
  for (const c of typedColumns) {
    const n = Number(typed?.[c] ?? 0);
    if (n > 0) counts.set(c, n);
  }
  for (const k of keys) {
    if (!counts.has(k.key)) counts.set(k.key, Math.round(Number(k.n) * scale));
  }
  const properties = [...counts]
    .map(([property, events]) => ({ property, events }))
    .sort((a, b) => b.events - a.events || a.property.localeCompare(b.property));
  const stages = await db.rows<{ stage: string; deals: bigint }>(
    `SELECT stage, count(DISTINCT deal_id) AS deals
     FROM (SELECT stage, deal_id, row_number() OVER (PARTITION BY deal_id ORDER BY entered_at, stage) AS position
           FROM deal_stage_changes WHERE project_id = $project)
     GROUP BY stage ORDER BY avg(position), stage`,
    { project },
  );
  return { properties, dealStages: stages.map((s) => ({ stage: s.stage, deals: Number(s.deals) })) };
}
