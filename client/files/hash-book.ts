/**
 * The chunk hashes of one file, learnt block by block: the manifest signs
 * the SHA-256 of each hash block; a block (from the sender's own hashing, a
 * peer, or the local store) is accepted only if it matches, and is then kept
 * in the store next to the chunks so a reload can serve and verify without
 * asking anyone.
 */
import { checkHashBlock, chunkCount, HASH_BLOCK_CHUNKS } from '../../proto/file-manifest.ts';
import type { FileManifestFields } from '../../proto/file-manifest.ts';
import type { ChunkStore } from './chunk-store.ts';
import { verifyChunk } from './chunk-hash.ts';

/** Store key under which a file's hash blocks are kept. */
export const hashBlockKey = (fileIdHex: string): string => `${fileIdHex}.h`;

/** Known chunk hashes of one file. */
export class HashBook {
  readonly #manifest: FileManifestFields;
  readonly #hashes: (Uint8Array | null)[];
  readonly #blocks = new Map<number, Uint8Array>();

  constructor(manifest: FileManifestFields) {
    this.#manifest = manifest;
    this.#hashes = new Array<Uint8Array | null>(chunkCount(manifest.size, manifest.chunkSize)).fill(null);
  }

  get blockCount(): number {
    return this.#manifest.hashBlockSha256.length;
  }

  /** The hash block containing chunk `index`. */
  blockOf(index: number): number {
    return Math.floor(index / HASH_BLOCK_CHUNKS);
  }

  /** The raw block (to serve), or null while unknown. */
  block(b: number): Uint8Array | null {
    return this.#blocks.get(b) ?? null;
  }

  knows(index: number): boolean {
    return this.#hashes[index] != null;
  }

  /** Checks `data` against the manifest and learns it; false when it does not match. */
  async learn(b: number, data: Uint8Array): Promise<boolean> {
    if (this.#blocks.has(b)) return true;
    const hashes = await checkHashBlock(this.#manifest, b, data);
    if (!hashes) return false;
    this.#blocks.set(b, data.slice());
    hashes.forEach((h, i) => (this.#hashes[b * HASH_BLOCK_CHUNKS + i] = h));
    return true;
  }

  /** Learns every block kept in `store` (ones that no longer match are ignored). */
  async loadFrom(store: ChunkStore, fileIdHex: string): Promise<void> {
    for (const b of await store.indices(hashBlockKey(fileIdHex))) {
      const data = await store.get(hashBlockKey(fileIdHex), b);
      if (data) await this.learn(b, data);
    }
  }

  /** Throws `bad-chunk` / `bad-index` unless `bytes` is chunk `index` (its block must be known). */
  verify(index: number, bytes: Uint8Array): Promise<void> {
    return verifyChunk({ size: this.#manifest.size, chunkSize: this.#manifest.chunkSize, chunkHashes: this.#hashes }, index, bytes);
  }
}
