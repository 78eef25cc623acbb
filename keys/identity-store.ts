/**
 * Persists the user's identity key in IndexedDB (via idb).
 *
 * Preferred: a WebCrypto Ed25519 key pair whose private half is
 * non-extractable; IndexedDB stores the CryptoKey objects themselves
 * (structured clone), so no page script can read the private key bytes.
 * Fallback: a @noble/ed25519 seed stored as bytes. See docs/decisions.md.
 */
import { openDB } from 'idb';
import type { IDBPDatabase } from 'idb';
import { createNobleSigner, createWebCryptoSigner, hasWebCryptoEd25519 } from './signer.ts';
import type { Signer } from './signer.ts';

const DB_NAME = 'parley-identity';
const STORE = 'identity';
const KEY = 'self';

/** The stored record: one of the two backends. */
export type IdentityRecord =
  | { readonly kind: 'webcrypto'; readonly keyPair: CryptoKeyPair; readonly createdAt: number }
  | { readonly kind: 'noble'; readonly secret: Uint8Array; readonly createdAt: number };

/** Options for tests and the fallback path. */
export interface IdentityStoreOptions {
  /** Force the noble fallback even when WebCrypto Ed25519 exists. */
  readonly forceNoble?: boolean;
  readonly dbName?: string;
}

/** Opens (or creates) the identity database. */
export function openIdentityDb(dbName = DB_NAME): Promise<IDBPDatabase> {
  return openDB(dbName, 1, {
    upgrade(db) {
      db.createObjectStore(STORE);
    },
  });
}

async function signerFor(record: IdentityRecord): Promise<Signer> {
  return record.kind === 'webcrypto' ? createWebCryptoSigner(record.keyPair) : createNobleSigner(record.secret);
}

/**
 * Returns this browser's identity, creating and storing one on first use.
 * The same key comes back after reloads and browser restarts.
 */
export async function loadOrCreateIdentity(options: IdentityStoreOptions = {}): Promise<Signer> {
  const db = await openIdentityDb(options.dbName);
  try {
    const existing = (await db.get(STORE, KEY)) as IdentityRecord | undefined;
    if (existing) return await signerFor(existing);
    let record: IdentityRecord;
    if (!options.forceNoble && (await hasWebCryptoEd25519())) {
      const keyPair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
      record = { kind: 'webcrypto', keyPair, createdAt: Date.now() };
    } else {
      const secret = crypto.getRandomValues(new Uint8Array(32));
      record = { kind: 'noble', secret, createdAt: Date.now() };
    }
    // add() (not put) so two tabs racing on first visit cannot overwrite each other:
    // the loser reads the winner's key.
    try {
      await db.add(STORE, record, KEY);
    } catch {
      const winner = (await db.get(STORE, KEY)) as IdentityRecord;
      return await signerFor(winner);
    }
    return await signerFor(record);
  } finally {
    db.close();
  }
}

/** Deletes the stored identity (the next load creates a new one). */
export async function forgetIdentity(dbName = DB_NAME): Promise<void> {
  const db = await openIdentityDb(dbName);
  try {
    await db.delete(STORE, KEY);
  } finally {
    db.close();
  }
}
