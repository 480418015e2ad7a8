import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import {
  createKey,
  keyRoleOf,
  normaliseEmail,
  projectListOf,
  putUser,
  removeUser,
  revokeKey,
  userRoleOf,
} from '../../access/accounts.js';
import type { Config } from '../../config.js';
import { FunnelscopeError } from '../../model/errors.js';
import { withStore } from '../open-store.js';
import type { Output } from '../output.js';

/** The audit log's actor for changes made from the command line: the operating-system user. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** A password from the first line of stdin (`--password-stdin`), or typed twice at a terminal without echo. */
async function readPassword(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? '';
  }
  if (!process.stdin.isTTY) {
    throw new FunnelscopeError('invalid_argument', 'no terminal to ask for a password: pass it with --password-stdin', {
      field: '--password-stdin',
    });
  }
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      const writer = rl as unknown as { _writeToOutput: (s: string) => void };
      process.stderr.write(prompt);
      writer._writeToOutput = () => undefined; // no echo of what is typed
      rl.question('', (answer) => {
        rl.close();
        process.stderr.write('\n');
        resolve(answer);
      });
    });
  const first = await ask('password: ');
  const second = await ask('again:    ');
  if (first !== second)
    throw new FunnelscopeError('invalid_argument', 'the two passwords differ', { field: 'password' });
  return first;
}

/** `funnelscope users add EMAIL --role R [--projects a,b]`: adds a user, or changes one's role, projects and password. */
export async function usersAddCommand(
  config: Config,
  email: string,
  options: { role: string; projects?: string; passwordStdin?: boolean; json?: boolean },
  output: Output,
): Promise<number> {
  const change = {
    email: normaliseEmail(email, 'EMAIL'),
    role: userRoleOf(options.role, '--role'),
    projects: projectListOf(
      options.projects?.split(',').map((p) => p.trim()),
      '--projects',
    ),
    password: await readPassword(options.passwordStdin),
  };
  const user = await withStore(config, (store) => putUser(store, change, cliActor()));
  output.out(
    options.json
      ? JSON.stringify(user)
      : `user ${user.email}: ${user.role} of ${user.projects === null ? 'every project' : `projects ${user.projects.join(', ')}`}`,
  );
  return 0;
}

export async function usersListCommand(config: Config, options: { json?: boolean }, output: Output): Promise<number> {
  const users = await withStore(config, (store) => store.listUsers());
  if (options.json) {
    output.out(JSON.stringify({ users }));
    return 0;
  }
  if (users.length === 0) output.out('no users: the server is open to this machine only (docs/access.md)');
  for (const u of users) {
    output.out(
      `${u.email.padEnd(32)} ${u.role.padEnd(8)} ${u.projects === null ? 'every project' : u.projects.join(', ')}`,
    );
  }
  return 0;
}

export async function usersRemoveCommand(config: Config, email: string, output: Output): Promise<number> {
  const address = normaliseEmail(email, 'EMAIL');
  await withStore(config, (store) => removeUser(store, address, cliActor()));
  output.out(`removed user ${address}`);
  return 0;
}

/** `funnelscope keys create --role write|read|admin [--label L]`: a key of the project (--project), shown once. */
export async function keysCreateCommand(
  config: Config,
  options: { role: string; label?: string; serverWide?: boolean; json?: boolean },
  output: Output,
): Promise<number> {
  const role = keyRoleOf(options.role, '--role');
  const project = options.serverWide ? '' : config.project;
  const made = await withStore(config, (store) => createKey(store, project, role, options.label ?? null, cliActor()));
  if (options.json) {
    output.out(JSON.stringify({ key: made.key, ...made.info }));
    return 0;
  }
  const of = options.serverWide ? 'every project (server-wide)' : `project ${config.project}`;
  output.out(`${role} key of ${of} (id ${made.info.id}): ${made.key}`);
  output.out('Keys are stored hashed: keep it now, it is not shown again.');
  return 0;
}

export async function keysListCommand(
  config: Config,
  options: { serverWide?: boolean; json?: boolean },
  output: Output,
): Promise<number> {
  const keys = await withStore(config, (store) => store.listApiKeys(options.serverWide ? '' : config.project));
  if (options.json) {
    output.out(JSON.stringify({ keys }));
    return 0;
  }
  for (const k of keys) {
    output.out(
      `${k.id}  ${k.role.padEnd(5)} ${`${k.prefix}…`.padEnd(12)} ${k.createdAt}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'live'}  ${k.label ?? ''}`,
    );
  }
  return 0;
}

export async function keysRevokeCommand(
  config: Config,
  id: string,
  options: { serverWide?: boolean },
  output: Output,
): Promise<number> {
  const project = options.serverWide ? '' : config.project;
  await withStore(config, (store) => revokeKey(store, project, id, cliActor()));
  output.out(`revoked key ${id} of ${options.serverWide ? 'the server' : `project ${config.project}`}`);
  return 0;
}

export async function auditCommand(
  config: Config,
  options: { all?: boolean; limit: string; json?: boolean },
  output: Output,
): Promise<number> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new FunnelscopeError('invalid_argument', `--limit: expected a positive integer, got ${options.limit}`, {
      field: '--limit',
    });
  }
  const entries = await withStore(config, (store) => store.auditLog(options.all ? null : config.project, limit));
  if (options.json) {
    output.out(JSON.stringify({ entries }));
    return 0;
  }
  for (const e of entries) {
    output.out(
      `${e.at}  ${(e.project ?? '(server)').padEnd(12)} ${e.actor.padEnd(24)} ${e.action.padEnd(14)} ${e.target}`,
    );
  }
  return 0;
}
