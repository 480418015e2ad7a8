/** What can be imported, and what an import reports. */
export const importKinds = ['events', 'deals', 'deal-stages', 'spend'] as const;
export type ImportKind = (typeof importKinds)[number];

export const fileFormats = ['csv', 'ndjson', 'parquet'] as const;
export type FileFormat = (typeof fileFormats)[number];

export interface ImportOptions {
  project: string;
  /** Import the good rows and write the bad ones to FILE.rejected.ndjson; default: one bad row aborts the file. */
  skipInvalid: boolean;
  /** Overrides the format read from the file name. */
  format?: FileFormat;
  /** Our field name → the file's column name (`--map deal_id="Record ID"`). */
  columnMap?: Record<string, string>;
  /** Our field name → a constant value for every row (`--set status=won`). */
  constants?: Record<string, string>;
  /** DuckDB memory while importing (e.g. '4GB'); default 1GB, spilling to disk beyond it. */
  memoryLimit?: string;
  /** Called about ten times a second while the file is read and then stored. */
  onProgress?: (progress: ImportProgress) => void;
}

/** Where an import is: reading the file, checking and normalising its records, then storing them. */
export interface ImportProgress {
  phase: 'reading' | 'checking' | 'storing';
  /** Of the current phase, 0..1. */
  fractionDone: number;
  /** Records being stored (known once reading is done). */
  records?: number;
}

export interface RejectedRow {
  /** Line in the file (CSV: record number counting the header as line 1; NDJSON: physical line). */
  line?: number;
  /** Row in the file (Parquet, 1-based). */
  row?: number;
  /** 1-based position inside a `{"batch": […]}` line. */
  item?: number;
  field: string;
  reason: string;
  /** The input as read: the JSON line, the CSV record, or the Parquet row. */
  input?: unknown;
}

export interface ImportSummary {
  kind: ImportKind;
  file: string;
  format: FileFormat;
  /** Records read (messages, batch items, CSV rows). */
  rowsRead: number;
  /** New records stored. */
  imported: number;
  /** Records that changed a stored one (deals and spend are keyed; a re-export updates them). */
  updated: number;
  /** Records already stored, identical (or with a message id already seen). */
  duplicates: number;
  rejected: number;
  /** Where the rejected rows were written, with `skipInvalid`. */
  rejectsFile?: string;
  /** Identity merges this file added (events only). */
  identityLinks?: number;
  seconds: number;
}
