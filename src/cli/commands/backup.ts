import { copyFileSync, createWriteStream, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../../config.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { IntegrityReport } from '../../store/duckdb/backup.js';
import { withStore } from '../open-store.js';
import type { Output } from '../output.js';

function duckdbOnly(config: Config, command: string): void {
  if (config.dbPath.startsWith('clickhouse://') || config.dbPath === ':memory:') {
    throw new FunnelscopeError('invalid_argument', `${command}: needs a DuckDB store file, not ${config.dbPath}`, {
      field: '--db',
      value: config.dbPath,
    });
  }
}

/** Checks a DuckDB file as it is, read only (a backup before it is trusted). */
async function checkFile(path: string): Promise<IntegrityReport> {
  const [{ DuckDBDatabase }, { checkIntegrity }] = await Promise.all([
    import('../../store/duckdb/duckdb-database.js'),
    import('../../store/duckdb/backup.js'),
  ]);
  const db = await DuckDBDatabase.open({ path, readOnly: true });
  try {
    return await checkIntegrity(db);
  } finally {
    db.close();
  }
}

/** The report of a backup that passed its check; else the error naming what is wrong. */
function sound(report: IntegrityReport, file: string): IntegrityReport {
  if (report.problems.length === 0) return report;
  throw new FunnelscopeError('store_error', `the backup failed its check: ${report.problems.join('; ')}`, { file });
}

function describe(report: IntegrityReport): string {
  return `${report.tables} tables, ${report.rows.toLocaleString('en-US')} rows, schema version ${report.schemaVersion}`;
}

/**
 * `funnelscope backup OUT`: a consistent copy of the whole store in a new DuckDB file. From the store itself (a
 * DuckDB file no server holds, or a ClickHouse store, which may be serving), or with `--server URL` from a running
 * server (an admin over every project: a server-wide admin key in --key or FUNNELSCOPE_KEY), which stores what it
 * accepted first. The copy is checked once written, here, whichever way it came.
 */
export async function backupCommand(
  config: Config,
  out: string,
  options: { server?: string; key?: string; json?: boolean },
  output: Output,
): Promise<number> {
  if (existsSync(out)) {
    throw new FunnelscopeError('invalid_argument', `${out} exists: a backup is written to a new file`, { file: out });
  }
  const partial = `${out}.part`;
  rmSync(partial, { force: true });
  try {
    if (options.server) {
      const key = options.key ?? process.env.FUNNELSCOPE_KEY;
      const response = await fetch(new URL('/api/backup', options.server), {
        headers: key ? { authorization: `Bearer ${key}` } : {},
      });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new FunnelscopeError(
          response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : 'unavailable',
          `backup from ${options.server}: ${response.status} ${body?.error?.message ?? response.statusText}`,
          { field: '--server' },
        );
      }
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
        createWriteStream(partial),
      );
    } else {
      if (config.dbPath === ':memory:') {
        throw new FunnelscopeError('invalid_argument', 'backup: an in-memory store has nothing to keep', {
          field: '--db',
        });
      }
      await withStore(config, (store) => store.backup(partial));
    }
    const report = sound(await checkFile(partial), out);
    renameSync(partial, out);
    output.out(options.json ? JSON.stringify({ file: out, ...report }) : `backup ${out}: ${describe(report)}, checked`);
    return 0;
  } finally {
    rmSync(partial, { force: true });
    rmSync(`${partial}.wal`, { force: true });
  }
}

/**
 * `funnelscope restore BACKUP`: checks a copy of the backup (migrated when it is older), then either moves it into
 * place as the --db file (`--force` to replace one that exists; the server must be stopped), or, for a
 * clickhouse:// store, copies it into that database, which must hold none of its projects' events yet. The column
 * snapshots beside an old DuckDB file go; its write-ahead log of accepted events stays, stored at the next start.
 */
export async function restoreCommand(
  config: Config,
  backup: string,
  options: { force?: boolean; json?: boolean },
  output: Output,
): Promise<number> {
  const target = config.dbPath;
  const clickhouse = target.startsWith('clickhouse://');
  if (!clickhouse) duckdbOnly(config, 'restore');
  if (!existsSync(backup)) throw new FunnelscopeError('file_not_found', `no backup ${backup}`, { file: backup });
  if (!clickhouse && existsSync(target) && !options.force) {
    throw new FunnelscopeError('invalid_argument', `${target} exists: pass --force to replace it with the backup`, {
      field: '--force',
    });
  }
  const staging = clickhouse
    ? join(mkdtempSync(join(tmpdir(), 'funnelscope-restore-')), 'backup.duckdb')
    : `${target}.restoring`;
  rmSync(staging, { force: true });
  rmSync(`${staging}.wal`, { force: true });
  copyFileSync(backup, staging);
  try {
    const { DuckDBStore } = await import('../../store/duckdb/duckdb-store.js');
    const store = await DuckDBStore.open({ path: staging });
    let report: IntegrityReport;
    try {
      report = sound(await store.checkIntegrity(), backup);
      if (clickhouse) {
        const [{ ClickHouseStore }, { migrateDuckDBToClickHouse }] = await Promise.all([
          import('../../store/clickhouse/clickhouse-store.js'),
          import('../../store/clickhouse/migrate-from-duckdb.js'),
        ]);
        const ch = await ClickHouseStore.open(target);
        try {
          await migrateDuckDBToClickHouse(store, ch);
        } finally {
          await ch.close();
        }
      }
    } finally {
      await store.close();
    }
    if (!clickhouse) {
      rmSync(`${target}.wal`, { force: true });
      renameSync(staging, target);
      rmSync(`${target}.columns`, { recursive: true, force: true });
    }
    const where = clickhouse ? target.replace(/\/\/[^@/]*@/, '//') : target;
    output.out(
      options.json ? JSON.stringify({ file: where, ...report }) : `restored ${where}: ${describe(report)}, checked`,
    );
    return 0;
  } finally {
    rmSync(clickhouse ? dirname(staging) : staging, { recursive: true, force: true });
    rmSync(`${staging}.wal`, { force: true });
  }
}

/** `funnelscope check`: the integrity check of the --db store; exit code 1 when it finds a problem. */
export async function checkCommand(config: Config, options: { json?: boolean }, output: Output): Promise<number> {
  duckdbOnly(config, 'check');
  const report = await checkFile(config.dbPath);
  if (options.json) output.out(JSON.stringify(report));
  else {
    output.out(`${config.dbPath}: ${describe(report)}`);
    for (const problem of report.problems) output.out(`  problem: ${problem}`);
    if (report.problems.length === 0) output.out('  no problems found');
  }
  return report.problems.length === 0 ? 0 : 1;
}
