/**
 * Server password handling: the configured password is hashed once at startup
 * with scrypt and a random salt, and only the hash is kept. An offered password
 * is hashed with the same salt and compared in constant time.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters (Node's defaults: ~16 MiB, tens of ms per hash). */
const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Cap on the offered password so a client cannot make us hash megabytes. */
const MAX_PASSWORD_BYTES = 1024;

/** A salted scrypt hash of the server password. Holds no clear text. */
export interface PasswordHash {
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

function derive(password: string, salt: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Async scrypt runs on the libuv pool, so a login never blocks the event loop.
    scrypt(password.normalize('NFC'), salt, HASH_BYTES, SCRYPT, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes `password` with a fresh random salt. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  return { salt, hash: await derive(password, salt) };
}

/** True when `offered` hashes to `stored`. Compares in constant time. */
export async function verifyPassword(stored: PasswordHash, offered: string): Promise<boolean> {
  if (Buffer.byteLength(offered, 'utf8') > MAX_PASSWORD_BYTES) return false;
  const candidate = await derive(offered, stored.salt);
  return candidate.byteLength === stored.hash.byteLength && timingSafeEqual(candidate, stored.hash);
}
