/**
 * What the sharer does before the chat item goes out: cut the file into
 * chunks, hash each, keep them in the chunk store (the sharer serves from
 * there, so a reload keeps sharing), build the hash blocks and fill in the
 * manifest fields. The caller signs the body (`encodeFileManifest`).
 */
import { buildHashBlocks, chooseChunkSize, chunkCount, fileNameProblem, sha256 } from '../../proto/file-manifest.ts';
import type { FileManifestFields } from '../../proto/file-manifest.ts';
import type { SigningTarget } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { ChunkStore } from './chunk-store.ts';
import { hashBlockKey } from './hash-book.ts';

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

/** A file name the manifest accepts: path separators and controls replaced, at most 255 UTF-8 bytes. */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  let out = name.replace(/[\u0000-\u001f\u007f-\u009f/\\]/gu, '_').trim() || 'file';
  while (new TextEncoder().encode(out).byteLength > 255) out = out.slice(0, -1);
  return fileNameProblem(out) === null ? out : 'file';
}

/** Hashes and stores every chunk of `r.file`; `onProgress` gets bytes done. */
export async function prepareShare(r: ShareRequest, store: ChunkStore, onProgress?: (done: number) => void): Promise<PreparedShare> {
  const size = r.file.size;
  const chunkSize = r.chunkSize ?? chooseChunkSize(size);
  const hex = toHex(r.fileId);
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < chunkCount(size, chunkSize); i++) {
    const bytes = new Uint8Array(await r.file.slice(i * chunkSize, (i + 1) * chunkSize).arrayBuffer());
    hashes.push(await sha256(bytes));
    await store.put(hex, i, bytes);
    onProgress?.(Math.min(size, (i + 1) * chunkSize));
  }
  const { blocks, digests } = await buildHashBlocks(hashes);
  for (let b = 0; b < blocks.length; b++) await store.put(hashBlockKey(hex), b, blocks[b]!);
  // WebCrypto has no streaming digest: the whole-file hash reads the file once more as one buffer.
  const fileSha256 = await sha256(new Uint8Array(await r.file.arrayBuffer()));
  const type = /^[\u0020-\u007e]{0,127}$/u.test(r.file.type) ? r.file.type : '';
  return {
    fields: { relayKey: r.relayKey, fileId: r.fileId, authorKey: r.authorKey, target: r.target, size, chunkSize, name: safeFileName(r.file.name), type, fileSha256, hashBlockSha256: digests },
    hashBlocks: blocks,
  };
}
