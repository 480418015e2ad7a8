/**
 * Retention (docs/privacy.md): a project's events older than its retention are removed by `retention apply` (and
 * hourly by the server), audited; other projects keep theirs; bad values are refused naming the field.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStore, runCli, runCliJson, tempDir } from '../helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('retention', () => {
  it('removes the events older than N days of that project only, and says what it did', async () => {
    const db = join(dir, 'r.duckdb');
    const day = 86_400_000;
    const ages = [400, 45, 31, 29.9, 3, 0.5]; // days ago
    const file = join(dir, 'events.ndjson');
    writeFileSync(
      file,
      `${ages.map((age, i) => JSON.stringify({ type: 'track', event: 'E', userId: `u${i}`, messageId: `m${i}`, timestamp: new Date(Date.now() - age * day).toISOString() })).join('\n')}\n`,
    );
    for (const project of ['shop', 'blog']) {
      expect((await runCli(['--db', db, '--project', project, 'import', 'events', file])).code).toBe(0);
    }
    const bad = await runCli(['--db', db, '--project', 'shop', 'retention', 'set', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('DAYS: expected whole days from 1 to 36500, or off');
    expect((await runCli(['--db', db, '--project', 'shop', 'retention', 'set', '30'])).code).toBe(0);
    const shown = await runCliJson<{ days: number }>(['--db', db, '--project', 'shop', 'retention', 'show', '--json']);
    expect(shown.json.days).toBe(30);
    const run = await runCliJson<{ deleted: number; days: number; cutoff: string }>([
      '--db',
      db,
      '--project',
      'shop',
      'retention',
      'apply',
      '--json',
    ]);
    expect(run.json).toMatchObject({ days: 30, deleted: 3 });
    const left = await queryStore<{ project: string; n: bigint }>(
      db,
      `SELECT project_id AS project, count(*) AS n FROM events GROUP BY 1 ORDER BY 1`,
    );
    expect(left.map((r) => [r.project, Number(r.n)])).toEqual([
      ['blog', 6],
      ['shop', 3],
    ]);
    const again = await runCliJson<{ deleted: number }>([
      '--db',
      db,
      '--project',
      'shop',
      'retention',
      'apply',
      '--json',
    ]);
    expect(again.json.deleted).toBe(0);
    const audit = await runCliJson<{ entries: { action: string; details: Record<string, unknown> }[] }>([
      '--db',
      db,
      '--project',
      'shop',
      'audit',
      '--json',
    ]);
    expect(audit.json.entries.map((e) => e.action)).toEqual(['retention.apply', 'retention.set']);
    expect(audit.json.entries[0]?.details).toMatchObject({ deleted: 3, days: 30 });
    expect((await runCli(['--db', db, '--project', 'shop', 'retention', 'set', 'off'])).code).toBe(0);
    expect(
      (await runCliJson<{ days: null }>(['--db', db, '--project', 'shop', 'retention', 'show', '--json'])).json.days,
    ).toBeNull();
  });
});
