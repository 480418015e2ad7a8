import { FunnelscopeError } from '../../model/errors.js';
import type { ImportKind, ImportOptions, ImportSummary } from '../../model/import.js';
import type { PersonReport } from '../../model/person.js';
import type { DictionaryColumn, EventColumnSource, EventColumns, EventValueSource } from '../event-columns.js';
import type { ImportLogEntry, Store, StoreCounts } from '../store.js';
import { readSnapshot, readSnapshotVersion, snapshotPath, writeSnapshot } from './column-snapshot.js';
import { DuckDBDatabase, type OpenOptions } from './duckdb-database.js';
import { importFile } from './import-file.js';
import { getPerson } from './queries/get-person.js';
import {
  createPersonTable,
  loadEventColumns,
  loadEventValues,
  loadPersonValues,
  type RowPositions,
} from './queries/load-event-columns.js';

/** The embedded store: one DuckDB file (or :memory:). */
export class DuckDBStore implements Store, EventColumnSource {
  /**
   * Data versions already read. A DuckDB file has one writer at a time, so while this store holds it, data changes
   * only through this store's own writes, which clear the map.
   */
  private readonly versions = new Map<string, string>();
  /** Where the rows of the last column load sit (property columns line up through it). */
  private positions: { project: string; positions: RowPositions; personTable: boolean } | null = null;

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
      this.versions.clear();
    }
  }

  /**
   * Changes whenever the project's events, identities or deals change: every import commits an import_log row,
   * and the row counts cover writers that do not log. (A writer that only rewrites rows in place must log.) The
   * file's random store id keeps a re-created file from matching an old snapshot.
   */
  async dataVersion(project: string): Promise<string> {
    const known = this.versions.get(project);
    if (known !== undefined) return known;
    const row = (
      await this.db.rows<Record<string, bigint | string | null>>(
        `SELECT (SELECT min(store_id) FROM store_identity) AS store,
                (SELECT max(import_id) FROM import_log WHERE project_id = $project) AS imports,
                (SELECT count(*) FROM events WHERE project_id = $project) AS events,
                (SELECT count(*) FROM person_map WHERE project_id = $project) AS ids,
                (SELECT count(*) FROM deal_stage_changes WHERE project_id = $project) AS stages,
                (SELECT count(*) FROM deals WHERE project_id = $project) AS deals`,
        { project },
      )
    )[0];
    const version = [
      row?.store,
      row?.imports ?? 0,
      row?.events ?? 0,
      row?.ids ?? 0,
      row?.stages ?? 0,
      row?.deals ?? 0,
    ].join(':');
    this.versions.set(project, version);
    return version;
  }

  /**
   * Builds the funnel column snapshot beside the file now (after an import), so the next funnel process starts
   * from it. Nothing to do for an in-memory store or when the snapshot is current. Returns the seconds spent.
   */
  async prepareColumns(project: string): Promise<number> {
    const started = performance.now();
    const path = snapshotPath(this.db.path, project);
    if (!path || readSnapshotVersion(path) === (await this.dataVersion(project))) return 0;
    await this.loadEventColumns(project);
    return (performance.now() - started) / 1000;
  }

  /** From the column snapshot next to the file when it is current; else from SQL, saving a new snapshot. */
  async loadEventColumns(project: string): Promise<EventColumns> {
    const version = await this.dataVersion(project);
    const path = snapshotPath(this.db.path, project);
    const saved = path ? readSnapshot(path, version) : null;
    if (saved) {
      this.positions = { project, positions: saved.positions, personTable: false };
      return saved.columns;
    }
    const { columns, positions } = await loadEventColumns(this.db, project);
    this.positions = { project, positions, personTable: true };
    if (path) {
      try {
        writeSnapshot(path, version, columns, positions);
      } catch {
        // A read-only folder or a full disk only costs the next process a reload.
      }
    }
    return columns;
  }

  private lastPositions(project: string): RowPositions {
    if (this.positions?.project !== project) {
      throw new FunnelscopeError('internal', `property columns of ${project} asked before its event columns`);
    }
    return this.positions.positions;
  }

  private async personTable(project: string): Promise<void> {
    if (this.positions?.project === project && !this.positions.personTable) {
      await createPersonTable(this.db, project);
      this.positions.personTable = true;
    }
  }

  loadEventValues(project: string, source: EventValueSource): Promise<DictionaryColumn> {
    return loadEventValues(this.db, project, source, this.lastPositions(project));
  }

  async loadPersonValues(project: string, property: string): Promise<DictionaryColumn> {
    const positions = this.lastPositions(project);
    await this.personTable(project);
    return loadPersonValues(this.db, project, property, positions);
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
