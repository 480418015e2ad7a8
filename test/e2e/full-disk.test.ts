/**
 * A full disk (docs/privacy.md): the server keeps running, refuses what it cannot keep with 507 and a clear
 * message (never acknowledging an event it did not write), and once there is room again takes events and stores
 * every one it acknowledged; the store passes its integrity check. The disk is a 24 MiB tmpfs mounted here
 * (skipped, saying so, where mounting is not allowed).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { queryStore, runCli, runCliJson } from '../helpers/cli.js';
import { startServer } from '../helpers/server.js';

const mountPoint = join(tmpdir(), `fs-full-disk-${process.pid}`);
let mounted = false;
try {
  mkdirSync(mountPoint, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  console.warn('full-disk: skipped, cannot mount a tmpfs here (needs root)');
}

afterAll(() => {
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const freeMiB = () => {
  const s = statfsSync(mountPoint);
  return (s.bavail * s.bsize) / 1048576;
};

describe.skipIf(!mounted)('a full disk', () => {
  it('is refused clearly, survived, and every acknowledged event is stored once there is room', async () => {
    const db = join(mountPoint, 'store.duckdb');
    const { json: write } = await runCliJson<{ writeKey: string }>([
      '--db',
      db,
      'projects',
      'create',
      'shop',
      '--json',
    ]);
    const server = await startServer(db, ['--flush-ms', '100']);
    const filler = join(mountPoint, 'filler');
    const auth = `Basic ${Buffer.from(`${write.writeKey}:`).toString('base64')}`;
    const acked: string[] = [];
    let batch = 0;
    const send = async () => {
      const ids = Array.from({ length: 200 }, (_, i) => `b${batch}-${i}`);
      batch += 1;
      const response = await fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({
          batch: ids.map((id) => ({
            type: 'track',
            event: 'E',
            userId: `u${batch % 11}`,
            messageId: id,
            properties: { pad: `${id}${'z'.repeat(300)}` },
          })),
        }),
      });
      const body = (await response.json()) as { error?: { code: string; message: string } };
      if (response.status === 200) acked.push(...ids);
      return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
    };
    try {
      expect((await send()).status).toBe(200);
      writeFileSync(filler, Buffer.alloc(Math.max(0, Math.floor((freeMiB() - 1) * 1048576))));
      let refused: Awaited<ReturnType<typeof send>> | undefined;
      for (let i = 0; i < 200 && !refused; i += 1) {
        const answer = await send();
        if (answer.status !== 200) refused = answer;
      }
      expect(refused?.status).toBe(507);
      expect(refused?.body.error?.code).toBe('storage_full');
      expect(refused?.body.error?.message).toMatch(/the disk is full .*nothing of it was kept\. Free space and retry/);
      expect(refused?.retryAfter).toBe('30');
      expect((await fetch(`${server.url}/health`)).status).toBe(200);

      rmSync(filler);
      for (let i = 0; i < 5; i += 1) expect((await send()).status).toBe(200);
    } finally {
      rmSync(filler, { force: true });
      expect(await server.stop()).toBe(0);
    }
    expect((await runCli(['--db', db, 'check'])).code).toBe(0);
    const stored = new Set(
      (await queryStore<{ id: string }>(db, `SELECT message_id AS id FROM events`)).map((r) => r.id),
    );
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    expect(acked.length).toBeGreaterThan(1000);
  }, 120_000);
});
