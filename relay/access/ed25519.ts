/**
 * Ed25519 over node:crypto with raw 32-byte keys, which is what the wire
 * carries. node:crypto wants KeyObjects, so raw public keys are wrapped in the
 * fixed SPKI DER prefix (RFC 8410).
 */
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isAcceptablePublicKey } from '../../keys/public-key.ts';
import { KEY_BYTES, SIGNATURE_BYTES } from '../../proto/index.ts';

/** DER of SubjectPublicKeyInfo { id-Ed25519 } up to the 32 key bytes. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** KeyObject for a raw Ed25519 public key. Throws on a wrong length. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.byteLength !== KEY_BYTES) throw new TypeError(`Ed25519 public key must be ${KEY_BYTES} bytes`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The raw 32 bytes of an Ed25519 public (or private) KeyObject. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.byteLength - KEY_BYTES));
}

/** Generates a fresh Ed25519 private key. */
export function generatePrivateKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey;
}

/**
 * Verifies `signature` over `message` by raw `publicKey`. Never throws: a key
 * node:crypto rejects (not on the curve) counts as a bad signature, and so
 * does a small-order or non-canonical key (keys/public-key.ts), which
 * node:crypto would accept with a signature that verifies for any message.
 */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.byteLength !== SIGNATURE_BYTES || !isAcceptablePublicKey(publicKey)) return false;
  try {
    return verify(null, message, publicKeyFromRaw(publicKey), signature);
  } catch {
    return false;
  }
}
