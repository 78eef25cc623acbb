/**
 * keys/public-key.ts: the one rule for which Ed25519 public keys Parley
 * accepts, and both verifiers (relay node:crypto, browser noble) applying it.
 * The 8 small-order points are derived here from an order-8 point with
 * noble's arithmetic, not copied from the module's table.
 */
import * as ed from '@noble/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAcceptablePublicKey, publicKeyFault, verifyEd25519 as verifyInBrowser } from '../../keys/index.ts';
import { generatePrivateKey, rawPublicKey, verifyEd25519 as verifyOnRelay } from '../../relay/access/ed25519.ts';

const P = (1n << 255n) - 19n;
const MESSAGE = new TextEncoder().encode('any message at all');

/** 32-byte little-endian encoding of `y` with the x sign bit `sign`. */
function encode(y: bigint, sign: 0 | 1): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((y >> BigInt(8 * i)) & 0xffn);
  out[31] = (out[31]! & 0x7f) | (sign << 7);
  return out;
}

/** The 8 points of order dividing 8: multiples of a point T with 8T = 0 and 4T ≠ 0. */
function smallOrderPoints(): Uint8Array[] {
  // A random curve point times the group order L keeps only its torsion part; try points until
  // that part has order 8 (L·q computed as (L - 1)·q + q: noble takes scalars below L).
  const L = ed.Point.CURVE().n;
  for (let y = 2n; ; y++) {
    let q: ed.Point;
    try {
      q = ed.Point.fromBytes(encode(y, 0), false);
    } catch {
      continue;
    }
    const t = q.multiplyUnsafe(L - 1n).add(q);
    if (t.multiplyUnsafe(4n).is0()) continue;
    const points: ed.Point[] = [ed.Point.ZERO];
    for (let i = 1; i < 8; i++) points.push(points[i - 1]!.add(t));
    expect(points[7]!.add(t).is0()).toBe(true);
    return points.map((p) => p.toBytes());
  }
}

describe('acceptable Ed25519 public keys', () => {
  const small = smallOrderPoints();

  it('refuses all 8 small-order points, and they are 8 distinct encodings', () => {
    expect(new Set(small.map((b) => Buffer.from(b).toString('hex'))).size).toBe(8);
    for (const key of small) expect(publicKeyFault(key)).toBe('small-order');
  });

  it('refuses non-canonical encodings: y ≥ p with either sign bit, and "-0" for the x = 0 points', () => {
    for (let y = P; y < 1n << 255n; y++) {
      expect(publicKeyFault(encode(y, 0))).toBe('non-canonical');
      expect(publicKeyFault(encode(y, 1))).toBe('non-canonical');
    }
    // x = 0 (identity, order 2) with the sign bit set: another name for the same point.
    expect(isAcceptablePublicKey(encode(1n, 1))).toBe(false);
    expect(isAcceptablePublicKey(encode(P - 1n, 1))).toBe(false);
    expect(publicKeyFault(new Uint8Array(31))).toBe('length');
  });

  it('accepts every real key (node:crypto and noble generated)', async () => {
    for (let i = 0; i < 50; i++) expect(publicKeyFault(rawPublicKey(generatePrivateKey()))).toBeNull();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (secret) => {
        expect(isAcceptablePublicKey(await ed.getPublicKeyAsync(secret))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with noble on random bytes: refused exactly when the strict decoding fails as non-canonical or is small order', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (raw) => {
        let point: ed.Point | null = null;
        try {
          point = ed.Point.fromBytes(raw, false);
        } catch {
          point = null;
        }
        // Off-curve keys may pass the byte rule (no signature verifies under them anyway).
        if (point) expect(isAcceptablePublicKey(raw)).toBe(!point.isSmallOrder());
      }),
      { numRuns: 300 },
    );
  });

  it('neither verifier accepts the "verifies for any message" signature of the identity key (both did before)', async () => {
    const identity = small[0]!;
    // R = identity, S = 0: S·B = R + h·A holds for every message when A is the identity.
    const signature = new Uint8Array(64);
    signature.set(identity, 0);
    expect(verifyOnRelay(identity, MESSAGE, signature)).toBe(false);
    expect(await verifyInBrowser(identity, MESSAGE, signature)).toBe(false);
    for (const key of small) {
      const sig = new Uint8Array(64);
      sig.set(small[0]!, 0);
      expect(verifyOnRelay(key, MESSAGE, sig)).toBe(false);
      expect(await verifyInBrowser(key, MESSAGE, sig)).toBe(false);
    }
    // A real key still verifies on both sides.
    const secret = ed.utils.randomSecretKey();
    const good = await ed.signAsync(MESSAGE, secret);
    const publicKey = await ed.getPublicKeyAsync(secret);
    expect(verifyOnRelay(publicKey, MESSAGE, good)).toBe(true);
    expect(await verifyInBrowser(publicKey, MESSAGE, good)).toBe(true);
  });
});
