/**
 * The only reader of the environment: resolves where the store lives and which project is meant, from the
 * command line first, then FUNNELSCOPE_DB / FUNNELSCOPE_PROJECT, then the defaults.
 */
export interface Config {
  dbPath: string;
  project: string;
  /** FUNNELSCOPE_DEBUG: print stacks and causes of errors. */
  debug: boolean;
  /** FUNNELSCOPE_TRACE: print each SQL statement's time to stderr. */
  traceSql: boolean;
}

export const defaultDbPath = './funnelscope.duckdb';
export const defaultProject = 'default';

export function resolveConfig(
  flags: { db?: string; project?: string },
  env: Record<string, string | undefined> = process.env,
): Config {
  return {
    dbPath: flags.db ?? env.FUNNELSCOPE_DB ?? defaultDbPath,
    project: flags.project ?? env.FUNNELSCOPE_PROJECT ?? defaultProject,
    debug: Boolean(env.FUNNELSCOPE_DEBUG),
    traceSql: Boolean(env.FUNNELSCOPE_TRACE),
  };
}
