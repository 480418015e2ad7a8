import { createHash, randomBytes } from 'node:crypto';
import type { KeyRole } from '../access/roles.js';

const rolePrefix: Record<KeyRole, string> = { write: 'w', read: 'r', admin: 'a' };

/** A new API key: a role prefix and 24 random bytes (192 bits), URL-safe. */
export function newKey(role: KeyRole): string {
  return `fs_${rolePrefix[role]}_${randomBytes(24).toString('base64url')}`;
}

/** Keys are kept as SHA-256 hashes (they are random, so no salt or slow hash is needed). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The id a key is listed and revoked by: the first 16 hex digits of its hash (not enough to look it up). */
export function keyId(hash: string): string {
  return hash.slice(0, 16);
}

/** What a listing shows of a key: its role prefix and four random characters. */
export function keyPrefix(key: string): string {
  return key.slice(0, 9);
}
