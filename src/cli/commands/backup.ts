import { copyFileSync, createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../../config.js';
import { FunnelscopeError } from '../../model/errors.js';
import type { IntegrityReport } from '../../store/duckdb/backup.js';
import { withStore } from '../open-store.js';
import type { Output } from '../output.js';

function duckdbOnly(config: Config, command: string): void {
  if (config.dbPath.startsWith('clickhouse://') || config.dbPath === ':memory:') {
    throw new FunnelscopeError(
      'invalid_argument',
      `${command}: a DuckDB store file only (for ClickHouse, use its own backups)`,
      { field: '--db', value: config.dbPath },
    );
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

function describe(report: IntegrityReport): string {
  return `${report.tables} tables, ${report.rows.toLocaleString('en-US')} rows, schema version ${report.schemaVersion}`;
}

/**
 * `funnelscope backup OUT`: a consistent copy of the whole store in a new DuckDB file. From the store file itself
 * (no server running), or with `--server URL` from a running server (an admin over every project: a server-wide
 * admin key in --key or FUNNELSCOPE_KEY), which stores what it accepted first. The copy is checked once written.
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
      duckdbOnly(config, 'backup');
      await withStore(config, async (store) => {
        if (!store.backup) throw new FunnelscopeError('invalid_argument', 'this store makes no backups');
        await store.backup(partial);
      });
    }
    const report = await checkFile(partial);
    if (report.problems.length > 0) {
      throw new FunnelscopeError('store_error', `the backup failed its check: ${report.problems.join('; ')}`, {
        file: out,
      });
    }
    renameSync(partial, out);
    output.out(options.json ? JSON.stringify({ file: out, ...report }) : `backup ${out}: ${describe(report)}, checked`);
    return 0;
  } finally {
    rmSync(partial, { force: true });
    rmSync(`${partial}.wal`, { force: true });
  }
}

/**
 * `funnelscope restore BACKUP`: checks a copy of the backup (migrated when it is older), then moves it into place
 * as the --db file (`--force` to replace one that exists; the server must be stopped). The column snapshots
 * beside the old file go; the write-ahead log of accepted events stays, and is stored at the next start.
 */
export async function restoreCommand(
  config: Config,
  backup: string,
  options: { force?: boolean; json?: boolean },
  output: Output,
): Promise<number> {
  duckdbOnly(config, 'restore');
  const target = config.dbPath;
  if (!existsSync(backup)) throw new FunnelscopeError('file_not_found', `no backup ${backup}`, { file: backup });
  if (existsSync(target) && !options.force) {
    throw new FunnelscopeError('invalid_argument', `${target} exists: pass --force to replace it with the backup`, {
      field: '--force',
    });
  }
  const staging = `${target}.restoring`;
  rmSync(staging, { force: true });
  rmSync(`${staging}.wal`, { force: true });
  copyFileSync(backup, staging);
  try {
    const { DuckDBStore } = await import('../../store/duckdb/duckdb-store.js');
    const store = await DuckDBStore.open({ path: staging });
    let report: IntegrityReport;
    try {
      report = await store.checkIntegrity();
    } finally {
      await store.close();
    }
    if (report.problems.length > 0) {
      throw new FunnelscopeError('store_error', `the backup failed its check: ${report.problems.join('; ')}`, {
        file: backup,
      });
    }
    rmSync(`${target}.wal`, { force: true });
    renameSync(staging, target);
    rmSync(`${target}.columns`, { recursive: true, force: true });
    output.out(
      options.json ? JSON.stringify({ file: target, ...report }) : `restored ${target}: ${describe(report)}, checked`,
    );
    return 0;
  } finally {
    rmSync(staging, { force: true });
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
