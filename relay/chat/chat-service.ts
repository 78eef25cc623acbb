/**
 * Chat on the relay: takes signed items from sessions, checks them (shape,
 * repeated id, per-user rate, signature, target, permission), stores them,
 * answers the sender with a `chatAck` and delivers a `chatEvent` live; serves
 * history pages and the per-conversation summary sent after sign-in.
 *
 * The cheap checks and the signature run as the frame arrives; everything
 * that touches storage runs on one queue, in arrival order, so two items for
 * one message (a retry, an edit racing a delete) see each other's effects.
 * An ack is sent only after its batch is on disk.
 */
import { create } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ChatAction, ChatActionCode, ChatMessageSchema, ErrorCode, MAX_CONTROL_FRAME_BYTES, checkChatItem, chatSigningBytes, encodeEnvelope, signingTarget } from '../../proto/index.ts';
import type { ChatHeadSchema, ChatHistoryRequest, ChatItem, ChatMessage, ChatSend, ChatSigningFields, PermissionDenialSchema } from '../../proto/index.ts';
import { verifyEd25519 } from '../access/ed25519.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Clock } from '../options.ts';
import type { Member, Presence } from '../presence/presence.ts';
import { KeyedBuckets } from '../rate-limit.ts';
import type { Session } from '../connection/client-connection.ts';
import type { DropStats } from '../stats.ts';
import type { ChatActor, ChatPermission, ChatPlace, ChatPolicy } from './authorize.ts';
import type { ChatLimits } from './chat-limits.ts';
import type { ChatStore } from './chat-store.ts';
import { chatSummaryFrames } from '../connection/paged-frames.ts';
import { conversationFromKey, conversationOf, roomConversation, targetFor } from './conversation.ts';
import type { Conversation } from './conversation.ts';
import { toHex } from '../../proto/bytes.ts';
import { chatHistoryFrame } from './history-frame.ts';

/** Dependencies of a {@link ChatService}. */
export interface ChatServiceDeps {
  readonly store: ChatStore;
  readonly presence: Presence;
  /** Authenticated sessions (live delivery). */
  readonly sessions: () => Iterable<Session>;
  readonly relayKey: Uint8Array;
  readonly clock: Clock;
  readonly limits: ChatLimits;
  readonly policy: ChatPolicy;
  /** The detail of a refusal by `policy` in a room (per-room permissions: the deciding rule); optional. */
  readonly explain?: (member: Member, action: ChatPermission, place: ChatPlace) => MessageInitShape<typeof PermissionDenialSchema> | undefined;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  /** Last known display name of a key (direct-conversation heads). */
  readonly displayNameOf: (publicKeyHex: string) => string | undefined;
  /** Bytes of heads one ChatSummary page may carry (proto/paging.ts). */
  readonly pageBytes: number;
  /**
   * Whether a session may see a room (relay/visibility/). A room it may not
   * see does not exist for it: posts and history are answered UNKNOWN_ROOM,
   * its chat is left out of the summary and never delivered. Absent: every room.
   */
  readonly sees?: (session: Session, roomId: string) => boolean;
  /** Extra check of an item's attachment (a shared file's manifest); null when fine. */
  readonly checkItem?: (item: ChatItem) => { readonly code: ErrorCode; readonly detail: string } | null;
}

/**
 * History requests one connection may have waiting on the chat queue; more
 * are answered SLOW_DOWN at once. Without it a flood queues reads in front of
 * everyone else's posts and pages (the queue is shared and in order).
 */
export const MAX_HISTORY_IN_FLIGHT = 4;

const actorOf = (m: Member): ChatActor => ({ publicKeyHex: toHex(m.publicKey), role: m.role });

function placeOf(conv: Conversation, selfHex: string): ChatPlace {
  if (conv.kind === 'room') return { kind: 'room', roomId: conv.roomId };
  return { kind: 'direct', peerKeyHex: conv.a === selfHex ? conv.b : conv.a };
}

/** The chat feature of one relay. */
export class ChatService {
  readonly #deps: ChatServiceDeps;
  readonly #buckets: KeyedBuckets;
  /** Ids queued but not yet stored: a retry arriving meanwhile waits for the first verdict. */
  readonly #inFlight = new Set<string>();
  /** History requests queued per connection (see {@link MAX_HISTORY_IN_FLIGHT}). */
  readonly #historyQueued = new Map<Session, number>();
  #queue: Promise<void> = Promise.resolve();

  constructor(deps: ChatServiceDeps) {
    this.#buckets = new KeyedBuckets(deps.clock, deps.limits.burst, deps.limits.perSecond);
    this.#deps = deps;
  }

  /** Handles one `chatSend` from an authenticated session. */
  send(session: Session, msg: ChatSend): void {
    const member = this.#member(session);
    if (!member) return;
    const item = msg.item;
    const idBytes = item?.id ?? new Uint8Array();
    const check = checkChatItem(item, this.#deps.relayKey);
    if (!check.ok || !item) {
      this.#refuse(session, idBytes, check.ok ? ErrorCode.BAD_REQUEST : check.code, check.ok ? 'missing item' : check.detail);
      return;
    }
    const actor = actorOf(member);
    if (toHex(item.authorKey) !== actor.publicKeyHex) {
      this.#refuse(session, idBytes, ErrorCode.BAD_REQUEST, 'author key is not the signed-in key');
      return;
    }
    const idHex = toHex(item.id);
    // A retry of something already stored costs no token: offline queues resend after reconnecting.
    if (!this.#inFlight.has(idHex) && this.#answerRepeat(session, idHex, actor.publicKeyHex)) return;
    const wait = this.#takeToken(actor.publicKeyHex);
    if (wait > 0) {
      this.#refuse(session, item.id, ErrorCode.RATE_LIMITED, 'too many chat messages', wait);
      return;
    }
    if (!verifyEd25519(item.authorKey, chatSigningBytes(check.fields), item.signature)) {
      this.#refuse(session, item.id, ErrorCode.BAD_SIGNATURE, 'signature does not verify');
      return;
    }
    const check2 = this.#deps.checkItem;
    const attachment = check2 ? check2(item) : item.file ? { code: ErrorCode.BAD_REQUEST, detail: 'files are not accepted' } : null;
    if (attachment) {
      this.#refuse(session, item.id, attachment.code, attachment.detail);
      return;
    }
    const target = check.fields.target;
    if (target.kind === 'room' && !this.#roomFor(session, target.roomId)) {
      this.#refuse(session, item.id, ErrorCode.UNKNOWN_ROOM, 'no such room');
      return;
    }
    if (target.kind === 'direct' && toHex(target.peerKey) === actor.publicKeyHex) {
      this.#refuse(session, item.id, ErrorCode.BAD_REQUEST, 'a direct message needs another user');
      return;
    }
    // Only to keys that have signed in here once: otherwise anyone could open endless conversations with made-up keys.
    if (target.kind === 'direct' && this.#deps.displayNameOf(toHex(target.peerKey)) === undefined) {
      this.#refuse(session, item.id, ErrorCode.CHAT_NOT_FOUND, 'no such user on this relay');
      return;
    }
    const conv = conversationOf(target, actor.publicKeyHex);
    this.#inFlight.add(idHex);
    this.#enqueue(async () => {
      try {
        await this.#apply(session, member, actor, item, check.fields, conv);
      } finally {
        this.#inFlight.delete(idHex);
      }
    }, session, item.id);
  }

  /** Handles one `chatHistoryRequest`. */
  history(session: Session, msg: ChatHistoryRequest): void {
    const member = this.#member(session);
    if (!member) return;
    const actor = actorOf(member);
    const target = signingTarget(msg.target);
    const answer = (fields: { code?: ErrorCode; messages?: ChatMessage[]; hasMore?: boolean }): void =>
      session.send({ case: 'chatHistory', value: { requestId: msg.requestId, target: msg.target, ...fields } });
    if (!target || (target.kind === 'direct' && target.peerKey.byteLength !== 32)) {
      this.#deps.stats.frame('chat-refused', session.connId, 'history: bad target');
      answer({ code: ErrorCode.BAD_REQUEST });
      return;
    }
    if (target.kind === 'room' && !this.#roomFor(session, target.roomId)) {
      answer({ code: ErrorCode.UNKNOWN_ROOM });
      return;
    }
    const conv = conversationOf(target, actor.publicKeyHex);
    if (!this.#deps.policy(actor, 'read', placeOf(conv, actor.publicKeyHex))) {
      answer({ code: ErrorCode.CHAT_FORBIDDEN });
      return;
    }
    // A client without room for a whole page, or with enough asked already, gets no page (and costs no storage read): it may ask again.
    const queued = this.#historyQueued.get(session) ?? 0;
    const refusal = { case: 'chatHistory' as const, value: { requestId: msg.requestId, target: msg.target, code: ErrorCode.SLOW_DOWN } };
    if (!session.hasRoomForOptional(MAX_CONTROL_FRAME_BYTES) || queued >= MAX_HISTORY_IN_FLIGHT) {
      session.refuseOptional(refusal);
      return;
    }
    this.#historyQueued.set(session, queued + 1);
    const { limits, clock, store } = this.#deps;
    const limit = msg.limit === 0 ? limits.defaultPage : Math.min(msg.limit, limits.maxPage);
    const before = msg.beforeSeq === 0n || msg.beforeSeq > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(msg.beforeSeq);
    this.#enqueue(async () => {
      const left = (this.#historyQueued.get(session) ?? 1) - 1;
      if (left > 0) this.#historyQueued.set(session, left);
      else this.#historyQueued.delete(session);
      if (session.state === 'closed') return;
      // Asked again when its turn comes: pages queued behind others may meet a socket that filled meanwhile.
      if (!session.hasRoomForOptional(MAX_CONTROL_FRAME_BYTES)) {
        session.refuseOptional(refusal);
        return;
      }
      const page = await store.page(conv.key, before, limit, clock.now() - limits.maxAgeMs);
      const value = { requestId: msg.requestId, target: msg.target };
      session.sendOptionalEncoded(chatHistoryFrame(value, page.messages, page.hasMore), () => refusal);
    }, session);
  }

  /** Sends a newly admitted session the newest seq of every conversation it may read. */
  welcome(session: Session): void {
    const member = this.#member(session);
    if (!member) return;
    const actor = actorOf(member);
    const { store, presence, policy, displayNameOf } = this.#deps;
    const list: Array<MessageInitShape<typeof ChatHeadSchema>> = [];
    for (const room of presence.rooms()) {
      if (this.#deps.sees && !this.#deps.sees(session, room.id)) continue;
      const conv = roomConversation(room.id);
      if (policy(actor, 'read', placeOf(conv, actor.publicKeyHex))) {
        list.push({ target: targetFor(conv, actor.publicKeyHex), lastSeq: BigInt(store.lastSeq(conv.key)) });
      }
    }
    for (const key of store.directConversationsOf(actor.publicKeyHex)) {
      const conv = conversationFromKey(key);
      if (!conv || conv.kind !== 'direct' || store.count(key) === 0) continue;
      const peer = conv.a === actor.publicKeyHex ? conv.b : conv.a;
      list.push({ target: targetFor(conv, actor.publicKeyHex), lastSeq: BigInt(store.lastSeq(key)), peerName: displayNameOf(peer) ?? '' });
    }
    for (const frame of chatSummaryFrames(list, this.#deps.pageBytes)) session.sendEncoded(frame);
  }

  /** Prunes every conversation to its bounds (at start-up; the rest happens as messages arrive). */
  pruneAll(): Promise<void> {
    const { store, limits, clock } = this.#deps;
    return this.#run(async () => {
      for (const conv of store.conversations()) await store.prune(conv, limits.maxMessages, clock.now() - limits.maxAgeMs);
    });
  }

  /** Resolves when everything queued so far has finished (shutdown). */
  flush(): Promise<void> {
    return this.#queue;
  }

  async #apply(session: Session, member: Member, actor: ChatActor, item: ChatItem, fields: ChatSigningFields, conv: Conversation): Promise<void> {
    const { store, clock, limits, policy } = this.#deps;
    const idHex = toHex(item.id);
    if (this.#answerRepeat(session, idHex, actor.publicKeyHex)) return;
    const place = placeOf(conv, actor.publicKeyHex);
    const now = clock.now();
    if (fields.action === ChatActionCode.post) {
      if (!policy(actor, 'post', place)) {
        this.#refuse(session, item.id, ErrorCode.CHAT_FORBIDDEN, 'text is not allowed here', 0, this.#deps.explain?.(member, 'post', place));
        return;
      }
      const message = create(ChatMessageSchema, { serverTimeMs: BigInt(now), authorName: member.displayName, post: item });
      const seq = await store.append(conv, message, actor.publicKeyHex);
      this.#ack(session, item.id, seq);
      this.#deps.events.emit('chat-stored', { action: 'post' });
      this.#deliver(conv, message);
      await store.prune(conv.key, limits.maxMessages, now - limits.maxAgeMs);
      return;
    }
    const ref = store.lookup(toHex(fields.refId));
    const record = ref?.post && ref.conv === conv.key ? await store.get(conv.key, ref.seq) : undefined;
    const message = record?.message;
    if (!ref || !record || !message?.post || message.deletion) {
      this.#refuse(session, item.id, ErrorCode.CHAT_NOT_FOUND, 'no such message here');
      return;
    }
    const own = ref.author === actor.publicKeyHex;
    const permission: ChatPermission = item.action === ChatAction.EDIT ? (own ? 'edit-own' : 'edit-other') : own ? 'delete-own' : 'delete-other';
    if (!policy(actor, permission, place)) {
      this.#refuse(session, item.id, ErrorCode.CHAT_FORBIDDEN, `${permission} not allowed`, 0, this.#deps.explain?.(member, permission, place));
      return;
    }
    message.changedTimeMs = BigInt(now);
    if (item.action === ChatAction.EDIT) {
      message.edit = item;
    } else {
      message.deletion = item;
      message.edit = undefined;
      message.post.text = '';
    }
    await store.update(conv.key, record, item.id, actor.publicKeyHex);
    this.#ack(session, item.id, ref.seq);
    this.#deps.events.emit('chat-stored', { action: item.action === ChatAction.EDIT ? 'edit' : 'delete' });
    this.#deliver(conv, message);
  }

  /** Answers a repeated id from what is stored; false when the id is new. */
  #answerRepeat(session: Session, idHex: string, authorHex: string): boolean {
    const seen = this.#deps.store.lookup(idHex);
    if (!seen) return false;
    if (seen.author !== authorHex) this.#refuse(session, new Uint8Array(Buffer.from(idHex, 'hex')), ErrorCode.CHAT_ID_CONFLICT, 'id already used');
    else this.#ack(session, new Uint8Array(Buffer.from(idHex, 'hex')), seen.seq);
    return true;
  }

  /** Sends `message` to every session that may read its conversation (the author's other sessions included). */
  #deliver(conv: Conversation, message: ChatMessage): void {
    const { presence, policy } = this.#deps;
    let frame: Uint8Array | undefined;
    for (const session of this.#deps.sessions()) {
      const member = session.sessionId === undefined ? undefined : presence.member(session.sessionId);
      if (!member) continue;
      const actor = actorOf(member);
      const allowed = conv.kind === 'room' ? this.#roomFor(session, conv.roomId) && policy(actor, 'read', placeOf(conv, actor.publicKeyHex)) : actor.publicKeyHex === conv.a || actor.publicKeyHex === conv.b;
      if (!allowed) continue;
      frame ??= encodeEvent(message);
      session.sendEncoded(frame);
    }
  }

  #ack(session: Session, id: Uint8Array, seq: number): void {
    session.send({ case: 'chatAck', value: { id, code: ErrorCode.UNSPECIFIED, seq: BigInt(seq) } });
  }

  #refuse(session: Session, id: Uint8Array, code: ErrorCode, detail: string, retryAfterMs = 0, denial?: MessageInitShape<typeof PermissionDenialSchema>): void {
    this.#deps.stats.frame('chat-refused', session.connId, `${ErrorCode[code] ?? code}: ${detail}`);
    session.send({ case: 'chatAck', value: { id, code, detail, retryAfterMs: Math.min(retryAfterMs, 0xffff_ffff), denial } });
  }

  /** Takes a token from the user's bucket: 0 when taken, else ms until one is there. */
  #takeToken(userHex: string): number {
    return this.#buckets.take(userHex);
  }

  /** Whether room `roomId` exists for `session`: it exists and the session may see it. */
  #roomFor(session: Session, roomId: string): boolean {
    return this.#deps.presence.hasRoom(roomId) && (this.#deps.sees?.(session, roomId) ?? true);
  }

  #member(session: Session): Member | undefined {
    return session.sessionId === undefined ? undefined : this.#deps.presence.member(session.sessionId);
  }

  /** Runs `task` after everything queued before it; a failure is reported and answered, never poisons the queue. */
  #enqueue(task: () => Promise<void>, session: Session, id?: Uint8Array): void {
    void this.#run(task).catch((error: unknown) => {
      this.#deps.events.emit('internal-error', { where: 'chat', error });
      if (id) this.#refuse(session, id, ErrorCode.INTERNAL, 'chat storage failed');
    });
  }

  #run(task: () => Promise<void>): Promise<void> {
    const done = this.#queue.then(task);
    this.#queue = done.catch(() => {});
    return done;
  }
}

function encodeEvent(message: ChatMessage): Uint8Array {
  return encodeEnvelope({ case: 'chatEvent', value: { message } });
}
