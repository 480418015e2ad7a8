/**
 * The only reader of the environment: resolves where the store lives and which project is meant, from the
 * command line first, then FUNNELSCOPE_STORE / FUNNELSCOPE_DB / FUNNELSCOPE_PROJECT, then the defaults.
 */
export interface Config {
  /** The DuckDB file, or a clickhouse:// URL (--store / FUNNELSCOPE_STORE). */
  dbPath: string;
  project: string;
  /** FUNNELSCOPE_DEBUG: print stacks and causes of errors. */
  debug: boolean;
  /** FUNNELSCOPE_TRACE: print each SQL statement's time to stderr. */
  traceSql: boolean;
  /** FUNNELSCOPE_THREADS: threads a funnel may use (default: the machine's cores). */
  threads?: number;
  /** FUNNELSCOPE_PARALLEL_MIN_EVENTS: below this many events a funnel runs on one thread. */
  parallelMinEvents?: number;
  /** FUNNELSCOPE_IMPORT_MEMORY: DuckDB memory while importing (default 1GB). */
  importMemory?: string;
  /** FUNNELSCOPE_SMTP_URL: the SMTP server alerts are e-mailed through (smtp://user:pass@host:port). */
  smtpUrl: string | null;
  /** FUNNELSCOPE_SMTP_FROM: the alerts' sender (default funnelscope@localhost). */
  smtpFrom: string;
}

export const defaultDbPath = './funnelscope.duckdb';
export const defaultProject = 'default';

export function resolveConfig(
  flags: { db?: string; store?: string; project?: string },
  env: Record<string, string | undefined> = process.env,
): Config {
  return {
    dbPath: flags.store ?? flags.db ?? env.FUNNELSCOPE_STORE ?? env.FUNNELSCOPE_DB ?? defaultDbPath,
    project: flags.project ?? env.FUNNELSCOPE_PROJECT ?? defaultProject,
    debug: Boolean(env.FUNNELSCOPE_DEBUG),
    traceSql: Boolean(env.FUNNELSCOPE_TRACE),
    ...positiveInteger(env.FUNNELSCOPE_THREADS, 'threads'),
    ...positiveInteger(env.FUNNELSCOPE_PARALLEL_MIN_EVENTS, 'parallelMinEvents'),
    ...(env.FUNNELSCOPE_IMPORT_MEMORY ? { importMemory: env.FUNNELSCOPE_IMPORT_MEMORY } : {}),
    smtpUrl: env.FUNNELSCOPE_SMTP_URL || null,
    smtpFrom: env.FUNNELSCOPE_SMTP_FROM || 'funnelscope@localhost',
  };
}

function positiveInteger<K extends string>(value: string | undefined, key: K): Partial<Record<K, number>> {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 0 ? ({ [key]: n } as Partial<Record<K, number>>) : {};
}
