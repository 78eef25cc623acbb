/**
 * The relay's persistent Ed25519 identity. Generated on first start and kept
 * in the store, so clients see the same relay key after a restart (and
 * signatures bound to it stay meaningful).
 */
import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { generatePrivateKey, rawPublicKey } from './ed25519.ts';
import type { Store } from '../storage/store.ts';

/** The relay's key pair. */
export interface RelayIdentity {
  /** Raw 32-byte public key, as sent in serverHello. */
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

/** Loads the identity from `store`, generating and saving one on first start. */
export async function loadOrCreateIdentity(store: Store): Promise<RelayIdentity> {
  const saved = store.identityKey();
  if (saved) {
    const privateKey = createPrivateKey({ key: Buffer.from(saved), format: 'der', type: 'pkcs8' });
    return { privateKey, publicKey: rawPublicKey(privateKey) };
  }
  const privateKey = generatePrivateKey();
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  await store.saveIdentityKey(new Uint8Array(pkcs8));
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}
