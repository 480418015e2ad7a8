import { type ChildProcess, spawn } from 'node:child_process';
import { binPath, runCliJson } from './cli.js';

export interface RunningServer {
  url: string;
  process: ChildProcess;
  /** SIGTERM: the server stops taking requests, stores what its log holds, and exits. */
  stop(): Promise<number | null>;
  /** SIGKILL: no clean-up at all. */
  kill(): Promise<void>;
}

/** A write key for a project of the store (the CLI a user runs). */
export async function createProject(db: string, name: string): Promise<{ writeKey: string; readKey: string }> {
  const { code, json } = await runCliJson<{ writeKey: string; readKey: string }>([
    '--db',
    db,
    'projects',
    'create',
    name,
    '--json',
  ]);
  if (code !== 0) throw new Error(`projects create failed (${code})`);
  return json;
}

/**
 * A new API key, made as a user makes one (`funnelscope keys create --json`): of `project`, or server-wide for
 * null. The key with its listing (id, role, label …).
 */
export async function createKey(
  db: string,
  role: 'write' | 'read' | 'admin',
  project: string | null = 'default',
  label?: string,
): Promise<{ key: string; id: string; role: string; label: string | null }> {
  const { code, json, stderr } = await runCliJson<{ key: string; id: string; role: string; label: string | null }>([
    '--db',
    db,
    ...(project === null ? [] : ['--project', project]),
    'keys',
    'create',
    '--role',
    role,
    ...(project === null ? ['--server-wide'] : []),
    ...(label === undefined ? [] : ['--label', label]),
    '--json',
  ]);
  if (code !== 0) throw new Error(`keys create failed (${code}): ${stderr}`);
  return json;
}

/** Starts `funnelscope serve` on a free port of 127.0.0.1 and resolves once it listens. */
export function startServer(db: string, args: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [binPath, '--db', db, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const onData = (chunk: Buffer) => {
      stdout += String(chunk);
      const match = / at (http:\/\/[\d.]+:\d+)/.exec(stdout);
      if (!match) return;
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve({
        url: match[1] as string,
        process: child,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stdout}${stderr}`)));
  });
}
