/**
 * The organisation's identity key in a cluster: every relay reads the same
 * PKCS#8 PEM file, so browsers' pinned relay key and every signed item (ops,
 * invites, chat) stay valid whichever relay they reach. Made once by the
 * operator (`openssl genpkey -algorithm ed25519 -out org-key.pem`) and copied
 * to every relay like a TLS key; never written by the relay.
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { rawPublicKey } from '../access/ed25519.ts';
import type { RelayIdentity } from '../access/identity.ts';
import { RelayError } from '../errors.ts';

/** Reads the organisation's key from `path`. */
export async function readOrgKey(path: string): Promise<RelayIdentity> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw RelayError.invalidOptions(`cannot read the cluster key file [path:${path}]`, error);
  }
  try {
    const privateKey = createPrivateKey({ key: pem, format: 'pem' });
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`a ${String(privateKey.asymmetricKeyType)} key`);
    return { privateKey, publicKey: rawPublicKey(privateKey) };
  } catch (error) {
    throw RelayError.invalidOptions(`the cluster key file is not an Ed25519 PKCS#8 PEM key [path:${path}]`, error);
  }
}
