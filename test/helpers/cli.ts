import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const binPath = join(repoRoot, 'bin/funnelscope.js');
export const fixtures = join(repoRoot, 'test/fixtures');
/** The shared data sets (absent on a machine without ../shared: tests that need them skip, saying so). */
export const sharedDatasets = resolve(repoRoot, '../shared/datasets');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the same bin a user runs, with its own environment (no FUNNELSCOPE_* leaking in). */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      process.execPath,
      [binPath, ...args],
      { env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs the CLI and parses its stdout as JSON. */
export async function runCliJson<T = unknown>(
  args: string[],
  env?: Record<string, string>,
): Promise<{ code: number; json: T; stderr: string }> {
  const result = await runCli(args, env);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
  return { code: result.code, json, stderr: result.stderr };
}

/** A fresh temporary folder, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'funnelscope-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A store file in a fresh directory filled by `funnelscope demo` with these flags (e.g. --visitors, --days). */
export async function demoStore(flags: string[]): Promise<{ db: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir();
  const db = join(dir, 'demo.duckdb');
  const result = await runCli(['--db', db, 'demo', ...flags]);
  if (result.code !== 0) throw new Error(`funnelscope demo failed: ${result.stderr}`);
  return { db, cleanup };
}

/** Rows of a query against a store file the CLI wrote (opened after the CLI process has exited). */
export async function queryStore<T = Record<string, unknown>>(
  db: string,
  sql: string,
  params?: Record<string, string>,
): Promise<T[]> {
  const { DuckDBStore } = await import('../../src/store/duckdb/duckdb-store.js');
  const store = await DuckDBStore.open({ path: db });
  try {
    return await store.db.rows<T>(sql, params);
  } finally {
    await store.close();
  }
}
