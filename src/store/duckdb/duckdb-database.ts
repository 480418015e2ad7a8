import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { diskFullError, FunnelscopeError, isDiskFull } from '../../model/errors.js';
import { latestSchemaVersion, migrations } from './migrations.js';

export interface OpenOptions {
  /** A file path or ':memory:'. */
  path: string;
  /** Apply migrations up to this version only (tests build older files with it). */
  migrateTo?: number;
  /** DuckDB memory limit, e.g. '2GB'. */
  memoryLimit?: string;
  threads?: number;
  /** Print each statement's time to stderr (a debugging aid). */
  trace?: boolean;
  /** Open without writing anything (no migration): to check a backup as it is. */
  readOnly?: boolean;
}

/** A DuckDB database with the funnelscope schema, migrated on open. Owns one instance and one connection. */
export class DuckDBDatabase {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly trace: boolean,
  ) {}

  static async open(options: OpenOptions): Promise<DuckDBDatabase> {
    const config: Record<string, string> = {};
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.threads) config.threads = String(options.threads);
    if (options.readOnly) config.access_mode = 'READ_ONLY';
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(options.path, config);
    } catch (cause) {
      throw new FunnelscopeError(
        'store_error',
        `cannot open database ${options.path}: ${(cause as Error).message}`,
        { file: options.path },
        { cause },
      );
    }
    const connection = await instance.connect();
    const db = new DuckDBDatabase(options.path, instance, connection, Boolean(options.trace));
    await connection.run(`SET TimeZone = 'UTC'`);
    if (!options.readOnly) await db.migrate(options.migrateTo ?? latestSchemaVersion);
    return db;
  }

  /** The schema version the file has now (0 for a new file). */
  async schemaVersion(): Promise<number> {
    const exists = await this.value<bigint | number>(
      `SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations' AND table_schema = 'main'`,
    );
    if (Number(exists) === 0) return 0;
    return Number((await this.value<number | null>(`SELECT max(version) FROM schema_migrations`)) ?? 0);
  }

  private async migrate(target: number): Promise<void> {
    const current = await this.schemaVersion();
    if (current > latestSchemaVersion) {
      throw new FunnelscopeError(
        'store_too_new',
        `database ${this.path} has schema version ${current}, but this funnelscope knows versions up to ` +
          `${latestSchemaVersion}: upgrade funnelscope to open it (the file was not changed)`,
        { file: this.path, schemaVersion: current, supportedVersion: latestSchemaVersion },
      );
    }
    await this.run(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`,
    );
    for (const migration of migrations) {
      if (migration.version <= current || migration.version > target) continue;
      await this.transaction(async () => {
        for (const statement of migration.statements) await this.run(statement);
        await this.run(`INSERT INTO schema_migrations VALUES ($version, $name, now()::TIMESTAMP)`, {
          version: migration.version,
          name: migration.name,
        });
      });
    }
  }

  async run(sql: string, params?: Record<string, DuckDBValue>): Promise<void> {
    try {
      const started = this.trace ? performance.now() : 0;
      await this.connection.run(sql, usedParams(sql, params));
      if (this.trace) this.log(started, sql);
    } catch (cause) {
      throw queryError(sql, cause);
    }
  }

  async rows<T = Record<string, unknown>>(sql: string, params?: Record<string, DuckDBValue>): Promise<T[]> {
    try {
      const started = this.trace ? performance.now() : 0;
      const reader = await this.connection.runAndReadAll(sql, usedParams(sql, params));
      if (this.trace) this.log(started, sql);
      return reader.getRowObjectsJS() as T[];
    } catch (cause) {
      throw queryError(sql, cause);
    }
  }

  /** The result as one array per column (cheaper than an object per row for many rows). */
  async columns<T extends Record<string, unknown[]>>(sql: string, params?: Record<string, DuckDBValue>): Promise<T> {
    try {
      const started = this.trace ? performance.now() : 0;
      const reader = await this.connection.runAndReadAll(sql, usedParams(sql, params));
      if (this.trace) this.log(started, sql);
      return reader.getColumnsObjectJS() as T;
    } catch (cause) {
      throw queryError(sql, cause);
    }
  }

  async value<T>(sql: string, params?: Record<string, DuckDBValue>): Promise<T> {
    try {
      const started = this.trace ? performance.now() : 0;
      const reader = await this.connection.runAndReadAll(sql, usedParams(sql, params));
      if (this.trace) this.log(started, sql);
      return reader.getRowsJS()[0]?.[0] as T;
    } catch (cause) {
      throw queryError(sql, cause);
    }
  }

  /** Runs `body` in one transaction: all of it lands, or none of it (also when body throws). */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const result = await body();
      await this.connection.run('COMMIT').catch((cause) => {
        throw queryError('COMMIT', cause);
      });
      return result;
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private log(started: number, sql: string): void {
    console.error(`[sql ${(performance.now() - started).toFixed(0)} ms] ${sql.replace(/\s+/g, ' ').slice(0, 100)}`);
  }

  /** Fraction (0..1) of the running query's work done, or -1 when DuckDB cannot tell. */
  progress(): number {
    const p = this.connection.progress;
    return p.percentage < 0 ? -1 : p.percentage / 100;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** The parameters a statement names ($name): DuckDB rejects binding one it does not use. */
function usedParams(
  sql: string,
  params: Record<string, DuckDBValue> | undefined,
): Record<string, DuckDBValue> | undefined {
  if (!params) return undefined;
  const used = Object.entries(params).filter(([name]) => new RegExp(`\\$${name}\\b`).test(sql));
  return used.length > 0 ? Object.fromEntries(used) : undefined;
}

/** A query error keeps the SQL that failed, so a bug report shows what ran. */
function queryError(sql: string, cause: unknown): Error {
  if (cause instanceof FunnelscopeError) return cause;
  // DuckDB rolls the transaction back and stays usable: the writer retries once there is room.
  if (isDiskFull(cause)) return diskFullError(`writing ${sql.split(/\s/)[0] ?? 'to'} the database`, cause);
  return new FunnelscopeError(
    'store_error',
    `database query failed: ${(cause as Error).message}`,
    { sql: sql.length > 2000 ? `${sql.slice(0, 2000)}…` : sql },
    { cause },
  );
}
