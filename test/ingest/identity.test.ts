import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IdentityLink, personIdOf, resolvePersons } from '../../src/ingest/identity.js';

/** The reference: a plain union-find over all links at once, with no path tricks. */
function referencePartition(links: readonly IdentityLink[]): string[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    if (!parent.has(x)) parent.set(x, x);
    const p = parent.get(x) as string;
    return p === x ? x : find(p);
  };
  for (const { userId, otherId } of links) {
    const a = find(userId);
    const b = find(otherId);
    if (a !== b) parent.set(a, b);
  }
  const groups = new Map<string, string[]>();
  for (const id of parent.keys()) groups.set(find(id), [...(groups.get(find(id)) ?? []), id]);
  return canonical([...groups.values()]);
}

function canonical(groups: string[][]): string[][] {
  return groups.map((g) => [...g].sort()).sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

function partitionOf(mapping: Map<string, string>): string[][] {
  const groups = new Map<string, string[]>();
  for (const [id, person] of mapping) groups.set(person, [...(groups.get(person) ?? []), id]);
  return canonical([...groups.values()]);
}

/** Applies links in batches, each batch resolved against the persons it touches, as the store does. */
function applyIncrementally(batches: readonly (readonly IdentityLink[])[]): Map<string, string> {
  const mapping = new Map<string, string>();
  const userIds = new Set<string>();
  for (const batch of batches) {
    for (const l of batch) userIds.add(l.userId);
    const touched = new Set(batch.flatMap((l) => [mapping.get(l.userId), mapping.get(l.otherId)]).filter(Boolean));
    const existing = [...mapping].filter(([, person]) => touched.has(person));
    for (const [id, person] of resolvePersons(existing, batch, (id) => userIds.has(id))) mapping.set(id, person);
  }
  return mapping;
}

const id = fc.constantFrom(...'abcdefghijkl'.split('').map((c) => `id-${c}`));
const links = fc.array(
  fc.record({ userId: id, otherId: id }).filter((l) => l.userId !== l.otherId),
  { maxLength: 30 },
);

describe('identity resolution', () => {
  it('gives the reference union-find partition for any order and batching of links', () => {
    fc.assert(
      fc.property(links, fc.array(fc.nat(), { maxLength: 30 }), fc.infiniteStream(fc.boolean()), (all, order, cuts) => {
        const shuffled = [...all];
        order.forEach((n, i) => {
          const j = n % shuffled.length;
          if (shuffled.length > 0)
            [shuffled[i % shuffled.length], shuffled[j]] = [
              shuffled[j] as IdentityLink,
              shuffled[i % shuffled.length] as IdentityLink,
            ];
        });
        const batches: IdentityLink[][] = [[]];
        const cut = cuts[Symbol.iterator]();
        for (const l of shuffled) {
          (batches[batches.length - 1] as IdentityLink[]).push(l);
          if (cut.next().value) batches.push([]);
        }
        expect(partitionOf(applyIncrementally(batches))).toEqual(referencePartition(all));
      }),
      { numRuns: 500 },
    );
  });

  it('names a person by its smallest user id, whatever the order', () => {
    fc.assert(
      fc.property(links, (all) => {
        const mapping = applyIncrementally([all]);
        const userIds = new Set(all.map((l) => l.userId));
        for (const members of partitionOf(mapping)) {
          const users = members.filter((m) => userIds.has(m)).sort();
          expect(mapping.get(members[0] as string)).toBe(users[0] ?? [...members].sort()[0]);
        }
      }),
    );
    expect(personIdOf(['anon-2', 'user-b', 'anon-1', 'user-a'], (x) => x.startsWith('user'))).toBe('user-a');
  });
});
