/**
 * An Ed25519 identity starts as a 32-byte seed (RFC 8032 private key). The
 * seed is what a backup carries; for signing it is imported once into
 * WebCrypto as a NON-extractable key, after which page script can ask the
 * browser to sign but can never read the key back.
 */
import * as ed from '@noble/ed25519';

/** Length of an Ed25519 seed (private key), bytes. */
export const SEED_BYTES = 32;

/** PKCS#8 DER of an Ed25519 private key up to the 32 seed bytes (RFC 8410). */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/** A fresh random seed. */
export function generateSeed(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SEED_BYTES));
}

/** The raw public key of a seed. */
export function publicKeyFromSeed(seed: Uint8Array): Promise<Uint8Array> {
  if (seed.byteLength !== SEED_BYTES) throw new TypeError(`seed must be ${SEED_BYTES} bytes`);
  return ed.getPublicKeyAsync(seed);
}

/**
 * Imports `seed` into WebCrypto: the private key non-extractable (sign only),
 * the public key extractable (it is public). The PKCS#8 buffer is zeroed
 * afterwards so no copy of the seed outlives this call here.
 */
export async function importSeedNonExtractable(seed: Uint8Array, subtle: SubtleCrypto = crypto.subtle): Promise<CryptoKeyPair> {
  const publicRaw = await publicKeyFromSeed(seed);
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + SEED_BYTES);
  pkcs8.set(PKCS8_PREFIX, 0);
  pkcs8.set(seed, PKCS8_PREFIX.length);
  try {
    const privateKey = await subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
    const publicKey = await subtle.importKey('raw', publicRaw as BufferSource, { name: 'Ed25519' }, true, ['verify']);
    return { privateKey, publicKey };
  } finally {
    pkcs8.fill(0);
  }
}
