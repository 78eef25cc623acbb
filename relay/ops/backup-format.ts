/**
 * The backup file: every raw LevelDB entry of a data folder, then a SHA-256
 * over everything before it, so a truncated or damaged file is refused
 * before anything is written.
 *
 *   "PARLEY-BACKUP 1\n"
 *   repeated: u32be keyLength, key, u32be valueLength, value
 *   u32be 0xFFFFFFFF, 32-byte SHA-256 of all preceding bytes
 */
import { createHash } from 'node:crypto';

/** First bytes of every backup file. */
export const BACKUP_MAGIC = new TextEncoder().encode('PARLEY-BACKUP 1\n');
const END = 0xffff_ffff;
/** Largest key or value a record may claim (LevelDB entries here are far smaller). */
const MAX_PART_BYTES = 64 * 1024 * 1024;

/** Why a backup file was refused. */
export type BackupErrorCode = 'bad-magic' | 'truncated' | 'bad-checksum' | 'too-large' | 'trailing-bytes';

/** A refused backup file. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(readonly code: BackupErrorCode, message: string) {
    super(message);
  }
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

/** Incremental writer: feed it entries, take the chunks it returns (hashed as they go). */
export class BackupEncoder {
  readonly #hash = createHash('sha256');
  #started = false;

  /** Bytes for one entry (the magic before the first). */
  entry(key: Uint8Array, value: Uint8Array): Uint8Array[] {
    return this.#out([u32(key.byteLength), key, u32(value.byteLength), value]);
  }

  /** The closing bytes (end mark and checksum). */
  end(): Uint8Array[] {
    const parts = this.#out([u32(END)]);
    return [...parts, new Uint8Array(this.#hash.digest())];
  }

  #out(parts: Uint8Array[]): Uint8Array[] {
    if (!this.#started) {
      this.#started = true;
      parts.unshift(BACKUP_MAGIC);
    }
    for (const p of parts) this.#hash.update(p);
    return parts;
  }
}

/** Encodes a whole backup at once (tests, small folders). */
export function encodeBackup(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const enc = new BackupEncoder();
  const chunks: Uint8Array[] = [];
  for (const [k, v] of entries) chunks.push(...enc.entry(k, v));
  chunks.push(...enc.end());
  return new Uint8Array(Buffer.concat(chunks));
}

/** Decodes and verifies a whole backup; throws {@link BackupError}. */
export function decodeBackup(bytes: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < BACKUP_MAGIC.byteLength || !Buffer.from(bytes.subarray(0, BACKUP_MAGIC.byteLength)).equals(Buffer.from(BACKUP_MAGIC))) {
    throw new BackupError('bad-magic', 'not a Parley backup file');
  }
  const entries: Array<[Uint8Array, Uint8Array]> = [];
  let at = BACKUP_MAGIC.byteLength;
  const need = (n: number): void => {
    if (at + n > bytes.byteLength) throw new BackupError('truncated', `backup file ends early [offset:${at}]`);
  };
  const part = (): Uint8Array | null => {
    need(4);
    const len = view.getUint32(at);
    at += 4;
    if (len === END) return null;
    if (len > MAX_PART_BYTES) throw new BackupError('too-large', `record too large [bytes:${len}]`);
    need(len);
    const out = bytes.subarray(at, at + len);
    at += len;
    return out;
  };
  for (;;) {
    const key = part();
    if (key === null) break;
    const value = part();
    if (value === null) throw new BackupError('truncated', `key without value [offset:${at}]`);
    entries.push([key, value]);
  }
  need(32);
  const digest = createHash('sha256').update(bytes.subarray(0, at)).digest();
  if (!digest.equals(Buffer.from(bytes.subarray(at, at + 32)))) throw new BackupError('bad-checksum', 'backup checksum does not match: the file is damaged');
  if (at + 32 !== bytes.byteLength) throw new BackupError('trailing-bytes', 'bytes after the backup checksum');
  return entries;
}
