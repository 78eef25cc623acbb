/**
 * Where a client keeps the room tree between visits: the last synced tree
 * document, the relay and role it came with, the outbox of signed ops not yet
 * acknowledged, and the device's op sequence counter. Only server state and
 * queued ops are stored, never the optimistic view: a reload rebuilds the
 * same view from these.
 */

/** What was cached with the document. */
export interface CachedMeta {
  /** Hex of the relay key the document and ops belong to. */
  readonly relayKeyHex: string;
  /** The user's role when last connected, so an admin can keep editing offline. */
  readonly role: 'guest' | 'member' | 'admin' | null;
  /** The relay's tree epoch the cached document belongs to (absent: 0, a cache from before epochs). */
  readonly treeEpoch?: number;
}

/** A signed op waiting for the relay's verdict. */
export interface QueuedOp {
  readonly opIdHex: string;
  readonly seq: number;
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
}

/** Storage for one relay address. */
export interface TreeCache {
  /** Everything stored; outbox in sequence order. */
  load(): Promise<{ readonly doc: Uint8Array | null; readonly meta: CachedMeta | null; readonly outbox: QueuedOp[] }>;
  saveDoc(doc: Uint8Array, meta: CachedMeta): Promise<void>;
  /** Takes the next sequence number for `keyHex` (strictly increasing, atomically, across tabs). */
  nextSeq(keyHex: string): Promise<number>;
  put(op: QueuedOp): Promise<void>;
  remove(opIdHex: string): Promise<void>;
  /** Forgets document and outbox (another relay answers at this address). Keeps sequence counters. */
  clear(): Promise<void>;
}

/** An in-memory cache (tests; browsers without IndexedDB). Reusing the object across stores models a reload. */
export function memoryTreeCache(): TreeCache {
  let doc: Uint8Array | null = null;
  let meta: CachedMeta | null = null;
  const outbox = new Map<string, QueuedOp>();
  const seqs = new Map<string, number>();
  return {
    load: async () => ({ doc, meta, outbox: [...outbox.values()].sort((a, b) => a.seq - b.seq) }),
    async saveDoc(d, m) {
      doc = d;
      meta = m;
    },
    async nextSeq(keyHex) {
      const n = (seqs.get(keyHex) ?? 0) + 1;
      seqs.set(keyHex, n);
      return n;
    },
    async put(op) {
      outbox.set(op.opIdHex, op);
    },
    async remove(id) {
      outbox.delete(id);
    },
    async clear() {
      doc = null;
      meta = null;
      outbox.clear();
    },
  };
}
