/**
 * Answers one peer's REQUEST from the chunks held here. Chunks are verified
 * before they are stored, and checked again before they are served, so a
 * damaged disk never spreads bad data.
 */
import { verifyChunk } from './chunk-hash.ts';
import type { ChunkLayout } from './chunk-hash.ts';
import type { ChunkStore } from './chunk-store.ts';
import type { PeerFrame } from './peer-frames.ts';

/** The reply to a request for chunk `index` of `fileId`: the chunk, or MISSING. */
export async function answerRequest(store: ChunkStore, fileId: string, layout: ChunkLayout, index: number): Promise<PeerFrame> {
  const bytes = index < layout.chunkHashes.length ? await store.get(fileId, index) : null;
  if (!bytes) return { type: 'missing', index };
  try {
    await verifyChunk(layout, index, bytes);
  } catch {
    return { type: 'missing', index };
  }
  return { type: 'chunk', index, bytes };
}
