/**
 * Where downloaded and shared chunks live in the browser, and the limit the
 * user sets on it. Adapters: opfs-chunk-store.ts (Origin Private File
 * System) and idb-chunk-store.ts (IndexedDB); {@link BoundedChunkStore} puts
 * the user's quota in front of either and turns the browser's own quota
 * errors into a typed {@link FileError}.
 */
import { FileError, isBrowserQuotaError } from './file-errors.ts';

/** Bytes held for one file. */
export interface StoredFile {
  readonly fileId: string;
  readonly bytes: number;
}

/** A persistent store of verified chunks, keyed by file id (hex) and chunk index. */
export interface ChunkStore {
  /** Which backend this is (shown in the storage panel). */
  readonly kind: 'opfs' | 'indexeddb' | 'memory';
  /** Stores a chunk. Keeps no reference to `bytes` once it resolves or rejects: the caller may fill that buffer again (prepare reuses its buffers). */
  put(fileId: string, index: number, bytes: Uint8Array): Promise<void>;
  /** The chunk, or null when not held. */
  get(fileId: string, index: number): Promise<Uint8Array | null>;
  /**
   * The chunk as a Blob backed by the store's own copy (no bytes read into
   * memory), or null when not held. Optional: only stores that keep chunks
   * as files (OPFS) offer it; Save of a large file then never reads it.
   */
  blob?(fileId: string, index: number): Promise<Blob | null>;
  /** Indices held for `fileId`, ascending (what a reload resumes from). */
  indices(fileId: string): Promise<number[]>;
  /** Forgets every chunk of `fileId`. */
  remove(fileId: string): Promise<void>;
  /** Every file with chunks here and the bytes each takes. */
  files(): Promise<StoredFile[]>;
}

/** A chunk store in memory (tests, and browsers with no storage). */
export function memoryChunkStore(): ChunkStore {
  const files = new Map<string, Map<number, Uint8Array>>();
  return {
    kind: 'memory',
    put: async (fileId, index, bytes) => void (files.get(fileId) ?? files.set(fileId, new Map()).get(fileId)!).set(index, bytes.slice()),
    get: async (fileId, index) => files.get(fileId)?.get(index)?.slice() ?? null,
    indices: async (fileId) => [...(files.get(fileId)?.keys() ?? [])].sort((a, b) => a - b),
    remove: async (fileId) => void files.delete(fileId),
    files: async () => [...files].map(([fileId, m]) => ({ fileId, bytes: [...m.values()].reduce((n, c) => n + c.byteLength, 0) })),
  };
}

/** Storage use as the UI shows it. */
export interface StorageUse {
  readonly usedBytes: number;
  readonly quotaBytes: number;
  readonly kind: ChunkStore['kind'];
  /** Bytes per file (its chunks and hash blocks together), largest first. */
  readonly files: readonly StoredFile[];
}

/** Store keys of a file's side records (hash blocks: hash-book.ts) end with `.` and a tag. */
const fileOfKey = (key: string): string => key.split('.')[0]!;

/**
 * A chunk store bounded by a user-set quota. Usage is counted once at
 * {@link BoundedChunkStore.open} and kept up to date by every put and remove
 * made through this object (one tab owns its store; a second tab's writes are
 * counted on its next open).
 */
export class BoundedChunkStore implements ChunkStore {
  readonly #inner: ChunkStore;
  #quota: number;
  #used: number;
  readonly #perFile = new Map<string, number>();
  /** Writes in flight, so two puts racing cannot both squeeze under the quota. */
  #reserved = 0;

  private constructor(inner: ChunkStore, quotaBytes: number, files: readonly StoredFile[]) {
    this.#inner = inner;
    this.#quota = quotaBytes;
    for (const f of files) this.#perFile.set(f.fileId, f.bytes);
    this.#used = files.reduce((n, f) => n + f.bytes, 0);
  }

  /** Wraps `inner` with a quota of `quotaBytes`, counting what it already holds. */
  static async open(inner: ChunkStore, quotaBytes: number): Promise<BoundedChunkStore> {
    return new BoundedChunkStore(inner, quotaBytes, await inner.files());
  }

  get kind(): ChunkStore['kind'] {
    return this.#inner.kind;
  }

  /** Used and allowed bytes. */
  get use(): StorageUse {
    const byFile = new Map<string, number>();
    for (const [key, bytes] of this.#perFile) byFile.set(fileOfKey(key), (byFile.get(fileOfKey(key)) ?? 0) + bytes);
    const files = [...byFile].map(([fileId, bytes]) => ({ fileId, bytes })).sort((a, b) => b.bytes - a.bytes);
    return { usedBytes: this.#used, quotaBytes: this.#quota, kind: this.#inner.kind, files };
  }

  /** Changes the limit; what is stored stays (new writes are refused while over it). */
  setQuota(bytes: number): void {
    this.#quota = Math.max(0, bytes);
  }

  /** Throws `quota-exceeded` unless `bytes` more fit. */
  canFit(bytes: number): void {
    if (this.#used + this.#reserved + bytes > this.#quota) {
      throw new FileError('quota-exceeded', `needs ${bytes} bytes, ${Math.max(0, this.#quota - this.#used - this.#reserved)} free`);
    }
  }

  async put(fileId: string, index: number, bytes: Uint8Array): Promise<void> {
    this.canFit(bytes.byteLength);
    this.#reserved += bytes.byteLength;
    try {
      const had = await this.#inner.get(fileId, index);
      await this.#inner.put(fileId, index, bytes);
      const delta = bytes.byteLength - (had?.byteLength ?? 0);
      this.#used += delta;
      this.#perFile.set(fileId, (this.#perFile.get(fileId) ?? 0) + delta);
    } catch (e) {
      if (e instanceof FileError) throw e;
      if (isBrowserQuotaError(e)) throw new FileError('browser-quota', 'the browser refused to store more', { cause: e });
      throw new FileError('storage-unavailable', 'storing a chunk failed', { cause: e });
    } finally {
      this.#reserved -= bytes.byteLength;
    }
  }

  get(fileId: string, index: number): Promise<Uint8Array | null> {
    return this.#inner.get(fileId, index);
  }

  /** The inner store's Blob of a chunk; absent when the inner store has none. */
  get blob(): ChunkStore['blob'] {
    return this.#inner.blob?.bind(this.#inner);
  }

  indices(fileId: string): Promise<number[]> {
    return this.#inner.indices(fileId);
  }

  async remove(fileId: string): Promise<void> {
    await this.#inner.remove(fileId);
    this.#used -= this.#perFile.get(fileId) ?? 0;
    this.#perFile.delete(fileId);
  }

  async files(): Promise<StoredFile[]> {
    return [...this.#perFile].map(([fileId, bytes]) => ({ fileId, bytes }));
  }
}
