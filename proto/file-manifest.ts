/**
 * The signed file manifest (docs/PROTOCOL.md, "Files"): what a shared file is,
 * fixed before a single byte of it moves. It rides in the chat item that
 * shares the file (`ChatItem.file`), is stored and forwarded with it, and
 * every chunk any peer or the relay hands over is checked against it.
 *
 *   "parley-file-v1\0" (15) || relay key (32) || file id (16) || author key (32)
 *   || target kind u8 || u16be target length || target bytes
 *   || u64be size || u32be chunk size || u16be name length || name (UTF-8)
 *   || u8 type length || type (ASCII) || file SHA-256 (32)
 *   || u16be hash-block count || SHA-256 of each hash block (32 each)
 *
 * The body is itself the signed byte string (one and only one encoding, every
 * variable part length-prefixed, exactly like chat-signing.ts). The file id
 * equals the id of the chat item carrying it, so a manifest cannot be moved to
 * another message, conversation or relay without its signature breaking.
 *
 * Chunk hashes: 2 GB at 256 KiB is 8192 SHA-256s (256 KiB), four times the
 * largest control frame. So the manifest signs the hash of each *hash block*
 * (1024 consecutive chunk hashes, 32 KiB); holders serve the blocks, and a
 * block is accepted only if it hashes to the signed value. The signature
 * therefore covers every chunk hash, through one level of indirection.
 *
 * Pure: bytes in, bytes out; hashing goes through WebCrypto (`crypto.subtle`,
 * present in browsers and Node 20).
 */
import { decodeFailure } from './errors.ts';
import type { Decoded } from './errors.ts';
import { KEY_BYTES } from './auth-transcript.ts';
import { CHAT_ID_BYTES, MAX_CHAT_ROOM_ID_BYTES } from './chat-signing.ts';
import type { SigningTarget } from './chat-signing.ts';
import { decodeUtf8Exact } from './bytes.ts';

const DOMAIN = new TextEncoder().encode('parley-file-v1\0');

/** Bytes of a SHA-256 digest. */
export const SHA256_BYTES = 32;
/** Default chunk size: 256 KiB (2 GB is 8192 chunks). */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** Smallest and largest chunk sizes a manifest may declare (powers of two). */
export const MIN_CHUNK_BYTES = 16 * 1024;
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
/** Chunk hashes per hash block (a block is 32 KiB, fits any frame). */
export const HASH_BLOCK_CHUNKS = 1024;
/** Most chunks one file may have; bounds every bitfield at 8 KiB. */
export const MAX_CHUNKS = 65_536;
/** Largest file a manifest can describe: 65 536 chunks of 4 MiB (256 GiB). */
export const MAX_FILE_BYTES = MAX_CHUNKS * MAX_CHUNK_BYTES;
/** Longest file name, in UTF-8 bytes. */
export const MAX_FILE_NAME_BYTES = 255;
/** Longest media type (e.g. "image/png"), in ASCII bytes. */
export const MAX_FILE_TYPE_BYTES = 127;

/** Largest manifest body: every variable part at its maximum (64 hash blocks). */
export const MAX_FILE_MANIFEST_BYTES =
  DOMAIN.length + KEY_BYTES + CHAT_ID_BYTES + KEY_BYTES + 1 + 2 + MAX_CHAT_ROOM_ID_BYTES + 8 + 4 + 2 + MAX_FILE_NAME_BYTES + 1 + MAX_FILE_TYPE_BYTES + SHA256_BYTES + 2 + SHA256_BYTES * (MAX_CHUNKS / HASH_BLOCK_CHUNKS);

/** Everything a manifest says; the body is exactly these fields. */
export interface FileManifestFields {
  /** The relay's Ed25519 public key (ServerHello.relay_public_key). */
  readonly relayKey: Uint8Array;
  /** 16 bytes: the id of the chat item that carries the manifest. */
  readonly fileId: Uint8Array;
  /** The sharer's Ed25519 public key (= the chat item's author). */
  readonly authorKey: Uint8Array;
  /** Where it was shared: who may fetch it. */
  readonly target: SigningTarget;
  /** File size in bytes, 1..{@link MAX_FILE_BYTES} (a u64 on the wire). */
  readonly size: number;
  /** A power of two in [{@link MIN_CHUNK_BYTES}, {@link MAX_CHUNK_BYTES}]. */
  readonly chunkSize: number;
  /** File name as the sender had it (1..255 UTF-8 bytes, no `/` `\` or controls). */
  readonly name: string;
  /** Media type, printable ASCII, may be empty (unknown). */
  readonly type: string;
  /** SHA-256 of the whole file. */
  readonly fileSha256: Uint8Array;
  /** SHA-256 of each hash block, in order: `hashBlockCount(size, chunkSize)` of them. */
  readonly hashBlockSha256: readonly Uint8Array[];
}

const TARGET_ROOM = 1;
const TARGET_DIRECT = 2;
const utf8 = new TextEncoder();
// eslint-disable-next-line no-control-regex
const BAD_NAME = /[\u0000-\u001f\u007f-\u009f/\\]/u;
const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/u;

/** Number of chunks of a file of `size` bytes. */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

/** Number of hash blocks a file of `size` bytes has. */
export function hashBlockCount(size: number, chunkSize: number): number {
  return Math.ceil(chunkCount(size, chunkSize) / HASH_BLOCK_CHUNKS);
}

/** Byte length of chunk `index` (the last one may be short). */
export function chunkLength(size: number, chunkSize: number, index: number): number {
  return Math.min(chunkSize, size - index * chunkSize);
}

/**
 * The chunk size a sender uses: {@link DEFAULT_CHUNK_BYTES}, doubled until the
 * file fits in {@link MAX_CHUNKS} chunks. Throws `RangeError` over the maximum.
 */
export function chooseChunkSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_FILE_BYTES) throw new RangeError(`file size out of range [size:${size}]`);
  let chunkSize = DEFAULT_CHUNK_BYTES;
  while (chunkCount(size, chunkSize) > MAX_CHUNKS) chunkSize *= 2;
  return chunkSize;
}

/** What is wrong with a file name, or null. */
export function fileNameProblem(name: string): string | null {
  const n = utf8.encode(name).byteLength;
  if (n === 0 || n > MAX_FILE_NAME_BYTES) return 'name length out of range';
  if (BAD_NAME.test(name)) return 'name has a path separator or control character';
  if (name === '.' || name === '..') return 'name is a dot entry';
  return null;
}

/** Field problems the encoder and the decoder share, or null. */
function fieldProblem(f: FileManifestFields): string | null {
  if (!Number.isSafeInteger(f.size) || f.size < 1 || f.size > MAX_FILE_BYTES) return 'size out of range';
  const cs = f.chunkSize;
  if (!Number.isInteger(cs) || cs < MIN_CHUNK_BYTES || cs > MAX_CHUNK_BYTES || (cs & (cs - 1)) !== 0) return 'chunk size not a power of two in range';
  if (chunkCount(f.size, cs) > MAX_CHUNKS) return 'too many chunks';
  const nameProblem = fileNameProblem(f.name);
  if (nameProblem) return nameProblem;
  if (f.type.length > MAX_FILE_TYPE_BYTES || !PRINTABLE_ASCII.test(f.type)) return 'type not printable ASCII up to 127';
  if (f.hashBlockSha256.length !== hashBlockCount(f.size, cs)) return 'hash block count does not match size';
  return null;
}

function expectLength(name: string, bytes: Uint8Array, length: number): void {
  if (bytes.byteLength !== length) throw new TypeError(`${name} must be ${length} bytes [got:${bytes.byteLength}]`);
}

/**
 * Builds the manifest body (the bytes the author signs and the wire carries).
 * Throws `TypeError` on out-of-range fields: a caller bug, the sender checks
 * size and name first ({@link chooseChunkSize}, {@link fileNameProblem}).
 */
export function encodeFileManifest(f: FileManifestFields): Uint8Array {
  expectLength('relay key', f.relayKey, KEY_BYTES);
  expectLength('file id', f.fileId, CHAT_ID_BYTES);
  expectLength('author key', f.authorKey, KEY_BYTES);
  expectLength('file sha256', f.fileSha256, SHA256_BYTES);
  for (const h of f.hashBlockSha256) expectLength('hash block sha256', h, SHA256_BYTES);
  const problem = fieldProblem(f);
  if (problem) throw new TypeError(problem);
  const targetKind = f.target.kind === 'room' ? TARGET_ROOM : TARGET_DIRECT;
  const target = f.target.kind === 'room' ? utf8.encode(f.target.roomId) : f.target.peerKey;
  if (f.target.kind === 'room' && (target.byteLength === 0 || target.byteLength > MAX_CHAT_ROOM_ID_BYTES)) throw new TypeError('room id length out of range');
  if (f.target.kind === 'direct') expectLength('peer key', target, KEY_BYTES);
  const name = utf8.encode(f.name);
  const type = utf8.encode(f.type);
  const total =
    DOMAIN.length + KEY_BYTES + CHAT_ID_BYTES + KEY_BYTES + 1 + 2 + target.byteLength + 8 + 4 + 2 + name.byteLength + 1 + type.byteLength + SHA256_BYTES + 2 + SHA256_BYTES * f.hashBlockSha256.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let o = 0;
  const put = (b: Uint8Array): void => {
    out.set(b, o);
    o += b.byteLength;
  };
  put(DOMAIN);
  put(f.relayKey);
  put(f.fileId);
  put(f.authorKey);
  out[o++] = targetKind;
  view.setUint16(o, target.byteLength, false);
  o += 2;
  put(target);
  view.setBigUint64(o, BigInt(f.size), false);
  o += 8;
  view.setUint32(o, f.chunkSize, false);
  o += 4;
  view.setUint16(o, name.byteLength, false);
  o += 2;
  put(name);
  out[o++] = type.byteLength;
  put(type);
  put(f.fileSha256);
  view.setUint16(o, f.hashBlockSha256.length, false);
  o += 2;
  for (const h of f.hashBlockSha256) put(h);
  return out;
}

/** Reads fixed-size and length-prefixed parts, failing instead of overrunning. */
class Reader {
  o = 0;
  readonly #view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  has(n: number): boolean {
    return this.o + n <= this.bytes.byteLength;
  }
  take(n: number): Uint8Array {
    const b = this.bytes.slice(this.o, this.o + n);
    this.o += n;
    return b;
  }
  u8(): number {
    return this.bytes[this.o++]!;
  }
  u16(): number {
    const v = this.#view.getUint16(this.o, false);
    this.o += 2;
    return v;
  }
  u32(): number {
    const v = this.#view.getUint32(this.o, false);
    this.o += 4;
    return v;
  }
  u64(): bigint {
    const v = this.#view.getBigUint64(this.o, false);
    this.o += 8;
    return v;
  }
}

/**
 * Parses and checks a manifest body: the inverse of {@link encodeFileManifest}.
 * Never throws; any truncation, trailing byte or out-of-range field fails.
 * Does not check the signature ({@link verifyFileManifest} in keys/relay does).
 */
export function decodeFileManifest(bytes: Uint8Array): Decoded<FileManifestFields> {
  const r = new Reader(bytes);
  const fixedHead = DOMAIN.length + KEY_BYTES + CHAT_ID_BYTES + KEY_BYTES + 1 + 2;
  if (!r.has(fixedHead)) return decodeFailure('bad-length', `too short [bytes:${bytes.byteLength}]`);
  for (let i = 0; i < DOMAIN.length; i++) if (bytes[i] !== DOMAIN[i]) return decodeFailure('malformed', 'wrong domain');
  r.o = DOMAIN.length;
  const relayKey = r.take(KEY_BYTES);
  const fileId = r.take(CHAT_ID_BYTES);
  const authorKey = r.take(KEY_BYTES);
  const targetKind = r.u8();
  const targetLength = r.u16();
  if (!r.has(targetLength)) return decodeFailure('bad-length', 'target overruns');
  const targetBytes = r.take(targetLength);
  let target: SigningTarget;
  if (targetKind === TARGET_ROOM) {
    if (targetLength === 0 || targetLength > MAX_CHAT_ROOM_ID_BYTES) return decodeFailure('bad-length', 'room id length');
    try {
      target = { kind: 'room', roomId: decodeUtf8Exact(targetBytes) };
    } catch {
      return decodeFailure('malformed', 'room id is not UTF-8');
    }
  } else if (targetKind === TARGET_DIRECT) {
    if (targetLength !== KEY_BYTES) return decodeFailure('bad-length', 'peer key length');
    target = { kind: 'direct', peerKey: targetBytes };
  } else {
    return decodeFailure('unknown-kind', `target kind ${targetKind}`);
  }
  if (!r.has(8 + 4 + 2)) return decodeFailure('bad-length', 'truncated before name');
  const size64 = r.u64();
  if (size64 > BigInt(MAX_FILE_BYTES)) return decodeFailure('bad-value', 'size out of range');
  const size = Number(size64);
  const chunkSize = r.u32();
  const nameLength = r.u16();
  if (!r.has(nameLength + 1)) return decodeFailure('bad-length', 'name overruns');
  let name: string;
  try {
    name = decodeUtf8Exact(r.take(nameLength));
  } catch {
    return decodeFailure('malformed', 'name is not UTF-8');
  }
  const typeLength = r.u8();
  if (!r.has(typeLength + SHA256_BYTES + 2)) return decodeFailure('bad-length', 'type overruns');
  const typeBytes = r.take(typeLength);
  const type = String.fromCharCode(...typeBytes);
  const fileSha256 = r.take(SHA256_BYTES);
  const blocks = r.u16();
  if (r.o + blocks * SHA256_BYTES !== bytes.byteLength) return decodeFailure('bad-length', 'hash blocks do not fill the rest');
  const hashBlockSha256: Uint8Array[] = [];
  for (let i = 0; i < blocks; i++) hashBlockSha256.push(r.take(SHA256_BYTES));
  const value: FileManifestFields = { relayKey, fileId, authorKey, target, size, chunkSize, name, type, fileSha256, hashBlockSha256 };
  const problem = fieldProblem(value);
  if (problem) return decodeFailure('bad-value', problem);
  return { ok: true, value };
}

/** SHA-256 through WebCrypto (browsers and Node 20 both have `crypto.subtle`). */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** Byte-wise equality of two digests. */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let d = 0;
  for (let i = 0; i < a.byteLength; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Chunk indexes covered by hash block `block`: [first, end). */
export function hashBlockRange(m: Pick<FileManifestFields, 'size' | 'chunkSize'>, block: number): { first: number; end: number } {
  const first = block * HASH_BLOCK_CHUNKS;
  return { first, end: Math.min(first + HASH_BLOCK_CHUNKS, chunkCount(m.size, m.chunkSize)) };
}

/**
 * Checks a hash block a peer served (the concatenated chunk hashes of block
 * `block`) against the signed manifest; returns its chunk hashes, or null.
 */
export async function checkHashBlock(m: FileManifestFields, block: number, data: Uint8Array): Promise<Uint8Array[] | null> {
  if (!Number.isInteger(block) || block < 0 || block >= m.hashBlockSha256.length) return null;
  const { first, end } = hashBlockRange(m, block);
  if (data.byteLength !== (end - first) * SHA256_BYTES) return null;
  if (!sameDigest(await sha256(data), m.hashBlockSha256[block]!)) return null;
  const out: Uint8Array[] = [];
  for (let i = 0; i < end - first; i++) out.push(data.slice(i * SHA256_BYTES, (i + 1) * SHA256_BYTES));
  return out;
}

/**
 * What a sender computes from the file's chunk hashes: the hash blocks (to
 * serve) and their digests (to sign). `chunkHashes` in chunk order.
 */
export async function buildHashBlocks(chunkHashes: readonly Uint8Array[]): Promise<{ blocks: Uint8Array[]; digests: Uint8Array[] }> {
  const blocks: Uint8Array[] = [];
  const digests: Uint8Array[] = [];
  for (let first = 0; first < chunkHashes.length; first += HASH_BLOCK_CHUNKS) {
    const part = chunkHashes.slice(first, first + HASH_BLOCK_CHUNKS);
    const block = new Uint8Array(part.length * SHA256_BYTES);
    part.forEach((h, i) => block.set(h, i * SHA256_BYTES));
    blocks.push(block);
    digests.push(await sha256(block));
  }
  return { blocks, digests };
}
