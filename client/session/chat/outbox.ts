/**
 * The outbox: signed items waiting for the relay's verdict, sent one at a
 * time in typing order. Persisted first (nothing typed is lost on reload),
 * removed only on an accepting ack or a final refusal; a rate-limit answer
 * waits the relay's `retry_after_ms` and tries again. Ids make retries safe:
 * the relay answers a repeated id with its stored verdict.
 *
 * No sockets and no timers of its own: the owner calls `next()` when it can
 * send and `settle()` with each ack.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { ChatItemSchema, ErrorCode } from '../../../proto/index.ts';
import type { ChatAck, ChatItem } from '../../../proto/index.ts';
import { toHex } from '../../../keys/index.ts';
import { sessionErrorFromRelay } from '../errors.ts';
import { denialOf } from '../perms/denial.ts';
import type { SessionError } from '../errors.ts';
import type { PendingStatus } from './chat-state.ts';
import type { ChatPersistence, OutboxEntry } from './persistence.ts';

/** An entry with its decoded item and where it stands. */
export interface OutboxItem {
  readonly entry: OutboxEntry;
  readonly item: ChatItem;
  status: PendingStatus;
  error: SessionError | null;
}

/** What `settle` decided. */
export type Settlement =
  | { readonly kind: 'accepted'; readonly item: OutboxItem }
  | { readonly kind: 'retry'; readonly item: OutboxItem; readonly afterMs: number }
  | { readonly kind: 'failed'; readonly item: OutboxItem }
  | { readonly kind: 'unknown' };

/** Retry delay after INTERNAL or a rate limit without a hint, ms. */
const DEFAULT_RETRY_MS = 2000;

/** The ordered queue of unsent items. */
export class Outbox {
  readonly #persistence: ChatPersistence;
  /** Waiting items in order, then failed ones (kept for display until discarded). */
  #items: OutboxItem[] = [];
  #inFlight: string | null = null;
  #lastOrder = 0;

  constructor(persistence: ChatPersistence) {
    this.#persistence = persistence;
  }

  /** Loads what a previous page left behind. Storage errors leave the outbox empty. */
  async load(): Promise<void> {
    const entries = await this.#persistence.loadOutbox().catch(() => [] as OutboxEntry[]);
    for (const entry of entries) {
      try {
        this.#items.push({ entry, item: fromBinary(ChatItemSchema, entry.item), status: 'queued', error: null });
        this.#lastOrder = Math.max(this.#lastOrder, entry.order);
      } catch {
        void this.#persistence.deleteOutbox(entry.id).catch(() => {});
      }
    }
  }

  /** Every item (waiting and failed), in order. */
  items(): readonly OutboxItem[] {
    return this.#items;
  }

  /** Adds a signed item and persists it before it is offered for sending. */
  async add(conversation: string, item: ChatItem, bytes: Uint8Array, now: number): Promise<OutboxItem> {
    this.#lastOrder = Math.max(now, this.#lastOrder + 1);
    const entry: OutboxEntry = { id: toHex(item.id), conversation, item: bytes, order: this.#lastOrder };
    const added: OutboxItem = { entry, item, status: 'queued', error: null };
    this.#items.push(added);
    await this.#persistence.putOutbox(entry).catch(() => {});
    return added;
  }

  /** The item to send now (marked `sending`), or null if one is in flight or none waits. */
  next(): OutboxItem | null {
    if (this.#inFlight !== null) return null;
    const head = this.#items.find((i) => i.status === 'queued' || i.status === 'waiting');
    if (!head) return null;
    head.status = 'sending';
    this.#inFlight = head.entry.id;
    return head;
  }

  /** The connection dropped: the in-flight item goes back to the queue (its id makes the resend safe). */
  interrupted(): void {
    for (const i of this.#items) if (i.status === 'sending') i.status = 'queued';
    this.#inFlight = null;
  }

  /** Applies the relay's verdict on an item. */
  settle(ack: ChatAck): Settlement {
    const id = toHex(ack.id);
    const item = this.#items.find((i) => i.entry.id === id && i.status === 'sending');
    if (!item) return { kind: 'unknown' };
    this.#inFlight = null;
    if (ack.code === ErrorCode.UNSPECIFIED) {
      this.#remove(item);
      return { kind: 'accepted', item };
    }
    // Worth sending again: the relay's limit, its storage, or a cluster with no writer for a moment (a failover).
    if (ack.code === ErrorCode.RATE_LIMITED || ack.code === ErrorCode.INTERNAL || ack.code === ErrorCode.CLUSTER_UNAVAILABLE) {
      item.status = 'waiting';
      item.error = sessionErrorFromRelay(ack.code, ack.detail, 0n);
      return { kind: 'retry', item, afterMs: ack.retryAfterMs || DEFAULT_RETRY_MS };
    }
    item.status = 'failed';
    item.error = sessionErrorFromRelay(ack.code, ack.detail, 0n, denialOf(ack));
    void this.#persistence.deleteOutbox(id).catch(() => {});
    return { kind: 'failed', item };
  }

  /** Drops a queued or failed item (not one in flight). True if it was dropped. */
  discard(id: string): boolean {
    const item = this.#items.find((i) => i.entry.id === id);
    if (!item || item.status === 'sending') return false;
    this.#remove(item);
    return true;
  }

  #remove(item: OutboxItem): void {
    this.#items = this.#items.filter((i) => i !== item);
    void this.#persistence.deleteOutbox(item.entry.id).catch(() => {});
  }
}
