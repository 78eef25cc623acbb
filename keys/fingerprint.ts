/**
 * A short, readable form of a public key for people to compare:
 * the first 10 bytes of SHA-256(publicKey) in lowercase base32 (no padding),
 * grouped 4-4-4-4 — e.g. `k3qz-7a2m-xw9d-4hpe`. 80 bits is plenty to spot
 * an impostor by eye; it is not used for lookups where collisions matter.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Base32 (RFC 4648 alphabet, lowercase, unpadded). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Fingerprint of a raw Ed25519 public key. */
export async function fingerprint(publicKey: Uint8Array, subtle: SubtleCrypto = crypto.subtle): Promise<string> {
  const digest = new Uint8Array(await subtle.digest('SHA-256', publicKey as BufferSource));
  const s = base32(digest.subarray(0, 10));
  return s.match(/.{1,4}/g)!.join('-');
}

/** Lower-case hex (one home: proto/bytes.ts). */
export { toHex } from '../proto/bytes.ts';
