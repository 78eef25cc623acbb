/**
 * Persists the user's identity in IndexedDB (via idb) and offers its backup.
 *
 * Preferred (WebCrypto Ed25519): a 32-byte seed is generated once and
 * imported at once as a NON-extractable CryptoKey; IndexedDB stores the
 * CryptoKey objects (structured clone), so no page script can read the
 * private key. The seed itself is never stored in clear: it stays in page
 * memory only until the user saves a backup, which keeps a copy encrypted
 * under their passphrase (the page never stores the passphrase). Later
 * "download backup" re-offers that encrypted copy after checking the
 * passphrase. Fallback (no WebCrypto Ed25519): a @noble/ed25519 seed stored
 * as bytes, backed up from the stored seed. See docs/decisions.md D30.
 */
import { openDB } from 'idb';
import type { IDBPDatabase } from 'idb';
import { BackupError, decryptBackup, encryptSeed, parseBackup, serializeBackup } from './backup.ts';
import type { BackupFile, BackupOptions } from './backup.ts';
import { generateSeed, importSeedNonExtractable } from './seed.ts';
import { createNobleSigner, createWebCryptoSigner, hasWebCryptoEd25519 } from './signer.ts';
import type { Signer } from './signer.ts';

const DB_NAME = 'parley-identity';
const STORE = 'identity';
const KEY = 'self';

/** The stored record: one of the two backends. */
export type IdentityRecord =
  | { readonly kind: 'webcrypto'; readonly keyPair: CryptoKeyPair; readonly createdAt: number; readonly backup?: BackupFile }
  | { readonly kind: 'noble'; readonly secret: Uint8Array; readonly createdAt: number };

/**
 * Whether a backup can be made:
 * - `needed`: new key, seed still in this page's memory: back up now, later is impossible;
 * - `saved`: an encrypted copy is stored; downloading it again asks for its passphrase;
 * - `available`: fallback key, stored as bytes: back up any time;
 * - `lost`: a non-extractable key with no backup (made before backups, or the page was
 *   closed before backing up): it cannot leave this browser.
 */
export type BackupStatus = 'needed' | 'saved' | 'available' | 'lost';

/** Options for tests and the fallback path. */
export interface IdentityStoreOptions {
  /** Force the noble fallback even when WebCrypto Ed25519 exists. */
  readonly forceNoble?: boolean;
  readonly dbName?: string;
  /** Backup KDF settings (tests use fewer iterations). */
  readonly backup?: BackupOptions;
}

/** Opens (or creates) the identity database. */
export function openIdentityDb(dbName = DB_NAME): Promise<IDBPDatabase> {
  return openDB(dbName, 1, {
    upgrade(db) {
      db.createObjectStore(STORE);
    },
  });
}

async function withDb<T>(dbName: string | undefined, fn: (db: IDBPDatabase) => Promise<T>): Promise<T> {
  const db = await openIdentityDb(dbName);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

/** This browser's identity: its signer and its backup. Get one with {@link loadIdentity}. */
export class Identity {
  readonly signer: Signer;
  /** True when this load created the key (first visit). */
  readonly createdNow: boolean;
  readonly #options: IdentityStoreOptions;
  #record: IdentityRecord;
  /** The seed of a new WebCrypto key until its first backup. Page memory only. */
  #pendingSeed: Uint8Array | null;

  private constructor(signer: Signer, record: IdentityRecord, pendingSeed: Uint8Array | null, createdNow: boolean, options: IdentityStoreOptions) {
    this.signer = signer;
    this.#record = record;
    this.#pendingSeed = pendingSeed;
    this.createdNow = createdNow;
    this.#options = options;
  }

  /** @internal Used by loadIdentity/importIdentity. */
  static async fromRecord(record: IdentityRecord, pendingSeed: Uint8Array | null, createdNow: boolean, options: IdentityStoreOptions): Promise<Identity> {
    const signer = record.kind === 'webcrypto' ? await createWebCryptoSigner(record.keyPair) : await createNobleSigner(record.secret);
    return new Identity(signer, record, pendingSeed, createdNow, options);
  }

  get backupStatus(): BackupStatus {
    if (this.#record.kind === 'noble') return 'available';
    if (this.#pendingSeed) return 'needed';
    return this.#record.backup ? 'saved' : 'lost';
  }

  /**
   * Returns the backup file's text, encrypted under `passphrase`.
   * `needed`: encrypts the in-memory seed, stores the encrypted copy, forgets the seed.
   * `saved`: checks `passphrase` against the stored copy and returns it.
   * `available`: encrypts the stored seed. `lost`: BackupError('unavailable').
   */
  async exportBackup(passphrase: string): Promise<string> {
    const record = this.#record;
    const options = this.#options;
    if (record.kind === 'noble') return serializeBackup(await encryptSeed(record.secret, passphrase, options.backup));
    if (this.#pendingSeed) {
      const file = await encryptSeed(this.#pendingSeed, passphrase, options.backup);
      const next: IdentityRecord = { ...record, backup: file };
      await withDb(options.dbName, (db) => db.put(STORE, next, KEY));
      this.#record = next;
      this.#pendingSeed.fill(0);
      this.#pendingSeed = null;
      return serializeBackup(file);
    }
    if (!record.backup) throw new BackupError('unavailable', 'this key was created without a backup and cannot be exported');
    const seed = await decryptBackup(record.backup, passphrase, options.backup);
    seed.fill(0);
    return serializeBackup(record.backup);
  }
}

/** Creates a fresh identity record (and the in-memory seed of a WebCrypto key). */
async function createRecord(options: IdentityStoreOptions): Promise<{ record: IdentityRecord; seed: Uint8Array | null }> {
  const seed = generateSeed();
  if (!options.forceNoble && (await hasWebCryptoEd25519())) {
    return { record: { kind: 'webcrypto', keyPair: await importSeedNonExtractable(seed), createdAt: Date.now() }, seed };
  }
  return { record: { kind: 'noble', secret: seed, createdAt: Date.now() }, seed: null };
}

/**
 * Returns this browser's identity, creating and storing one on first use.
 * The same key comes back after reloads and browser restarts.
 */
export async function loadIdentity(options: IdentityStoreOptions = {}): Promise<Identity> {
  return withDb(options.dbName, async (db) => {
    const existing = (await db.get(STORE, KEY)) as IdentityRecord | undefined;
    if (existing) return Identity.fromRecord(existing, null, false, options);
    const { record, seed } = await createRecord(options);
    // add() (not put) so two tabs racing on first visit cannot overwrite each other:
    // the loser reads the winner's key.
    try {
      await db.add(STORE, record, KEY);
    } catch {
      seed?.fill(0);
      const winner = (await db.get(STORE, KEY)) as IdentityRecord;
      return Identity.fromRecord(winner, null, false, options);
    }
    return Identity.fromRecord(record, seed, true, options);
  });
}

/** Returns this browser's signer, creating the identity on first use. */
export async function loadOrCreateIdentity(options: IdentityStoreOptions = {}): Promise<Signer> {
  return (await loadIdentity(options)).signer;
}

/**
 * Replaces this browser's identity with the one in a backup file. Everything
 * is checked (file, passphrase, key) before anything is written: on any
 * BackupError the stored identity is unchanged.
 */
export async function importIdentity(fileText: string, passphrase: string, options: IdentityStoreOptions = {}): Promise<Identity> {
  const file = parseBackup(fileText);
  const seed = await decryptBackup(file, passphrase, options.backup);
  try {
    const record: IdentityRecord =
      !options.forceNoble && (await hasWebCryptoEd25519())
        ? { kind: 'webcrypto', keyPair: await importSeedNonExtractable(seed), createdAt: Date.now(), backup: file }
        : { kind: 'noble', secret: seed.slice(), createdAt: Date.now() };
    await withDb(options.dbName, (db) => db.put(STORE, record, KEY));
    return await Identity.fromRecord(record, null, false, options);
  } finally {
    seed.fill(0);
  }
}

/** Deletes the stored identity (the next load creates a new one). */
export async function forgetIdentity(dbName = DB_NAME): Promise<void> {
  await withDb(dbName, (db) => db.delete(STORE, KEY));
}
