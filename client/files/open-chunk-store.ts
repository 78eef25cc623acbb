/**
 * Opens the page's chunk store: OPFS where the browser has it, else
 * IndexedDB, bounded by the user's quota. Fails with `storage-unavailable`
 * when neither works.
 */
import { BoundedChunkStore } from './chunk-store.ts';
import { FileError } from './file-errors.ts';
import { idbChunkStore } from './idb-chunk-store.ts';
import { opfsAvailable, opfsChunkStore } from './opfs-chunk-store.ts';

/** Where to open the store. */
export interface OpenChunkStoreOptions {
  readonly quotaBytes: number;
  /** OPFS directory / IndexedDB database name (tests use their own). */
  readonly name?: string;
  /** Skip OPFS (tests of the IndexedDB path). */
  readonly preferIndexedDb?: boolean;
}

/** The best store this browser offers, behind the user's quota. */
export async function openChunkStore(o: OpenChunkStoreOptions): Promise<BoundedChunkStore> {
  const name = o.name ?? 'parley-files';
  if (!o.preferIndexedDb && opfsAvailable()) {
    try {
      return await BoundedChunkStore.open(await opfsChunkStore(name), o.quotaBytes);
    } catch {
      // Some private modes expose OPFS and then refuse it: fall through to IndexedDB.
    }
  }
  try {
    return await BoundedChunkStore.open(await idbChunkStore(name), o.quotaBytes);
  } catch (e) {
    throw new FileError('storage-unavailable', 'neither OPFS nor IndexedDB could be opened', { cause: e });
  }
}
