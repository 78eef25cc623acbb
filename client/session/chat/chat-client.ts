/**
 * The client side of chat: composes and signs items, queues them in the
 * outbox, sends them in order while signed in, turns the relay's events and
 * history pages into checked message views, and keeps unread counts and
 * mentions. Its state is a slice of the session's: every change goes through
 * `#set`, which hands the new slice to the session's own choke point.
 *
 * Incoming chat messages are processed one after another (verification is
 * async), so a page and an event for the same message cannot interleave.
 *
 * Parts: OutboxPump (outbox-pump.ts) sends the outbox in order and handles
 * acks and rate-limit waits; incoming-merge.ts folds events, history pages
 * and summaries into the state; pending-view.ts shows the outbox in the log.
 */
import { ChatActionCode, CHAT_ID_BYTES, ErrorCode } from '../../../proto/index.ts';
import { SessionError, sessionErrorFromRelay } from '../errors.ts';
import type { ChatHistory, ChatMessage, ChatSummary, EnvelopeInit, FileManifest } from '../../../proto/index.ts';
import { fingerprint as keyFingerprint, toHex, verifyEd25519 } from '../../../keys/index.ts';
import type { Signer } from '../../../keys/index.ts';
import type { ControlMessage } from '../connection/signal-connection.ts';
import { initialChatState, parseConversationKey, roomKey, updateConversation } from './chat-state.ts';
import type { ChatMessageView, ChatState, ConversationKey, ConversationView } from './chat-state.ts';
import { mergeEvent, mergeHistoryPage, mergeSummary } from './incoming-merge.ts';
import { conversationOfItem, toMessageView } from './message-view.ts';
import type { ViewContext } from './message-view.ts';
import { prepareChatItem } from './compose.ts';
import { fromHex } from '../../../proto/bytes.ts';
import { Outbox } from './outbox.ts';
import { OutboxPump } from './outbox-pump.ts';
import { withPending, withPendingChanges } from './pending-view.ts';
import type { ChatPersistence } from './persistence.ts';

/** Chat commands (part of the session's `Command` union). */
export type ChatCommand =
  | { readonly type: 'chat-open'; readonly conversation: ConversationKey }
  | { readonly type: 'chat-visible'; readonly visible: boolean }
  | { readonly type: 'chat-send'; readonly conversation: ConversationKey; readonly text: string }
  /** Shares a file: `id` is the manifest's file id, `text` its caption (the file name). */
  | { readonly type: 'chat-send-file'; readonly conversation: ConversationKey; readonly text: string; readonly id: Uint8Array; readonly file: FileManifest }
  | { readonly type: 'chat-edit'; readonly conversation: ConversationKey; readonly messageId: string; readonly text: string }
  | { readonly type: 'chat-delete'; readonly conversation: ConversationKey; readonly messageId: string }
  | { readonly type: 'chat-load-older'; readonly conversation: ConversationKey }
  | { readonly type: 'chat-discard'; readonly conversation: ConversationKey; readonly pendingId: string }
  | { readonly type: 'chat-dismiss-refusal' };

/** The signed-in connection, as chat sees it. */
export interface ChatLink {
  readonly relayKey: Uint8Array;
  readonly selfName: string;
  /** Sends a control message; false when the socket is not open. */
  send(msg: EnvelopeInit): boolean;
}

/** Dependencies of a {@link ChatClient}. */
export interface ChatClientDeps {
  readonly signer: Signer;
  readonly persistence: ChatPersistence;
  /** Receives every new state slice. */
  readonly onChange: (state: ChatState) => void;
  readonly now?: () => number;
  readonly randomId?: () => Uint8Array;
  readonly verify?: ViewContext['verify'];
  readonly fingerprint?: ViewContext['fingerprint'];
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

/** Messages per history page. */
const PAGE = 50;

/** Chat for one session. */
export class ChatClient {
  #state: ChatState = initialChatState;
  readonly #deps: ChatClientDeps;
  readonly #selfKeyHex: string;
  readonly #outbox: Outbox;
  readonly #pump: OutboxPump;
  readonly #marks = new Map<string, number>();
  readonly #requests = new Map<number, { conversation: ConversationKey; before: number }>();
  readonly #fingerprints = new Map<string, Promise<string>>();
  #link: ChatLink | null = null;
  /** Kept after a disconnect: items typed offline are signed for the relay we were on. */
  #relayKey: Uint8Array | null = null;
  #selfName = '';
  #nextRequest = 1;
  #incoming: Promise<void> = Promise.resolve();
  /** Resolves once the outbox and read marks are loaded. */
  readonly ready: Promise<void>;

  constructor(deps: ChatClientDeps) {
    this.#deps = deps;
    this.#selfKeyHex = toHex(deps.signer.publicKey);
    this.#outbox = new Outbox(deps.persistence);
    this.#pump = new OutboxPump({
      outbox: this.#outbox,
      changed: () => this.#refreshPending(),
      refused: (refused) => this.#set({ ...this.#state, refused }),
      now: () => this.#now(),
      setTimer: deps.setTimer,
      clearTimer: deps.clearTimer,
    });
    this.ready = Promise.all([
      this.#outbox.load(),
      deps.persistence.loadReadMarks().then((m) => m.forEach((seq, key) => this.#marks.set(key, seq)), () => {}),
    ]).then(() => this.#refreshPending());
  }

  get state(): ChatState {
    return this.#state;
  }

  /** Signed in: fetch what is on screen, flush the outbox. */
  connected(link: ChatLink): void {
    this.#link = link;
    this.#relayKey = link.relayKey;
    this.#selfName = link.selfName;
    const conversations = new Map<ConversationKey, ConversationView>();
    for (const [key, c] of this.#state.conversations) conversations.set(key, { ...c, loaded: false, loading: false });
    this.#set({ ...this.#state, conversations });
    if (this.#state.active) this.#requestPage(this.#state.active, 0);
    this.#pump.connected((msg) => link.send(msg));
    void this.ready.then(() => this.#pump.pump());
  }

  /** The user changed their display name: mentions are matched against the new one. */
  renamed(selfName: string): void {
    this.#selfName = selfName;
  }

  /** The connection is gone: the in-flight item waits for the next one. */
  disconnected(): void {
    this.#link = null;
    this.#requests.clear();
    this.#pump.disconnected();
    this.#refreshPending();
  }

  /** The user's room changed: a chat panel showing a room follows them. */
  followRoom(roomId: string): void {
    const active = this.#state.active;
    if (active === null || active.startsWith('room:')) this.dispatch({ type: 'chat-open', conversation: roomKey(roomId) });
  }

  /** Handles a chat control message; false for anything else. */
  handle(msg: ControlMessage['msg']): boolean {
    switch (msg.case) {
      case 'chatAck':
        this.#pump.settle(msg.value);
        return true;
      case 'chatEvent':
        if (msg.value.message) this.#enqueueIncoming(() => this.#onEvent(msg.value.message!));
        return true;
      case 'chatHistory':
        this.#enqueueIncoming(() => this.#onHistory(msg.value));
        return true;
      case 'chatSummary': {
        // Read marks must be loaded first, or unread counts start from the wrong place.
        const summary = msg.value;
        void this.ready.then(() => this.#onSummary(summary));
        return true;
      }
      default:
        return false;
    }
  }

  dispatch(cmd: ChatCommand): void {
    switch (cmd.type) {
      case 'chat-open':
        if (!parseConversationKey(cmd.conversation)) return;
        this.#set({ ...updateConversation(this.#state, cmd.conversation, (c) => c), active: cmd.conversation });
        if (!this.#state.conversations.get(cmd.conversation)?.loaded) this.#requestPage(cmd.conversation, 0);
        this.#markRead(cmd.conversation);
        return;
      case 'chat-visible':
        this.#set({ ...this.#state, visible: cmd.visible });
        if (cmd.visible && this.#state.active) this.#markRead(this.#state.active);
        return;
      case 'chat-send':
        this.#composeItem(cmd.conversation, ChatActionCode.post, cmd.text, null);
        return;
      case 'chat-send-file':
        this.#composeItem(cmd.conversation, ChatActionCode.post, cmd.text, null, { id: cmd.id, file: cmd.file });
        return;
      case 'chat-edit':
        this.#composeItem(cmd.conversation, ChatActionCode.edit, cmd.text, cmd.messageId);
        return;
      case 'chat-delete':
        this.#composeItem(cmd.conversation, ChatActionCode.delete, '', cmd.messageId);
        return;
      case 'chat-load-older': {
        const c = this.#state.conversations.get(cmd.conversation);
        if (c && c.hasMore && !c.loading && c.messages.length > 0) this.#requestPage(cmd.conversation, c.messages[0]!.seq);
        return;
      }
      case 'chat-dismiss-refusal':
        if (this.#state.refused) this.#set({ ...this.#state, refused: null });
        return;
      case 'chat-discard':
        if (this.#outbox.discard(cmd.pendingId)) this.#refreshPending();
        return;
    }
  }

  /** The relay key items are signed for (kept while offline), or null before the first sign-in. */
  get relayKey(): Uint8Array | null {
    return this.#relayKey;
  }

  #composeItem(conversation: ConversationKey, action: ChatActionCode, text: string, refHex: string | null, shared?: { id: Uint8Array; file: FileManifest }): void {
    const relayKey = this.#relayKey;
    if (!relayKey) return;
    const id = shared?.id ?? this.#deps.randomId?.() ?? crypto.getRandomValues(new Uint8Array(CHAT_ID_BYTES));
    const sign = prepareChatItem({ conversation, action, text, refHex, relayKey, id, clientTimeMs: this.#now(), ...(shared ? { file: shared.file } : {}) }, this.#deps.signer);
    if (!sign) return;
    this.#pump.add(conversation, sign);
  }

  async #onEvent(message: ChatMessage): Promise<void> {
    const post = message.post;
    const conversation = post && conversationOfItem(post, this.#selfKeyHex);
    const ctx = this.#viewContext();
    if (!conversation || !ctx) return;
    const view = await toMessageView(message, conversation, ctx);
    if (!view) return;
    const isNewPost = !message.edit && !message.deletion;
    this.#set(mergeEvent(this.#state, conversation, view, { isNewPost, reading: this.#isReading(conversation), selfName: this.#selfName, markPending: this.#markPending }));
    if (this.#isReading(conversation) || view.own) this.#markRead(conversation);
  }

  /**
   * A relay frame was dropped undecoded (too large, damaged): it may have been
   * a page we wait for, so every outstanding request ends with an error
   * instead of "Loading messages…" forever. A late true reply is ignored.
   */
  replyLost(): void {
    if (this.#requests.size === 0) return;
    let next = this.#state;
    const error = new SessionError('reply-unreadable', 'a relay frame was dropped');
    for (const { conversation } of this.#requests.values()) next = updateConversation(next, conversation, (c) => ({ ...c, loading: false, loadError: error }));
    this.#requests.clear();
    this.#set(next);
  }

  async #onHistory(page: ChatHistory): Promise<void> {
    const request = this.#requests.get(page.requestId);
    if (!request) return;
    this.#requests.delete(page.requestId);
    if (page.code !== ErrorCode.UNSPECIFIED) {
      // Not loaded: opening the conversation again (or "load older") asks again.
      const error = sessionErrorFromRelay(page.code, 'history refused', 0n);
      this.#set(updateConversation(this.#state, request.conversation, (c) => ({ ...c, loading: false, loadError: error })));
      return;
    }
    const ctx = this.#viewContext();
    const views: ChatMessageView[] = [];
    if (ctx) {
      for (const m of page.messages) {
        const v = await toMessageView(m, request.conversation, ctx);
        if (v) views.push(v);
      }
    }
    this.#set(mergeHistoryPage(this.#state, request.conversation, request.before, views, page.hasMore, this.#markPending));
    if (this.#isReading(request.conversation)) this.#markRead(request.conversation);
  }

  #onSummary(summary: ChatSummary): void {
    this.#set(mergeSummary(this.#state, summary, this.#marks));
    if (this.#state.active) this.#markRead(this.#state.active);
  }

  #requestPage(conversation: ConversationKey, before: number): void {
    const place = parseConversationKey(conversation);
    const link = this.#link;
    if (!place || !link) return;
    const requestId = this.#nextRequest++;
    const target = place.kind === 'room' ? { to: { case: 'roomId' as const, value: place.roomId } } : { to: { case: 'peerKey' as const, value: fromHex(place.peerKeyHex) } };
    if (!link.send({ case: 'chatHistoryRequest', value: { requestId, target, beforeSeq: BigInt(before), limit: PAGE } })) return;
    this.#requests.set(requestId, { conversation, before });
    this.#set(updateConversation(this.#state, conversation, (c) => ({ ...c, loading: true })));
  }

  #isReading(conversation: ConversationKey): boolean {
    return this.#state.visible && this.#state.active === conversation;
  }

  #markRead(conversation: ConversationKey): void {
    const c = this.#state.conversations.get(conversation);
    if (!c || !this.#isReading(conversation)) return;
    if (c.readSeq >= c.lastSeq && !c.mentioned) return;
    this.#set(updateConversation(this.#state, conversation, (x) => ({ ...x, readSeq: x.lastSeq, mentioned: false })));
    this.#marks.set(conversation, c.lastSeq);
    void this.#deps.persistence.putReadMark(conversation, c.lastSeq).catch(() => {});
  }

  /** Recomputes pending posts and pending-change markers from the outbox. */
  #refreshPending(): void {
    this.#set(withPending(this.#state, this.#outbox.items()));
  }

  readonly #markPending = (conversation: ConversationKey, messages: readonly ChatMessageView[]): ChatMessageView[] =>
    withPendingChanges(this.#outbox.items(), conversation, messages);

  #viewContext(): ViewContext | null {
    const relayKey = this.#relayKey;
    if (!relayKey) return null;
    return {
      relayKey,
      selfKeyHex: this.#selfKeyHex,
      verify: this.#deps.verify ?? verifyEd25519,
      fingerprint: (key) => {
        const hex = toHex(key);
        let fp = this.#fingerprints.get(hex);
        if (!fp) this.#fingerprints.set(hex, (fp = (this.#deps.fingerprint ?? keyFingerprint)(key)));
        return fp;
      },
    };
  }

  #enqueueIncoming(task: () => Promise<void>): void {
    this.#incoming = this.#incoming.then(task).catch((e: unknown) => console.error('chat: incoming message failed', e));
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }

  #set(next: ChatState): void {
    if (next === this.#state) return;
    this.#state = next;
    this.#deps.onChange(next);
  }

  /** Stops timers; the outbox stays on disk for the next page. */
  close(): void {
    this.#pump.close();
    this.#link = null;
  }
}
