/**
 * Which Ed25519 public keys Parley accepts (docs/PROTOCOL.md, "Identity
 * keys"): a key must be the canonical encoding (RFC 8032 §5.1.3: y < p) of a
 * point that is not of small order. A small-order key (the identity point
 * above all) lets a signature verify for any message under the usual
 * cofactored or cofactorless checks, so whoever knows the trick could sign in
 * and post as that "identity"; non-canonical encodings give one point two
 * names (two identities, one key). The relay and the browser both use this
 * one predicate, before any signature check.
 *
 * Pure and cheap (a few BigInt comparisons, no point decompression): it does
 * not prove the point is on the curve; an off-curve key can never verify a
 * signature, which every verifier already refuses.
 */

/** The field prime 2^255 - 19. */
const P = (1n << 255n) - 19n;

/** y of the two order-8 point pairs (libsodium's blocklist; the other is P - Y8). */
const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;

/**
 * y-coordinates of the 8 small-order points: identity (y = 1), order 2
 * (y = -1), order 4 (y = 0, x = ±√-1), order 8 (y = ±Y8, two x each).
 */
const SMALL_ORDER_Y: ReadonlySet<bigint> = new Set([1n, P - 1n, 0n, Y8, P - Y8]);

/** Why a public key is refused, or null when it is acceptable. */
export type PublicKeyFault = 'length' | 'non-canonical' | 'small-order';

/** The 255-bit little-endian y (the top bit is the sign of x). */
function decodeY(raw: Uint8Array): bigint {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? raw[i]! & 0x7f : raw[i]!);
  return y;
}

/** What is wrong with `raw` as an Ed25519 public key, or null when nothing is. */
export function publicKeyFault(raw: Uint8Array): PublicKeyFault | null {
  if (raw.byteLength !== 32) return 'length';
  const y = decodeY(raw);
  if (y >= P) return 'non-canonical';
  // x = 0 only for y = ±1, both small order: the other non-canonical form (x = 0 with the sign
  // bit set, "-0") is refused here too.
  if (SMALL_ORDER_Y.has(y)) return 'small-order';
  return null;
}

/** True when `raw` is an acceptable Ed25519 public key ({@link publicKeyFault} is null). */
export function isAcceptablePublicKey(raw: Uint8Array): boolean {
  return publicKeyFault(raw) === null;
}
