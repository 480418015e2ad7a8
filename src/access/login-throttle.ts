/**
 * Back-off on failed sign-ins, per account and per client address: after `free` failures in a row, each further
 * attempt must wait twice as long as the last (1 s, 2 s, 4 s … up to `maxLockMs`). While locked, attempts are
 * refused without checking the password, so guessing cannot go faster than the back-off. A success clears the
 * account's count (not the address's: one good account does not unlock guessing at others).
 */
export interface ThrottleOptions {
  /** Failures allowed before the back-off starts. */
  free: number;
  maxLockMs: number;
}

interface Failures {
  count: number;
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly byKey = new Map<string, Failures>();

  constructor(
    private readonly options: ThrottleOptions,
    private readonly limit = 100_000,
  ) {}

  /** Milliseconds until `key` may try again (0: now). */
  waitMs(key: string, now: number): number {
    const entry = this.byKey.get(key);
    return entry ? Math.max(0, entry.lockedUntil - now) : 0;
  }

  failed(key: string, now: number): void {
    const entry = this.byKey.get(key) ?? { count: 0, lockedUntil: 0 };
    entry.count += 1;
    const over = entry.count - this.options.free;
    if (over > 0) entry.lockedUntil = now + Math.min(this.options.maxLockMs, 1000 * 2 ** Math.min(over - 1, 30));
    this.byKey.delete(key);
    this.byKey.set(key, entry);
    // The oldest entries go first when the map is full (insertion order is last-failure order).
    if (this.byKey.size > this.limit) {
      const oldest = this.byKey.keys().next().value;
      if (oldest !== undefined) this.byKey.delete(oldest);
    }
  }

  succeeded(key: string): void {
    this.byKey.delete(key);
  }
}
