/**
 * Dashboard sign-ins, kept in the server's memory (a restart signs everyone out). A session id and its CSRF token
 * are 256-bit random values; the id travels only in an HttpOnly cookie, the token in the page's requests' header.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  csrfToken: string;
  email: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionLimits {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  maxMs: number;
}

export const defaultSessionLimits: SessionLimits = { idleMs: 8 * 3600_000, maxMs: 7 * 24 * 3600_000 };

export class SessionTable {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly limits: SessionLimits = defaultSessionLimits) {}

  create(email: string, now: number): Session {
    this.sweep(now);
    const session = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      email,
      createdAt: now,
      lastSeenAt: now,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of an id, its idle time renewed; undefined when unknown or ended. */
  get(id: string, now: number): Session | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (now - session.lastSeenAt > this.limits.idleMs || now - session.createdAt > this.limits.maxMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  /** Ends every session of a user (removed, or its role or password changed). */
  endUser(email: string): void {
    for (const [id, session] of this.sessions) if (session.email === email) this.sessions.delete(id);
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) {
      if (now - s.lastSeenAt > this.limits.idleMs || now - s.createdAt > this.limits.maxMs) this.sessions.delete(id);
    }
  }
}

/** Compares a token sent with a request to the session's, in constant time. */
export function tokensMatch(sent: string | undefined, expected: string): boolean {
  if (sent === undefined) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
