/**
 * The check every chunk passes before it is stored or served: its SHA-256
 * must equal the (signed, via its hash block) entry for its index.
 */
import { chunkLength as protoChunkLength, sameDigest, sha256 } from '../../proto/file-manifest.ts';
import { FileError } from './file-errors.ts';

export { sha256 };

/** What chunk checking needs: the manifest's sizes and the chunk hashes known so far. */
export interface ChunkLayout {
  readonly size: number;
  readonly chunkSize: number;
  /** SHA-256 of each chunk, in order; null where its hash block is not known yet. */
  readonly chunkHashes: readonly (Uint8Array | null)[];
}

/** Byte length of chunk `index` (the last one may be short). */
export function chunkLength(layout: Pick<ChunkLayout, 'size' | 'chunkSize'>, index: number): number {
  return protoChunkLength(layout.size, layout.chunkSize, index);
}

/**
 * Resolves when `bytes` is chunk `index` of the file; otherwise throws
 * FileError `bad-index` (no such chunk, or its hash is not known) or
 * `bad-chunk` (wrong length or hash).
 */
export async function verifyChunk(layout: ChunkLayout, index: number, bytes: Uint8Array): Promise<void> {
  const expected = Number.isInteger(index) && index >= 0 ? layout.chunkHashes[index] : undefined;
  if (!expected) throw new FileError('bad-index', `no known hash for chunk ${index}`);
  if (bytes.byteLength !== chunkLength(layout, index)) throw new FileError('bad-chunk', `chunk ${index} has ${bytes.byteLength} bytes`);
  if (!sameDigest(await sha256(bytes), expected)) throw new FileError('bad-chunk', `chunk ${index} hash mismatch`);
}
