/**
 * SHA-256 of chunks (WebCrypto) and the check every chunk passes before it is
 * stored or served: its hash must equal the manifest's entry for its index.
 */
import { FileError } from './file-errors.ts';

/** SHA-256 of `bytes`. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** What chunk checking needs of a manifest. */
export interface ChunkLayout {
  readonly size: number;
  readonly chunkSize: number;
  /** SHA-256 of each chunk, in order. */
  readonly chunkHashes: readonly Uint8Array[];
}

/** Byte length of chunk `index` (the last one may be short). */
export function chunkLength(layout: ChunkLayout, index: number): number {
  const start = index * layout.chunkSize;
  return Math.max(0, Math.min(layout.chunkSize, layout.size - start));
}

/**
 * Resolves when `bytes` is chunk `index` of the file; otherwise throws
 * FileError `bad-index` (no such chunk) or `bad-chunk` (wrong length or hash).
 */
export async function verifyChunk(layout: ChunkLayout, index: number, bytes: Uint8Array): Promise<void> {
  const expected = layout.chunkHashes[index];
  if (!Number.isInteger(index) || index < 0 || !expected) throw new FileError('bad-index', `no chunk ${index}`);
  if (bytes.byteLength !== chunkLength(layout, index)) throw new FileError('bad-chunk', `chunk ${index} has ${bytes.byteLength} bytes`);
  if (!equalBytes(await sha256(bytes), expected)) throw new FileError('bad-chunk', `chunk ${index} hash mismatch`);
}
