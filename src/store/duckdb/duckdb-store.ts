import type { ImportKind, ImportOptions, ImportSummary } from '../../model/import.js';
import type { PersonReport } from '../../model/person.js';
import type { DictionaryColumn, EventColumnSource, EventColumns, EventValueSource } from '../event-columns.js';
import type { ImportLogEntry, Store, StoreCounts } from '../store.js';
import { DuckDBDatabase, type OpenOptions } from './duckdb-database.js';
import { importFile } from './import-file.js';
import { getPerson } from './queries/get-person.js';
import { loadEventColumns, loadEventValues, loadPersonValues } from './queries/load-event-columns.js';

/** The embedded store: one DuckDB file (or :memory:). */
export class DuckDBStore implements Store, EventColumnSource {
  /** Bumped by every write through this store, so column caches know when to reload. */
  private writes = 0;

  private constructor(readonly db: DuckDBDatabase) {}

  static async open(options: OpenOptions): Promise<DuckDBStore> {
    return new DuckDBStore(await DuckDBDatabase.open(options));
  }

  async ensureProject(project: string): Promise<void> {
    await this.db.run(
      `INSERT INTO projects (project_id, name) SELECT $project, $project
       WHERE NOT EXISTS (SELECT 1 FROM projects WHERE project_id = $project)`,
      { project },
    );
  }

  async importFile(kind: ImportKind, file: string, options: ImportOptions): Promise<ImportSummary> {
    await this.ensureProject(options.project);
    try {
      return await importFile(this.db, kind, file, options);
    } finally {
      this.writes += 1;
    }
  }

  async dataVersion(project: string): Promise<string> {
    const lastImport = await this.db.value<bigint | null>(
      `SELECT max(import_id) FROM import_log WHERE project_id = $project`,
      { project },
    );
    return `${this.writes}:${lastImport ?? 0}`;
  }

  loadEventColumns(project: string): Promise<EventColumns> {
    return loadEventColumns(this.db, project);
  }

  loadEventValues(project: string, source: EventValueSource): Promise<DictionaryColumn> {
    return loadEventValues(this.db, project, source);
  }

  loadPersonValues(project: string, property: string): Promise<DictionaryColumn> {
    return loadPersonValues(this.db, project, property);
  }

  getPerson(project: string, id: string): Promise<PersonReport | undefined> {
    return getPerson(this.db, project, id);
  }

  async counts(project: string): Promise<StoreCounts> {
    const [row] = await this.db.rows<Record<string, bigint | Date | null>>(
      `SELECT
         (SELECT count(*) FROM events WHERE project_id = $project) AS events,
         (SELECT count(DISTINCT coalesce(m.person_id, e.distinct_id)) FROM events e
            LEFT JOIN person_map m ON m.project_id = e.project_id AND m.distinct_id = e.distinct_id
            WHERE e.project_id = $project) AS persons,
         (SELECT count(DISTINCT distinct_id) FROM events WHERE project_id = $project) AS distinct_ids,
         (SELECT count(*) FROM deals WHERE project_id = $project) AS deals,
         (SELECT count(*) FROM deal_stage_changes WHERE project_id = $project) AS stage_changes,
         (SELECT count(*) FROM spend WHERE project_id = $project) AS spend_rows,
         (SELECT min(ts) FROM events WHERE project_id = $project) AS first_event,
         (SELECT max(ts) FROM events WHERE project_id = $project) AS last_event`,
      { project },
    );
    const n = (v: unknown) => Number(v ?? 0);
    const d = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
    return {
      events: n(row?.events),
      persons: n(row?.persons),
      distinctIds: n(row?.distinct_ids),
      deals: n(row?.deals),
      dealStageChanges: n(row?.stage_changes),
      spendRows: n(row?.spend_rows),
      firstEvent: d(row?.first_event),
      lastEvent: d(row?.last_event),
    };
  }

  async recentImports(project: string, limit: number): Promise<ImportLogEntry[]> {
    const rows = await this.db.rows<{ kind: string; file: string; imported: bigint; finished_at: Date }>(
      `SELECT kind, file, imported, finished_at FROM import_log WHERE project_id = $project
       ORDER BY import_id DESC LIMIT $limit`,
      { project, limit },
    );
    return rows.map((r) => ({
      kind: r.kind,
      file: r.file,
      imported: Number(r.imported),
      finishedAt: r.finished_at.toISOString(),
    }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
