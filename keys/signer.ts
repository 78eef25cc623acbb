/**
 * One small signing interface over the two Ed25519 backends a browser may
 * have: WebCrypto (preferred: the private key can be a non-extractable
 * CryptoKey) and @noble/ed25519 (fallback where WebCrypto lacks Ed25519).
 * The relay never signs user data and verifies with node:crypto instead.
 */
import * as ed from '@noble/ed25519';
import { isAcceptablePublicKey } from './public-key.ts';

/** Which backend holds the private key. */
export type SignerKind = 'webcrypto' | 'noble';

/** Anything that can sign as the user's identity. */
export interface Signer {
  readonly kind: SignerKind;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** Ed25519 signature (64 bytes) over `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** Wraps a WebCrypto Ed25519 key pair. The private key may be non-extractable. */
export async function createWebCryptoSigner(keyPair: CryptoKeyPair, subtle: SubtleCrypto = crypto.subtle): Promise<Signer> {
  const publicKey = new Uint8Array(await subtle.exportKey('raw', keyPair.publicKey));
  return {
    kind: 'webcrypto',
    publicKey,
    async sign(message) {
      return new Uint8Array(await subtle.sign('Ed25519', keyPair.privateKey, message as BufferSource));
    },
  };
}

/** Wraps a 32-byte Ed25519 secret seed with @noble/ed25519. */
export async function createNobleSigner(secret: Uint8Array): Promise<Signer> {
  const publicKey = await ed.getPublicKeyAsync(secret);
  return {
    kind: 'noble',
    publicKey,
    sign: (message) => ed.signAsync(message, secret),
  };
}

/**
 * Verifies with @noble/ed25519 (browser side: clients check what they display).
 * False for a small-order or non-canonical key (public-key.ts): with those a
 * signature can verify for any message.
 */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (!isAcceptablePublicKey(publicKey)) return Promise.resolve(false);
  return ed.verifyAsync(signature, message, publicKey).catch(() => false);
}

/** True when this browser's WebCrypto can generate Ed25519 keys. */
export async function hasWebCryptoEd25519(subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): Promise<boolean> {
  if (!subtle) return false;
  try {
    const kp = (await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    return kp.privateKey.type === 'private';
  } catch {
    return false;
  }
}
