/**
 * A complete file put back together from its stored chunks (Save, previews),
 * without ever holding the file in page memory (D119): from OPFS each chunk
 * is a disk-backed File and the result is a Blob of those references; from a
 * store that only hands out bytes, chunks are folded into a Blob a batch at a
 * time, so the page holds at most one batch while the browser keeps the rest
 * in its blob storage (which spills to disk).
 */
import type { ChunkStore } from './chunk-store.ts';

/** Bytes read from a bytes-only store before they are handed to the browser's blob storage. */
export const ASSEMBLY_BATCH_BYTES = 16 * 1024 * 1024;

/** The file `hex` of `chunks` chunks as a Blob of MIME `type`, or null if a chunk is missing. */
export async function assembleBlob(store: ChunkStore, hex: string, chunks: number, type: string): Promise<Blob | null> {
  const options = { type: type || 'application/octet-stream' };
  if (store.blob) {
    const parts: Blob[] = [];
    for (let i = 0; i < chunks; i++) {
      const b = await store.blob(hex, i);
      if (!b) return null;
      parts.push(b);
    }
    return new Blob(parts, options);
  }
  let done: Blob = new Blob([]);
  let batch: BlobPart[] = [];
  let batchBytes = 0;
  for (let i = 0; i < chunks; i++) {
    const c = await store.get(hex, i);
    if (!c) return null;
    batch.push(c as Uint8Array<ArrayBuffer>);
    batchBytes += c.byteLength;
    if (batchBytes >= ASSEMBLY_BATCH_BYTES) {
      done = new Blob([done, ...batch]);
      batch = [];
      batchBytes = 0;
    }
  }
  return new Blob([done, ...batch], options);
}
