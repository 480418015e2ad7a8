/**
 * Access control from the command line (docs/access.md): the server refuses an address beyond this machine until
 * an admin exists; users, keys and the audit log through the CLI; the server then asks every caller who it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson, tempDir } from '../helpers/cli.js';
import { createKey, startServer } from '../helpers/server.js';

let dir: string;
let cleanup: () => Promise<void>;
let db: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  db = `${dir}/store.duckdb`;
});
afterAll(() => cleanup());

describe('access from the CLI', () => {
  it('refuses to serve beyond this machine without an admin, with the command to run', async () => {
    const result = await runCli(['--db', db, 'serve', '--host', '0.0.0.0', '--port', '0']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--host 0.0.0.0: refusing to listen beyond this machine until an admin exists');
    expect(result.stderr).toContain('funnelscope users add EMAIL --role admin');
  });

  it('adds users (password from stdin, checked), keys and revocations, all in the audit log', async () => {
    const short = await runCli(
      ['--db', db, 'users', 'add', 'Ann@Example.com', '--role', 'admin', '--password-stdin'],
      {},
      'short\n',
    );
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('password: at least 10 characters');
    const badRole = await runCli(
      ['--db', db, 'users', 'add', 'ann@example.com', '--role', 'owner', '--password-stdin'],
      {},
      'long enough pw\n',
    );
    expect(badRole.stderr).toContain('--role: expected one of admin, analyst, viewer');
    const added = await runCli(
      ['--db', db, 'users', 'add', 'Ann@Example.com', '--role', 'admin', '--password-stdin'],
      {},
      'a long pass phrase\n',
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('user ann@example.com: admin of every project');
    const viewer = await runCli(
      ['--db', db, 'users', 'add', 'bo@example.com', '--role', 'viewer', '--projects', 'shop, web', '--password-stdin'],
      {},
      'another pass phrase\n',
    );
    expect(viewer.code).toBe(0);
    const { json: users } = await runCliJson<{ users: { email: string; role: string; projects: string[] | null }[] }>([
      '--db',
      db,
      'users',
      'list',
      '--json',
    ]);
    expect(users.users.map((u) => [u.email, u.role, u.projects])).toEqual([
      ['ann@example.com', 'admin', null],
      ['bo@example.com', 'viewer', ['shop', 'web']],
    ]);
    expect(JSON.stringify(users)).not.toContain('scrypt');
    const lastAdmin = await runCli(['--db', db, 'users', 'remove', 'ann@example.com']);
    expect(lastAdmin.code).not.toBe(0);
    expect(lastAdmin.stderr).toContain('ann@example.com is the last admin');

    const key = await createKey(db, 'read', 'shop', 'BI');
    expect(key.key).toMatch(/^fs_r_[\w-]{32}$/);
    const { json: listed } = await runCliJson<{ keys: { id: string; revokedAt: string | null; label: string }[] }>([
      '--db',
      db,
      '--project',
      'shop',
      'keys',
      'list',
      '--json',
    ]);
    expect(listed.keys.map((k) => [k.id, k.label, k.revokedAt])).toEqual([[key.id, 'BI', null]]);
    expect((await runCli(['--db', db, '--project', 'shop', 'keys', 'revoke', key.id])).code).toBe(0);
    const again = await runCli(['--db', db, '--project', 'shop', 'keys', 'revoke', key.id]);
    expect(again.stderr).toContain(`no live key ${key.id} in project shop`);
    const { json: audit } = await runCliJson<{
      entries: { action: string; target: string; actor: string; project: string | null }[];
    }>(['--db', db, 'audit', '--all', '--json']);
    expect(audit.entries.map((e) => [e.action, e.target, e.project])).toEqual([
      ['key.revoke', key.id, 'shop'],
      ['key.create', key.id, 'shop'],
      ['user.add', 'bo@example.com', null],
      ['user.add', 'ann@example.com', null],
    ]);
    expect(audit.entries[0]?.actor).toMatch(/^cli/);
  });

  it('then serves on every interface, and asks every caller who it is', async () => {
    const admin = await createKey(db, 'admin', 'shop');
    const server = await startServer(db, ['--host', '0.0.0.0']);
    try {
      const url = server.url.replace('0.0.0.0', '127.0.0.1');
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const anonymous = await fetch(`${url}/api/funnels?project=shop`);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      const withKey = await fetch(`${url}/api/funnels`, { headers: { authorization: `Bearer ${admin.key}` } });
      expect(withKey.status).toBe(200);
      // A sign-in over plain HTTP to this machine works (the cookie is not Secure here), and reaches the API.
      const login = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'bo@example.com', password: 'another pass phrase' }),
      });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
      expect((await fetch(`${url}/api/funnels?project=shop`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${url}/api/funnels?project=other`, { headers: { cookie } })).status).toBe(403);
    } finally {
      await server.stop();
    }
  });
});
