/**
 * {@link TreeCache} in IndexedDB (one database per relay address). The
 * sequence counter is bumped inside a readwrite transaction, which IndexedDB
 * serialises across tabs, so two tabs of one identity never sign two ops
 * with the same number.
 */
import { openDB } from 'idb';
import type { DBSchema, IDBPDatabase } from 'idb';
import type { CachedMeta, QueuedOp, TreeCache } from './tree-cache.ts';

interface TreeDb extends DBSchema {
  state: { key: string; value: { doc: Uint8Array; meta: CachedMeta } };
  outbox: { key: string; value: QueuedOp; indexes: { seq: number } };
  seqs: { key: string; value: number };
}

/** Opens the cache for the relay at `address` (its control socket URL). */
export async function openIdbTreeCache(address: string): Promise<TreeCache> {
  const db: IDBPDatabase<TreeDb> = await openDB<TreeDb>(`parley-tree:${address}`, 1, {
    upgrade(d) {
      d.createObjectStore('state');
      d.createObjectStore('outbox', { keyPath: 'opIdHex' }).createIndex('seq', 'seq');
      d.createObjectStore('seqs');
    },
  });
  return {
    async load() {
      const state = await db.get('state', 'doc');
      const outbox = await db.getAllFromIndex('outbox', 'seq');
      return { doc: state?.doc ?? null, meta: state?.meta ?? null, outbox };
    },
    async saveDoc(doc, meta) {
      await db.put('state', { doc, meta }, 'doc');
    },
    async nextSeq(keyHex) {
      const tx = db.transaction('seqs', 'readwrite');
      const n = ((await tx.store.get(keyHex)) ?? 0) + 1;
      await tx.store.put(n, keyHex);
      await tx.done;
      return n;
    },
    async put(op) {
      await db.put('outbox', op);
    },
    async remove(id) {
      await db.delete('outbox', id);
    },
    async clear() {
      const tx = db.transaction(['state', 'outbox'], 'readwrite');
      await Promise.all([tx.objectStore('state').clear(), tx.objectStore('outbox').clear(), tx.done]);
    },
  };
}
