import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { tempDir } from '../helpers/cli.js';

/** A plain union-find over all identify/alias pairs: the reference partition of distinct ids. */
function referencePartition(pairs: readonly [string, string][], ids: readonly string[]): string[][] {
  const parent = new Map<string, string>(ids.map((i) => [i, i]));
  const find = (x: string): string => (parent.get(x) === x ? x : find(parent.get(x) as string));
  for (const [a, b] of pairs) {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  }
  const groups = new Map<string, string[]>();
  for (const i of ids) groups.set(find(i), [...(groups.get(find(i)) ?? []), i]);
  return canonical([...groups.values()]);
}

function canonical(groups: string[][]): string[][] {
  return groups.map((g) => [...g].sort()).sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

const user = fc.constantFrom('u1', 'u2', 'u3', 'u4');
const anon = fc.constantFrom('a1', 'a2', 'a3', 'a4', 'a5', 'a6');
const call = fc.oneof(
  fc.record({ type: fc.constant('identify' as const), userId: user, anonymousId: anon }),
  fc.record({ type: fc.constant('alias' as const), userId: user, previousId: fc.oneof(anon, user) }),
  fc.record({ type: fc.constant('track' as const), anonymousId: anon, event: fc.constant('Viewed') }),
);

describe('identity through the store', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(() => cleanup());

  it('any order of identify/alias calls, split over files, gives the union-find partition', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(call, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 4 }),
        async (calls, files) => {
          run += 1;
          const store = await DuckDBStore.open({ path: ':memory:' });
          try {
            const messages = calls.map((c, i) => ({ ...c, messageId: `m${i}`, timestamp: 1_700_000_000 + i }));
            const size = Math.ceil(messages.length / files);
            for (let f = 0; f * size < messages.length; f += 1) {
              const path = join(dir, `run${run}-${f}.ndjson`);
              await writeFile(
                path,
                messages
                  .slice(f * size, (f + 1) * size)
                  .map((m) => JSON.stringify(m))
                  .join('\n'),
              );
              await store.importFile('events', path, { project: 'default', skipInvalid: false });
            }
            const pairs = calls.flatMap((c): [string, string][] =>
              c.type === 'identify'
                ? [[c.userId, c.anonymousId]]
                : c.type === 'alias' && c.userId !== c.previousId
                  ? [[c.userId, c.previousId]]
                  : [],
            );
            const ids = [
              ...new Set(
                calls.flatMap((c): string[] => [
                  ...('userId' in c ? [c.userId] : []),
                  ...('anonymousId' in c ? [c.anonymousId] : []),
                  ...('previousId' in c ? [c.previousId] : []),
                ]),
              ),
            ];
            const rows = await store.db.rows<{ distinct_id: string; person_id: string }>(
              `SELECT i.id AS distinct_id, coalesce(m.person_id, i.id) AS person_id
             FROM (SELECT unnest(?::VARCHAR[]) AS id) i LEFT JOIN person_map m ON m.distinct_id = i.id`.replace(
                '?',
                `['${ids.join("','")}']`,
              ),
            );
            const groups = new Map<string, string[]>();
            for (const r of rows) groups.set(r.person_id, [...(groups.get(r.person_id) ?? []), r.distinct_id]);
            expect(canonical([...groups.values()])).toEqual(referencePartition(pairs, ids));
            // Every person shows all of its ids, whichever id it is looked up by.
            for (const group of groups.values()) {
              const person = await store.getPerson('default', group[0] as string);
              if (person) expect([...person.distinctIds].sort()).toEqual([...group].sort());
            }
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
