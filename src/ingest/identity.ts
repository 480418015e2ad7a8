/**
 * Identity resolution: distinct ids linked by identify (userId + anonymousId) or alias (previousId → userId)
 * calls are one person. The partition is the connected components of the links (union-find), so the order in
 * which links arrive never matters. Each person is named by its smallest user id (an id that appeared as
 * userId in a link) or, if it has none, by its smallest distinct id; names may change as persons merge, which
 * is why events keep their distinct id and are mapped to persons at query time.
 */

export interface IdentityLink {
  userId: string;
  otherId: string;
}

/** Union-find over string ids with path halving and union by size. */
export class DisjointSets {
  private readonly parent = new Map<string, string>();
  private readonly size = new Map<string, number>();

  add(id: string): void {
    if (!this.parent.has(id)) {
      this.parent.set(id, id);
      this.size.set(id, 1);
    }
  }

  find(id: string): string {
    this.add(id);
    let x = id;
    for (;;) {
      const p = this.parent.get(x) as string;
      if (p === x) return x;
      const grand = this.parent.get(p) as string;
      this.parent.set(x, grand);
      x = grand;
    }
  }

  union(a: string, b: string): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if ((this.size.get(ra) ?? 1) < (this.size.get(rb) ?? 1)) [ra, rb] = [rb, ra];
    this.parent.set(rb, ra);
    this.size.set(ra, (this.size.get(ra) ?? 1) + (this.size.get(rb) ?? 1));
  }

  /** Members grouped by component. */
  components(): string[][] {
    const byRoot = new Map<string, string[]>();
    for (const id of this.parent.keys()) {
      const root = this.find(id);
      const list = byRoot.get(root);
      if (list) list.push(id);
      else byRoot.set(root, [id]);
    }
    return [...byRoot.values()];
  }
}

/** The person id of a component: its smallest user id, else its smallest id. */
export function personIdOf(members: readonly string[], isUserId: (id: string) => boolean): string {
  let best: string | undefined;
  let bestIsUser = false;
  for (const id of members) {
    const user = isUserId(id);
    if (best === undefined || (user && !bestIsUser) || (user === bestIsUser && id < best)) {
      best = id;
      bestIsUser = user;
    }
  }
  if (best === undefined) throw new Error('a person has at least one id');
  return best;
}

/**
 * Merges new links into the persons they touch. `existing` holds the current (distinctId → personId) rows of
 * every person any new link touches (all their members). Returns the new rows for all members of the
 * affected persons.
 */
export function resolvePersons(
  existing: readonly (readonly [distinctId: string, personId: string])[],
  links: readonly IdentityLink[],
  isUserId: (id: string) => boolean,
): Map<string, string> {
  const sets = new DisjointSets();
  for (const [distinctId, personId] of existing) sets.union(distinctId, personId);
  for (const link of links) sets.union(link.userId, link.otherId);
  const result = new Map<string, string>();
  for (const members of sets.components()) {
    const personId = personIdOf(members, isUserId);
    for (const id of members) result.set(id, personId);
  }
  return result;
}
