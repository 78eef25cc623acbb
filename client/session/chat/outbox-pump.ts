/**
 * Drives the outbox over the connection: items enter in the order they were
 * typed (signing is async, so additions are chained), one is sent at a time
 * while signed in, and each ack settles it: the next goes out, a rate-limit
 * answer waits the relay's delay on the injected timer, and a refused edit
 * or deletion is dropped (there is nothing to retry) and reported.
 *
 * It owns the send slot and the retry timer, never chat state: the owner
 * recomputes its views when told the outbox changed.
 */
import { toBinary } from '@bufbuild/protobuf';
import { ChatAction, ChatItemSchema } from '../../../proto/index.ts';
import type { ChatAck, ChatItem, EnvelopeInit } from '../../../proto/index.ts';
import type { ConversationKey, RefusedChange } from './chat-state.ts';
import type { Outbox } from './outbox.ts';

/** Dependencies of an {@link OutboxPump}. */
export interface OutboxPumpDeps {
  readonly outbox: Outbox;
  /** The outbox's entries or their statuses changed. */
  readonly changed: () => void;
  /** The relay refused a queued edit or deletion for good. */
  readonly refused: (change: RefusedChange) => void;
  readonly now: () => number;
  readonly setTimer?: ((fn: () => void, ms: number) => unknown) | undefined;
  readonly clearTimer?: ((handle: unknown) => void) | undefined;
}

/** Sends the outbox in order, one item in flight. */
export class OutboxPump {
  readonly #deps: OutboxPumpDeps;
  /** Sends a control message; false when the socket is not open. Null while offline. */
  #send: ((msg: EnvelopeInit) => boolean) | null = null;
  #retryTimer: unknown = null;
  #adding: Promise<void> = Promise.resolve();

  constructor(deps: OutboxPumpDeps) {
    this.#deps = deps;
  }

  /** Signed in: items go out through `send` from the next {@link pump}. */
  connected(send: (msg: EnvelopeInit) => boolean): void {
    this.#send = send;
  }

  /** The connection is gone: the in-flight item waits for the next one. */
  disconnected(): void {
    this.#send = null;
    this.#deps.outbox.interrupted();
    this.#clearRetry();
  }

  /** Queues the item `sign` produces, after every earlier one, then sends what it can. */
  add(conversation: ConversationKey, sign: () => Promise<ChatItem>): void {
    this.#adding = this.#adding
      .then(async () => {
        const item = await sign();
        await this.#deps.outbox.add(conversation, item, toBinary(ChatItemSchema, item), this.#deps.now());
        this.#deps.changed();
        this.pump();
      })
      .catch((e: unknown) => console.error('chat: could not queue a message', e));
  }

  /** Sends the next item if signed in, nothing is in flight and no rate-limit wait runs. */
  pump(): void {
    const send = this.#send;
    if (!send || this.#retryTimer !== null) return;
    const next = this.#deps.outbox.next();
    if (!next) return;
    if (!send({ case: 'chatSend', value: { item: next.item } })) this.#deps.outbox.interrupted();
    this.#deps.changed();
  }

  /** The relay's verdict on the item in flight. */
  settle(ack: ChatAck): void {
    const outbox = this.#deps.outbox;
    const result = outbox.settle(ack);
    if (result.kind === 'unknown') return;
    if (result.kind === 'failed' && result.item.item.action !== ChatAction.POST) {
      // A refused edit or deletion changes nothing on the relay: drop it from
      // the outbox (there is nothing to retry) and tell the user why.
      const { item, entry, error } = result.item;
      outbox.discard(entry.id);
      if (error) this.#deps.refused({ action: item.action === ChatAction.EDIT ? 'edit' : 'delete', conversation: entry.conversation, error });
    }
    if (result.kind === 'retry') {
      this.#clearRetry();
      this.#retryTimer = (this.#deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms)))(() => {
        this.#retryTimer = null;
        this.pump();
      }, result.afterMs);
    }
    this.#deps.changed();
    this.pump();
  }

  /** Stops the retry timer and sending; the outbox stays on disk for the next page. */
  close(): void {
    this.#clearRetry();
    this.#send = null;
  }

  #clearRetry(): void {
    if (this.#retryTimer === null) return;
    (this.#deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.#retryTimer);
    this.#retryTimer = null;
  }
}
