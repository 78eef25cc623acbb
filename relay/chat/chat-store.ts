/**
 * Chat history in LevelDB (a sublevel of the relay's store). Messages do not
 * live in memory; what does is small: each conversation's first and last seq,
 * and an index from every accepted item id to its message (so a retried id is
 * answered at once and an edit finds its target without a read).
 *
 * Keys (all inside the `chat` sublevel):
 *
 *   m:<conversation>:<seq, 13 digits>  -> ChatRecord (protobuf)
 *   i:<item id hex>                    -> {"c":conversation,"s":seq,"a":author hex,"p":1 if the post}
 *   h:<conversation>                   -> {"first":n,"last":n}
 *
 * Seqs are contiguous per conversation and pruning removes from the oldest
 * end only, so `last - first + 1` is the number kept. Callers serialise all
 * calls (the chat service runs them on one queue); each change is one atomic
 * LevelDB batch, so a crash leaves either the old or the new state.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ChatHistorySchema, ChatRecordSchema, PageBudget } from '../../proto/index.ts';
import { storedMessage } from './history-frame.ts';
import type { ChatMessage, ChatRecord } from '../../proto/index.ts';
import type { ByteLevel } from '../storage/store.ts';
import { conversationFromKey } from './conversation.ts';
import type { Conversation } from './conversation.ts';
import { isRecord, toHex } from '../../proto/bytes.ts';

/** What the id index knows about one accepted item. */
export interface IdEntry {
  /** Conversation key. */
  readonly conv: string;
  /** Seq of the message the item made or acted on. */
  readonly seq: number;
  /** Hex key of the item's author. */
  readonly author: string;
  /** True for the post itself (edits and deletes point at it with false). */
  readonly post: boolean;
}

interface Head {
  first: number;
  last: number;
  /** Server time of the message at `first`, once read (saves a read per append when nothing is due). */
  firstTimeMs?: number;
}

const SEQ_DIGITS = 13;
/** ChatHistory.messages: what a page's budget charges each message's tag for. */
const HISTORY_MESSAGES_FIELD = ChatHistorySchema.field.messages!.number;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

const messageKey = (conv: string, seq: number): string => `m:${conv}:${String(seq).padStart(SEQ_DIGITS, '0')}`;
const json = (value: unknown): Uint8Array => utf8.encode(JSON.stringify(value));

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(fromUtf8.decode(bytes));
  } catch {
    return undefined;
  }
}


/** Persistent chat history. Open with {@link ChatStore.open}. */
export class ChatStore {
  readonly #level: ByteLevel;
  readonly #heads = new Map<string, Head>();
  readonly #ids = new Map<string, IdEntry>();
  /** Direct conversation keys by participant hex key. */
  readonly #directByUser = new Map<string, Set<string>>();

  private constructor(level: ByteLevel) {
    this.#level = level;
  }

  /** Loads the heads and the id index from `level`. */
  static async open(level: ByteLevel): Promise<ChatStore> {
    const store = new ChatStore(level);
    for await (const [key, value] of level.iterator({ gte: 'h:', lt: 'h;' })) {
      const v = parseJson(value);
      const conv = key.slice(2);
      if (isRecord(v) && typeof v.first === 'number' && typeof v.last === 'number' && conversationFromKey(conv)) {
        store.#setHead(conv, { first: v.first, last: v.last });
      }
    }
    for await (const [key, value] of level.iterator({ gte: 'i:', lt: 'i;' })) {
      const v = parseJson(value);
      if (isRecord(v) && typeof v.c === 'string' && typeof v.s === 'number' && typeof v.a === 'string') {
        store.#ids.set(key.slice(2), { conv: v.c, seq: v.s, author: v.a, post: v.p === 1 });
      }
    }
    return store;
  }

  /** The newest seq of `conv` (0 when it has none). */
  lastSeq(conv: string): number {
    return this.#heads.get(conv)?.last ?? 0;
  }

  /** Messages kept in `conv`. */
  count(conv: string): number {
    const head = this.#heads.get(conv);
    return head ? Math.max(0, head.last - head.first + 1) : 0;
  }

  /** Keys of the direct conversations `userHex` is part of. */
  directConversationsOf(userHex: string): readonly string[] {
    return [...(this.#directByUser.get(userHex) ?? [])];
  }

  /** Every conversation key with a head. */
  conversations(): readonly string[] {
    return [...this.#heads.keys()];
  }

  /** What is known about accepted item `idHex`. */
  lookup(idHex: string): IdEntry | undefined {
    return this.#ids.get(idHex);
  }

  /** The stored record of `conv` at `seq`. */
  async get(conv: string, seq: number): Promise<ChatRecord | undefined> {
    const bytes = await this.#level.get(messageKey(conv, seq));
    return bytes ? fromBinary(ChatRecordSchema, bytes) : undefined;
  }

  /** Stores a new message (its `seq` is filled in here) and indexes its post id. Returns the seq. */
  async append(conv: Conversation, message: ChatMessage, authorHex: string): Promise<number> {
    const head = this.#heads.get(conv.key) ?? { first: 1, last: 0 };
    const seq = head.last + 1;
    message.seq = BigInt(seq);
    const idHex = toHex(message.post!.id);
    const entry: IdEntry = { conv: conv.key, seq, author: authorHex, post: true };
    const record = create(ChatRecordSchema, { message, opIds: [message.post!.id] });
    const next: Head = { first: head.first, last: seq };
    await this.#level.batch([
      { type: 'put', key: messageKey(conv.key, seq), value: toBinary(ChatRecordSchema, record) },
      { type: 'put', key: `i:${idHex}`, value: json({ c: conv.key, s: seq, a: authorHex, p: 1 }) },
      { type: 'put', key: `h:${conv.key}`, value: json(next) },
    ]);
    this.#setHead(conv.key, { ...next, ...(head.last < head.first ? { firstTimeMs: Number(message.serverTimeMs) } : {}) });
    this.#ids.set(idHex, entry);
    return seq;
  }

  /** Replaces the record at its seq after an edit or delete, and indexes the item id that did it. */
  async update(conv: string, record: ChatRecord, opId: Uint8Array, authorHex: string): Promise<void> {
    const seq = Number(record.message!.seq);
    const idHex = toHex(opId);
    record.opIds.push(opId);
    await this.#level.batch([
      { type: 'put', key: messageKey(conv, seq), value: toBinary(ChatRecordSchema, record) },
      { type: 'put', key: `i:${idHex}`, value: json({ c: conv, s: seq, a: authorHex }) },
    ]);
    this.#ids.set(idHex, { conv, seq, author: authorHex, post: false });
  }

  /**
   * Up to `limit` messages of `conv` with seq < `beforeSeq`, oldest first, as
   * their stored ChatMessage bytes (not decoded: relay/chat/history-frame.ts),
   * skipping anything older than `notBeforeMs`, and no more than fit `budget`
   * (encoded bytes, proto/frame-limits.ts: the page must fit one frame the
   * client accepts); `hasMore` when older ones remain that are still within bounds.
   */
  async page(conv: string, beforeSeq: number, limit: number, notBeforeMs: number, budget = new PageBudget()): Promise<{ messages: Uint8Array[]; hasMore: boolean }> {
    const head = this.#heads.get(conv);
    if (!head || head.last < head.first) return { messages: [], hasMore: false };
    const upper = Math.min(beforeSeq - 1, head.last);
    if (upper < head.first) return { messages: [], hasMore: false };
    const messages: Uint8Array[] = [];
    let hasMore = false;
    const iterator = this.#level.iterator({ gte: messageKey(conv, head.first), lte: messageKey(conv, upper), reverse: true, limit: limit + 1 });
    for await (const [, value] of iterator) {
      const message = storedMessage(value);
      if (!message || message.serverTimeMs < notBeforeMs) break;
      if (messages.length === limit || !budget.take(message.bytes.byteLength, HISTORY_MESSAGES_FIELD)) {
        hasMore = true;
        break;
      }
      messages.push(message.bytes);
    }
    messages.reverse();
    return { messages, hasMore };
  }

  /**
   * Drops the oldest messages of `conv` while it holds more than `maxMessages`
   * or its oldest is older than `notBeforeMs`, with every id that pointed at
   * them. Returns how many were dropped.
   */
  async prune(conv: string, maxMessages: number, notBeforeMs: number): Promise<number> {
    const head = this.#heads.get(conv);
    if (!head) return 0;
    let dropped = 0;
    while (head.first <= head.last) {
      const overCount = head.last - head.first + 1 > maxMessages;
      if (!overCount && head.firstTimeMs !== undefined && head.firstTimeMs >= notBeforeMs) break;
      const record = await this.get(conv, head.first);
      if (!overCount && record?.message && Number(record.message.serverTimeMs) >= notBeforeMs) {
        head.firstTimeMs = Number(record.message.serverTimeMs);
        break;
      }
      const ids = (record?.opIds ?? []).map((id) => toHex(id));
      const next = { first: head.first + 1, last: head.last };
      await this.#level.batch([
        { type: 'del', key: messageKey(conv, head.first) },
        ...ids.map((id) => ({ type: 'del' as const, key: `i:${id}` })),
        { type: 'put', key: `h:${conv}`, value: json(next) },
      ]);
      for (const id of ids) this.#ids.delete(id);
      head.first = next.first;
      head.firstTimeMs = undefined;
      dropped++;
    }
    return dropped;
  }

  #setHead(conv: string, head: Head): void {
    const existing = this.#heads.get(conv);
    if (existing) {
      existing.first = head.first;
      existing.last = head.last;
      if (head.firstTimeMs !== undefined) existing.firstTimeMs = head.firstTimeMs;
      return;
    }
    this.#heads.set(conv, { ...head });
    const parsed = conversationFromKey(conv);
    if (parsed?.kind === 'direct') {
      for (const user of [parsed.a, parsed.b]) {
        let set = this.#directByUser.get(user);
        if (!set) this.#directByUser.set(user, (set = new Set()));
        set.add(conv);
      }
    }
  }
}
