import { createHash, randomBytes } from 'node:crypto';
import type { KeyKind } from './store.js';

/** A new API key: a kind prefix and 24 random bytes (192 bits), URL-safe. */
export function newKey(kind: KeyKind): string {
  return `fs_${kind === 'write' ? 'w' : 'r'}_${randomBytes(24).toString('base64url')}`;
}

/** Keys are kept as SHA-256 hashes (they are random, so no salt or slow hash is needed). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
