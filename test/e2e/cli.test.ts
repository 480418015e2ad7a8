import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, runCli, runCliJson, tempDir } from '../helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('the funnelscope bin', () => {
  it('answers --help in at most 0.5 s', () => {
    execFileSync(process.execPath, [binPath, '--help']); // warm the file cache
    const started = performance.now();
    const help = execFileSync(process.execPath, [binPath, '--help'], { encoding: 'utf8' });
    expect(performance.now() - started).toBeLessThan(500);
    expect(help).toContain('import');
    expect(help).toContain('people');
  });

  it('fills a store with the demo business and shows a person merged across devices', async () => {
    const db = join(dir, 'demo.duckdb');
    const demo = await runCliJson<{ kind: string; imported: number; rejected: number; identityLinks?: number }[]>([
      '--db',
      db,
      'demo',
      '--visitors',
      '3000',
      '--days',
      '60',
      '--end-date',
      '2026-06-30',
      '--json',
    ]);
    expect(demo.code).toBe(0);
    expect(demo.json.map((s) => s.kind)).toEqual(['events', 'deals', 'deal-stages', 'spend']);
    expect(demo.json.every((s) => s.rejected === 0 && s.imported > 0)).toBe(true);
    const status = await runCliJson<{
      events: number;
      deals: number;
      recentImports: { kind: string; imported: number }[];
    }>(['--db', db, 'status', '--json']);
    expect(status.json.events).toBe(demo.json[0]?.imported);
    expect(status.json.deals).toBe(demo.json[1]?.imported);
    expect(status.json.recentImports.map((i) => i.kind)).toEqual(['spend', 'deal-stages', 'deals', 'events']);
    const again = await runCliJson<{ skipped: boolean }>(['--db', db, 'demo', '--if-empty', '--json']);
    expect(again.json.skipped).toBe(true);

    const person = await runCliJson<{
      personId: string;
      distinctIds: string[];
      traits: { email?: string };
      eventCount: number;
    }>(['--db', db, 'people', 'show', 'user-00001', '--json']);
    expect(person.code).toBe(0);
    expect(person.json.personId).toBe('user-00001');
    expect(person.json.distinctIds.some((id) => id.startsWith('anon-'))).toBe(true);
    expect(person.json.traits.email).toMatch(/^user-00001@/);
    // Looked up by its anonymous id, it is the same person.
    const anon = person.json.distinctIds.find((id) => id.startsWith('anon-')) as string;
    const byAnon = await runCliJson<{ personId: string; eventCount: number }>([
      '--db',
      db,
      'people',
      'show',
      anon,
      '--json',
    ]);
    expect(byAnon.json).toMatchObject({ personId: 'user-00001', eventCount: person.json.eventCount });

    const text = await runCli(['--db', db, 'people', 'show', 'user-00001']);
    expect(text.stdout).toContain('person      user-00001');
    const unknown = await runCliJson<{ error: { code: string } }>(['--db', db, 'people', 'show', 'nobody', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.json.error.code).toBe('not_found');
  });

  it('reads the store path from FUNNELSCOPE_DB', async () => {
    const db = join(dir, 'env.duckdb');
    const status = await runCliJson<{ db: string; events: number }>(['status', '--json'], { FUNNELSCOPE_DB: db });
    expect(status.json).toMatchObject({ db, events: 0 });
  });
});

describe('usage errors', () => {
  it('exit with 2 and the JSON error body under --json', async () => {
    const result = await runCliJson<{ error: { code: string; message: string } }>([
      'import',
      'bogus',
      'x.csv',
      '--json',
    ]);
    expect(result.code).toBe(2);
    expect(result.json.error.code).toBe('invalid_argument');
    expect(result.json.error.message).toContain('bogus');
  });
});
