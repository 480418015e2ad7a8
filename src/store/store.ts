import type { ImportKind, ImportOptions, ImportSummary } from '../model/import.js';
import type { PersonReport } from '../model/person.js';

export interface StoreCounts {
  events: number;
  persons: number;
  distinctIds: number;
  deals: number;
  dealStageChanges: number;
  spendRows: number;
  firstEvent: string | null;
  lastEvent: string | null;
}

export interface ImportLogEntry {
  kind: string;
  file: string;
  imported: number;
  finishedAt: string;
}

/** The one storage interface; DuckDB (embedded) implements it today, ClickHouse later. */
export interface Store {
  /** Imports one file, all-or-nothing unless `skipInvalid`. */
  importFile(kind: ImportKind, file: string, options: ImportOptions): Promise<ImportSummary>;
  /** A person found by any of its distinct ids (or its person id); undefined when unknown. */
  getPerson(project: string, id: string): Promise<PersonReport | undefined>;
  counts(project: string): Promise<StoreCounts>;
  /** The most recent committed imports, newest first. */
  recentImports(project: string, limit: number): Promise<ImportLogEntry[]>;
  close(): Promise<void>;
}
