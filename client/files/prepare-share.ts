/**
 * What the sharer does before the chat item goes out: cut the file into
 * chunks, hash each, keep them in the chunk store (the sharer serves from
 * there, so a reload keeps sharing), build the hash blocks and fill in the
 * manifest fields. The caller signs the body (`encodeFileManifest`).
 *
 * Scales to the protocol's largest files (D118): the file is read once, one
 * chunk at a time straight from the `File` (a disk-backed Blob), so memory
 * stays at a few chunks whatever the size; the whole-file SHA-256 is fed
 * chunk by chunk (hash-wasm's incremental SHA-256, D139) instead of reading
 * the file into one buffer. It reports progress per chunk, can be cancelled, checks up front
 * that the file fits the user's limit, and leaves nothing stored when it
 * fails or is cancelled.
 */
import { buildHashBlocks, chooseChunkSize, chunkCount, encodeFileManifest, fileNameProblem, hashBlockCount, SHA256_BYTES, sha256 } from '../../proto/file-manifest.ts';
import type { FileManifestFields } from '../../proto/file-manifest.ts';
import type { FileManifest, SigningTarget } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import { BoundedChunkStore } from './chunk-store.ts';
import type { ChunkStore } from './chunk-store.ts';
import { asFileError, FileError } from './file-errors.ts';
import { MAX_SHARE_BYTES } from './file-offer.ts';
import { hashBlockKey } from './hash-book.ts';
import { createSHA256 } from 'hash-wasm';
import { chunkReader } from './chunk-reader.ts';

/** Who shares what, where. */
export interface ShareRequest {
  readonly file: Blob & { readonly name: string };
  readonly relayKey: Uint8Array;
  /** The id of the chat item that will carry the manifest (16 bytes). */
  readonly fileId: Uint8Array;
  readonly authorKey: Uint8Array;
  readonly target: SigningTarget;
  /** Overrides the chunk size (a power of two in [16 KiB, 4 MiB]); tests use small chunks. */
  readonly chunkSize?: number;
}

/** The manifest fields and the hash blocks the sharer serves. */
export interface PreparedShare {
  readonly fields: FileManifestFields;
  readonly hashBlocks: Uint8Array[];
}

/** How far preparing has got (for a progress bar: the slow step before a big file is posted). */
export interface PrepareProgress {
  readonly doneBytes: number;
  readonly totalBytes: number;
}

/** Callbacks and cancel of {@link prepareShare}. */
export interface PrepareOptions {
  /** Called after each chunk is read and hashed (its store write may still be finishing; all are done when the call resolves). */
  readonly onProgress?: (p: PrepareProgress) => void;
  /** Aborting it stops preparing: what was stored is removed and the call rejects with FileError `cancelled`. */
  readonly signal?: AbortSignal;
}

/** A file name the manifest accepts: path separators and controls replaced, at most 255 UTF-8 bytes. */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  let out = name.replace(/[\u0000-\u001f\u007f-\u009f/\\]/gu, '_').trim() || 'file';
  while (new TextEncoder().encode(out).byteLength > 255) out = out.slice(0, -1);
  return fileNameProblem(out) === null ? out : 'file';
}

/** Bytes a share of `size` takes in the store: its chunks and its hash blocks. */
export function shareStoreBytes(size: number, chunkSize: number): number {
  return size + chunkCount(size, chunkSize) * SHA256_BYTES;
}

/** Throws FileError `empty-file` or `too-large` unless `size` is one this client shares ({@link MAX_SHARE_BYTES}). */
export function checkShareSize(size: number): void {
  if (size === 0) throw new FileError('empty-file', 'an empty file has nothing to share');
  if (size > MAX_SHARE_BYTES) throw new FileError('too-large', `${size} bytes is over ${MAX_SHARE_BYTES}`);
}

/**
 * Throws the FileError a share of `size` bytes would end in, before any
 * work: `empty-file`, `too-large`, `quota-exceeded` (the user's limit) or
 * `browser-quota` (what the browser says it will still store, when it says).
 */
export async function checkShareFits(size: number, chunkSize: number, store: ChunkStore): Promise<void> {
  checkShareSize(size);
  const needed = shareStoreBytes(size, chunkSize);
  if (store instanceof BoundedChunkStore) store.canFit(needed);
  // `globalThis.`: Node (tests, node peers) has no `navigator` before v21.
  const estimate = await globalThis.navigator?.storage?.estimate?.().catch(() => undefined);
  if (estimate?.quota !== undefined && estimate.usage !== undefined && estimate.usage + needed > estimate.quota) {
    throw new FileError('browser-quota', `needs ${needed} bytes, the browser offers ${estimate.quota - estimate.usage}`);
  }
}

/** Hashes and stores every chunk of `r.file`, reading it once and holding at most two chunks. */
export async function prepareShare(r: ShareRequest, store: ChunkStore, options: PrepareOptions = {}): Promise<PreparedShare> {
  const size = r.file.size;
  checkShareSize(size);
  const chunkSize = r.chunkSize ?? chooseChunkSize(size);
  await checkShareFits(size, chunkSize, store);
  const hex = toHex(r.fileId);
  const { signal, onProgress } = options;
  try {
    const { hashes, fileSha256 } = await hashAndStore(r.file, chunkSize, (i, bytes) => store.put(hex, i, bytes), signal, (doneBytes) => onProgress?.({ doneBytes, totalBytes: size }));
    const { blocks, digests } = await buildHashBlocks(hashes);
    for (let b = 0; b < blocks.length; b++) await store.put(hashBlockKey(hex), b, blocks[b]!);
    if (digests.length !== hashBlockCount(size, chunkSize)) throw new Error('hash block count');
    const type = /^[\u0020-\u007e]{0,127}$/u.test(r.file.type) ? r.file.type : '';
    return {
      fields: { relayKey: r.relayKey, fileId: r.fileId, authorKey: r.authorKey, target: r.target, size, chunkSize, name: safeFileName(r.file.name), type, fileSha256, hashBlockSha256: digests },
      hashBlocks: blocks,
    };
  } catch (e) {
    // A half-prepared file is never posted, so nobody can want its chunks: give the space back.
    await store.remove(hex).catch(() => {});
    await store.remove(hashBlockKey(hex)).catch(() => {});
    throw e;
  }
}

/**
 * {@link prepareShare}, then the manifest signed with `sign`: what a share
 * posts. Rejects with a FileError (`asFileError`: the browser's and the
 * store's errors get their codes) and leaves nothing stored, a failed
 * signature included.
 */
export async function prepareSignedShare(r: ShareRequest, store: ChunkStore, sign: (body: Uint8Array) => Promise<Uint8Array>, options: PrepareOptions = {}): Promise<PreparedShare & { readonly raw: FileManifest }> {
  try {
    const prepared = await prepareShare(r, store, options);
    const body = encodeFileManifest(prepared.fields);
    try {
      return { ...prepared, raw: { $typeName: 'parley.v1.FileManifest', body, signature: await sign(body) } };
    } catch (e) {
      const hex = toHex(r.fileId);
      await store.remove(hex).catch(() => {});
      await store.remove(hashBlockKey(hex)).catch(() => {});
      throw e;
    }
  } catch (e) {
    throw asFileError(e);
  }
}

/**
 * Chunk writes in flight while preparing: OPFS's per-write cost (a swap file
 * per `createWritable`) is latency more than bandwidth, so a few at once go
 * faster than one after another (D139); each holds one chunk.
 */
export const PREPARE_WRITES_IN_FLIGHT = 4;

/**
 * Reads `file` chunk by chunk ({@link chunkReader}: a few reused buffers):
 * chunk hashes through WebCrypto (off the main thread), the whole-file hash
 * here (WebAssembly), the read of the next chunk overlapping the hashing of
 * this one, and at most {@link PREPARE_WRITES_IN_FLIGHT} writes at once. A
 * buffer is read into again only once its write has ended (WebCrypto and
 * hash-wasm copy what they are given when called).
 */
async function hashAndStore(
  file: Blob,
  chunkSize: number,
  put: (index: number, bytes: Uint8Array) => Promise<void>,
  signal: AbortSignal | undefined,
  progress: (doneBytes: number) => void,
): Promise<{ hashes: Uint8Array[]; fileSha256: Uint8Array }> {
  const count = chunkCount(file.size, chunkSize);
  const reader = chunkReader(file, chunkSize);
  const whole = await createSHA256();
  whole.init();
  const hashes: Uint8Array[] = [];
  const storing: Promise<void>[] = [];
  const settled = (): Promise<unknown> => Promise.allSettled(storing);
  try {
    let next = reader.next();
    for (let i = 0; i < count; i++) {
      if (signal?.aborted) throw new FileError('cancelled', 'preparing the file was cancelled');
      const bytes = await next;
      if (i + 1 < count) {
        next = reader.next();
        next.catch(() => {});
      }
      const digest = sha256(bytes);
      whole.update(bytes);
      hashes.push(await digest);
      if (storing.length >= PREPARE_WRITES_IN_FLIGHT) await storing.shift();
      const write = put(i, bytes).finally(() => reader.release(bytes));
      // Awaited later; marked handled now so a failed write is not reported as unhandled meanwhile.
      write.catch(() => {});
      storing.push(write);
      progress(Math.min(file.size, (i + 1) * chunkSize));
    }
    const failed = (await Promise.allSettled(storing)).find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return { hashes, fileSha256: whole.digest('binary') };
  } catch (e) {
    // The caller removes what was stored: every write must have ended first.
    await settled();
    throw e;
  } finally {
    reader.close();
  }
}
