/**
 * What chat keeps on this device: the outbox (signed items not yet accepted
 * by the relay, in send order) and how far each conversation has been read.
 * An interface with an in-memory version for tests; IndexedDB in
 * idb-persistence.ts.
 */

/** One signed item waiting to go out. */
export interface OutboxEntry {
  /** Hex of the item id. */
  readonly id: string;
  /** Conversation key. */
  readonly conversation: string;
  /** The `ChatItem` protobuf bytes, signed. */
  readonly item: Uint8Array;
  /** Order of typing: entries go out by ascending `order`. */
  readonly order: number;
}

/** Device storage for chat. Every method may reject (storage full, private mode); callers degrade. */
export interface ChatPersistence {
  /** Every entry, by ascending order. */
  loadOutbox(): Promise<OutboxEntry[]>;
  putOutbox(entry: OutboxEntry): Promise<void>;
  deleteOutbox(id: string): Promise<void>;
  /** Conversation key -> read seq. */
  loadReadMarks(): Promise<Map<string, number>>;
  putReadMark(conversation: string, seq: number): Promise<void>;
}

/** A persistence that forgets on reload (tests, and browsers without IndexedDB). */
export function memoryChatPersistence(): ChatPersistence {
  const outbox = new Map<string, OutboxEntry>();
  const marks = new Map<string, number>();
  return {
    loadOutbox: async () => [...outbox.values()].sort((a, b) => a.order - b.order),
    putOutbox: async (entry) => void outbox.set(entry.id, entry),
    deleteOutbox: async (id) => void outbox.delete(id),
    loadReadMarks: async () => new Map(marks),
    putReadMark: async (conversation, seq) => void marks.set(conversation, seq),
  };
}
