/**
 * API keys → their owners, for every route of the server (the ingestion routes' write keys and the API's bearer
 * keys alike). A known key is remembered and answered at once, so a request never waits for the store, which may be
 * busy storing the log; it is looked up again in the background once a minute, so a key revoked where this server
 * does not see it (the CLI of a ClickHouse store, which can run beside the server) stops within a minute. A miss
 * is remembered for five seconds in a bounded map of its own (unknown keys cannot crowd out known ones). Concurrent
 * look-ups of one key share one query. `forget` drops everything (a key revoked through this server stops at once).
 */
import type { KeyOwner, Store } from '../store/store.js';

interface Known {
  owner: Promise<KeyOwner | undefined>;
  checkedAt: number;
}

export class KeyCache {
  private readonly known = new Map<string, Known>();
  private readonly misses = new Map<string, number>();

  constructor(
    private readonly store: Pick<Store, 'keyOwner'>,
    private readonly recheckMs = 60_000,
  ) {}

  owner(key: string): Promise<KeyOwner | undefined> {
    const hit = this.known.get(key);
    if (hit) {
      if (Date.now() - hit.checkedAt > this.recheckMs) {
        const fresh = this.lookUp(key);
        // The known answer serves until the new one is in (and stays if the look-up fails).
        hit.checkedAt = fresh.checkedAt;
        fresh.owner.then(
          (owner) => {
            if (owner !== undefined) this.known.set(key, fresh);
          },
          () => undefined,
        );
      }
      return hit.owner;
    }
    const missUntil = this.misses.get(key);
    if (missUntil !== undefined && missUntil > Date.now()) return Promise.resolve(undefined);
    const entry = this.lookUp(key);
    this.known.set(key, entry);
    return entry.owner;
  }

  forget(): void {
    this.known.clear();
    this.misses.clear();
  }

  private lookUp(key: string): Known {
    const checkedAt = Date.now();
    const owner = this.store.keyOwner(key).then((found) => {
      if (found === undefined) {
        this.known.delete(key);
        if (this.misses.size >= 10_000) this.misses.clear();
        this.misses.set(key, Date.now() + 5_000);
      }
      return found;
    });
    owner.catch(() => this.known.delete(key));
    return { owner, checkedAt };
  }
}
