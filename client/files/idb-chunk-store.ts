/**
 * Chunk store in IndexedDB (via idb), for browsers without OPFS. Chunks are
 * keyed `[fileId, index]`; a `sizes` record per file is updated in the same
 * transaction, so counting use never reads the chunks themselves.
 */
import { openDB } from 'idb';
import type { IDBPDatabase } from 'idb';
import type { ChunkStore } from './chunk-store.ts';

const CHUNKS = 'chunks';
const SIZES = 'sizes';

/** A chunk store in the IndexedDB database `dbName`. */
export async function idbChunkStore(dbName = 'parley-files'): Promise<ChunkStore> {
  const db: IDBPDatabase = await openDB(dbName, 1, {
    upgrade(d) {
      d.createObjectStore(CHUNKS);
      d.createObjectStore(SIZES);
    },
  });
  const range = (fileId: string): IDBKeyRange => IDBKeyRange.bound([fileId, 0], [fileId, Number.MAX_SAFE_INTEGER]);
  return {
    kind: 'indexeddb',
    async put(fileId, index, bytes) {
      const tx = db.transaction([CHUNKS, SIZES], 'readwrite');
      const old = (await tx.objectStore(CHUNKS).get([fileId, index])) as Uint8Array | undefined;
      const size = ((await tx.objectStore(SIZES).get(fileId)) as number | undefined) ?? 0;
      await tx.objectStore(CHUNKS).put(bytes.slice(), [fileId, index]);
      await tx.objectStore(SIZES).put(size + bytes.byteLength - (old?.byteLength ?? 0), fileId);
      await tx.done;
    },
    async get(fileId, index) {
      const v = (await db.get(CHUNKS, [fileId, index])) as Uint8Array | undefined;
      return v ?? null;
    },
    async indices(fileId) {
      const keys = (await db.getAllKeys(CHUNKS, range(fileId))) as [string, number][];
      return keys.map((k) => k[1]);
    },
    async remove(fileId) {
      const tx = db.transaction([CHUNKS, SIZES], 'readwrite');
      await tx.objectStore(CHUNKS).delete(range(fileId));
      await tx.objectStore(SIZES).delete(fileId);
      await tx.done;
    },
    async files() {
      const tx = db.transaction(SIZES);
      const out: { fileId: string; bytes: number }[] = [];
      let cursor = await tx.store.openCursor();
      while (cursor) {
        out.push({ fileId: String(cursor.key), bytes: cursor.value as number });
        cursor = await cursor.continue();
      }
      return out;
    },
  };
}
