/** A complete file put back together from its stored chunks (Save, previews). */
import type { ChunkStore } from './chunk-store.ts';

/** The file `hex` of `chunks` chunks as a Blob of MIME `type`, or null if a chunk is missing. */
export async function assembleBlob(store: ChunkStore, hex: string, chunks: number, type: string): Promise<Blob | null> {
  const parts: BlobPart[] = [];
  for (let i = 0; i < chunks; i++) {
    const c = await store.get(hex, i);
    if (!c) return null;
    parts.push(c as Uint8Array<ArrayBuffer>);
  }
  return new Blob(parts, { type: type || 'application/octet-stream' });
}
