/**
 * Password hashing with scrypt (node:crypto's, from OpenSSL: no native add-on to build). Stored as
 * `scrypt$N$r$p$salt$hash` (base64url), so the cost can rise later and old hashes still verify.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { FunnelscopeError } from '../model/errors.js';

/** 2^15 × 8 × 128 bytes = 32 MiB per hash, about 0.1 s on one core. */
const cost = { N: 2 ** 15, r: 8, p: 1 };
const keyLength = 32;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export const minPasswordLength = 10;

/** Refuses passwords too short to resist guessing, or long enough to be a denial of service. */
export function checkPassword(password: string, field = 'password'): void {
  if ([...password].length < minPasswordLength) {
    throw new FunnelscopeError('invalid_argument', `${field}: at least ${minPasswordLength} characters`, { field });
  }
  if (password.length > 1024) {
    throw new FunnelscopeError('invalid_argument', `${field}: at most 1024 characters`, { field });
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, cost.N, cost.r, cost.p);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Whether the password matches the stored hash (constant time in the hash comparison). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash || password.length > 1024) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash no password matches: verified against for unknown emails, so they take as long as known ones. */
export const unmatchableHash = `scrypt$${cost.N}$${cost.r}$${cost.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(keyLength).toString('base64url')}`;
