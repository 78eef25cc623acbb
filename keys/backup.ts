/**
 * Passphrase-encrypted identity backups: the file a user downloads to move
 * their identity to another browser.
 *
 * PBKDF2-HMAC-SHA-256 (600 000 iterations, OWASP 2023) turns the passphrase
 * and a random 16-byte salt into an AES-256-GCM key; the seed is encrypted
 * with a random 12-byte IV and the header (format, version, public key, KDF
 * parameters) as associated data, so editing any of it breaks decryption. A
 * short SHA-256 checksum of the whole file tells a damaged file apart from a
 * wrong passphrase (GCM alone cannot). WebCrypto only; no secret is logged.
 */
import { fromBase64Url, toBase64Url } from '../proto/base64url.ts';
import { publicKeyFromSeed, SEED_BYTES } from './seed.ts';
import { isRecord } from '../proto/bytes.ts';

export const BACKUP_FORMAT = 'parley-identity-backup';
export const BACKUP_VERSION = 1;
/** PBKDF2 iterations for new backups (OWASP's 2023 figure for PBKDF2-HMAC-SHA-256). */
export const BACKUP_ITERATIONS = 600_000;
/** Fewest iterations a backup file may claim; lower is refused as damaged (or hostile). */
const MIN_ITERATIONS = 100_000;
/** Most iterations accepted, so a crafted file cannot hang the page. */
const MAX_ITERATIONS = 10_000_000;
/** Shortest passphrase accepted for a new backup, in characters. */
export const MIN_PASSPHRASE_CHARS = 8;

/** A backup as stored and downloaded (JSON). Byte fields are base64url. */
export interface BackupFile {
  readonly format: typeof BACKUP_FORMAT;
  readonly version: typeof BACKUP_VERSION;
  readonly publicKey: string;
  readonly kdf: { readonly name: 'PBKDF2'; readonly hash: 'SHA-256'; readonly iterations: number; readonly salt: string };
  readonly cipher: { readonly name: 'AES-GCM'; readonly iv: string };
  readonly ciphertext: string;
  /** First 8 bytes of SHA-256 over everything above: detects a damaged file. */
  readonly check: string;
  readonly createdAt: string;
}

/** Why a backup operation failed; the UI maps the code to a sentence. */
export type BackupErrorCode = 'damaged' | 'unsupported' | 'wrong-passphrase' | 'weak-passphrase' | 'unavailable';

export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const enc = new TextEncoder();

function header(f: Pick<BackupFile, 'publicKey' | 'kdf'>): Uint8Array {
  return enc.encode(`${BACKUP_FORMAT}/${BACKUP_VERSION}/${f.publicKey}/${f.kdf.name}/${f.kdf.hash}/${f.kdf.iterations}/${f.kdf.salt}`);
}

async function checksum(f: Omit<BackupFile, 'check' | 'createdAt'>, subtle: SubtleCrypto): Promise<string> {
  const digest = await subtle.digest('SHA-256', enc.encode(`${new TextDecoder().decode(header(f))}/${f.cipher.iv}/${f.ciphertext}`));
  return toBase64Url(new Uint8Array(digest).subarray(0, 8));
}

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number, subtle: SubtleCrypto): Promise<CryptoKey> {
  const base = await subtle.importKey('raw', enc.encode(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/** Options for tests (fewer iterations) and other environments. */
export interface BackupOptions {
  readonly iterations?: number;
  readonly subtle?: SubtleCrypto;
  readonly now?: () => Date;
}

/** Encrypts `seed` under `passphrase`. Throws BackupError('weak-passphrase') for a short passphrase. */
export async function encryptSeed(seed: Uint8Array, passphrase: string, options: BackupOptions = {}): Promise<BackupFile> {
  if ([...passphrase].length < MIN_PASSPHRASE_CHARS) throw new BackupError('weak-passphrase', `passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters`);
  const subtle = options.subtle ?? crypto.subtle;
  const iterations = options.iterations ?? BACKUP_ITERATIONS;
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const publicKey = toBase64Url(await publicKeyFromSeed(seed));
  const kdf = { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64Url(salt) } as const;
  const key = await deriveKey(passphrase, salt, iterations, subtle);
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: header({ publicKey, kdf }) as BufferSource }, key, seed as BufferSource);
  const body = { format: BACKUP_FORMAT, version: BACKUP_VERSION, publicKey, kdf, cipher: { name: 'AES-GCM', iv: toBase64Url(iv) }, ciphertext: toBase64Url(new Uint8Array(ct)) } as const;
  return { ...body, check: await checksum(body, subtle), createdAt: (options.now?.() ?? new Date()).toISOString() };
}

/** The file's text (what the user downloads). */
export function serializeBackup(file: BackupFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}


function b64(v: unknown, bytes?: number): v is string {
  if (typeof v !== 'string') return false;
  const d = fromBase64Url(v);
  return d !== null && (bytes === undefined || d.byteLength === bytes);
}

/** Parses a backup file's text. Never throws anything but BackupError('damaged' | 'unsupported'). */
export function parseBackup(text: string): BackupFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new BackupError('damaged', 'not a Parley identity backup (not JSON)');
  }
  if (!isRecord(v) || v.format !== BACKUP_FORMAT) throw new BackupError('damaged', 'not a Parley identity backup');
  if (v.version !== BACKUP_VERSION) throw new BackupError('unsupported', `backup version ${String(v.version)} is not supported`);
  const { kdf, cipher } = v;
  if (
    !b64(v.publicKey, 32) ||
    !isRecord(kdf) ||
    kdf.name !== 'PBKDF2' ||
    kdf.hash !== 'SHA-256' ||
    typeof kdf.iterations !== 'number' ||
    !Number.isInteger(kdf.iterations) ||
    kdf.iterations < MIN_ITERATIONS ||
    kdf.iterations > MAX_ITERATIONS ||
    !b64(kdf.salt, 16) ||
    !isRecord(cipher) ||
    cipher.name !== 'AES-GCM' ||
    !b64(cipher.iv, 12) ||
    !b64(v.ciphertext, SEED_BYTES + 16) ||
    !b64(v.check, 8) ||
    typeof v.createdAt !== 'string'
  ) {
    throw new BackupError('damaged', 'backup file is damaged (a field is missing or invalid)');
  }
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    publicKey: v.publicKey,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: kdf.iterations, salt: kdf.salt },
    cipher: { name: 'AES-GCM', iv: cipher.iv },
    ciphertext: v.ciphertext,
    check: v.check,
    createdAt: v.createdAt,
  };
}

/**
 * Decrypts a backup to its seed and checks the seed yields the recorded
 * public key. Throws BackupError: 'damaged' (checksum or key mismatch) or
 * 'wrong-passphrase'.
 */
export async function decryptBackup(file: BackupFile, passphrase: string, options: Pick<BackupOptions, 'subtle'> = {}): Promise<Uint8Array> {
  const subtle = options.subtle ?? crypto.subtle;
  if ((await checksum(file, subtle)) !== file.check) throw new BackupError('damaged', 'backup file is damaged (checksum mismatch)');
  const key = await deriveKey(passphrase, fromBase64Url(file.kdf.salt)!, file.kdf.iterations, subtle);
  let seed: Uint8Array;
  try {
    const plain = await subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64Url(file.cipher.iv)! as BufferSource, additionalData: header(file) as BufferSource },
      key,
      fromBase64Url(file.ciphertext)! as BufferSource,
    );
    seed = new Uint8Array(plain);
  } catch {
    throw new BackupError('wrong-passphrase', 'wrong passphrase');
  }
  if (toBase64Url(await publicKeyFromSeed(seed)) !== file.publicKey) {
    seed.fill(0);
    throw new BackupError('damaged', 'backup file is damaged (key mismatch)');
  }
  return seed;
}
