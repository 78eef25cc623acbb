/**
 * Chat on the relay: takes signed items from sessions, checks them (shape,
 * repeated id, per-user rate, signature, target, permission), stores them,
 * answers the sender with a `chatAck` and delivers a `chatEvent` live; serves
 * history pages and the per-conversation summary sent after sign-in.
 *
 * The cheap checks and the signature run as the frame arrives; everything
 * that touches storage runs on one queue, in arrival order, so two items for
 * one message (a retry, an edit racing a delete) see each other's effects.
 * An ack is sent only after its batch is on disk. In a cluster the queue is
 * the writer's state log (relay/cluster/shared-state.ts): the writer decides
 * (`decide`, with chat-judge.ts) and every relay stores and delivers what it
 * decided (`applyChange`), in the log's order.
 * A `liveOnly` room (temporary, D108; live-chat.ts) takes the same checks and judge, then skips the store.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ErrorCode, MAX_CONTROL_FRAME_BYTES, checkChatItem, chatSigningBytes, encodeEnvelope, signingTarget } from '../../proto/index.ts';
import type { ChatHeadSchema, ChatHistoryRequest, ChatItem, ChatMessage, ChatSend, ChatSigningFields, PermissionDenialSchema } from '../../proto/index.ts';
import { judgeChat, placeOf } from './chat-judge.ts';
import type { ChatChange } from './chat-judge.ts';
import { verifyEd25519 } from '../access/ed25519.ts';
import type { Member } from '../presence/presence.ts';
import { KeyedBuckets } from '../rate-limit.ts';
import type { Session } from '../connection/client-connection.ts';
import type { ChatActor } from './authorize.ts';
import { chatSummaryFrames } from '../connection/paged-frames.ts';
import { conversationFromKey, conversationOf, roomConversation, targetFor } from './conversation.ts';
import type { Conversation } from './conversation.ts';
import { toHex } from '../../proto/bytes.ts';
import { chatHistoryFrame } from './history-frame.ts';
import { LiveChat } from './live-chat.ts';
import type { ChatServiceDeps, ChatVerdict } from './chat-service-deps.ts';

export type { ChatServiceDeps, ChatVerdict } from './chat-service-deps.ts';

/**
 * History requests one connection may have waiting on the chat queue; more
 * are answered SLOW_DOWN at once. Without it a flood queues reads in front of
 * everyone else's posts and pages (the queue is shared and in order).
 */
export const MAX_HISTORY_IN_FLIGHT = 4;

const actorOf = (m: Member): ChatActor => ({ publicKeyHex: toHex(m.publicKey), role: m.role });

/** The chat feature of one relay. */
export class ChatService {
  readonly #deps: ChatServiceDeps;
  readonly #buckets: KeyedBuckets;
  /**
   * A cluster's writer: the same budget per key again, for every item it
   * judges from any relay (D137), so a key signed in on three relays has one
   * budget, not three. The relay's own bucket (above) still sheds a flood
   * before it costs a request to the writer.
   */
  readonly #writerBuckets: KeyedBuckets;
  /** Ids queued but not yet stored: a retry arriving meanwhile waits for the first verdict. */
  readonly #inFlight = new Set<string>();
  /** History requests queued per connection (see {@link MAX_HISTORY_IN_FLIGHT}). */
  readonly #historyQueued = new Map<Session, number>();
  /** Seqs and ids of live-only rooms' posts (nothing of their text). */
  readonly #live = new LiveChat();
  #queue: Promise<void> = Promise.resolve();

  constructor(deps: ChatServiceDeps) {
    this.#buckets = new KeyedBuckets(deps.clock, deps.limits.burst, deps.limits.perSecond);
    this.#writerBuckets = new KeyedBuckets(deps.clock, deps.limits.burst, deps.limits.perSecond);
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
    const checked = this.#checkSigned(actor, item, check.fields, session);
    if (!checked.ok) {
      this.#refuse(session, item.id, checked.code, checked.detail);
      return;
    }
    const conv = checked.conv;
    this.#inFlight.add(idHex);
    const live = this.#isLive(conv);
    const forward = live ? undefined : this.#deps.forward;
    if (forward) {
      forward(member, item)
        .then((v) => (v.code === ErrorCode.UNSPECIFIED ? this.#ack(session, item.id, v.seq) : this.#refuse(session, item.id, v.code, v.detail, v.retryAfterMs ?? 0, v.denial)))
        .catch((error: unknown) => {
          this.#deps.events.emit('internal-error', { where: 'chat forward', error });
          this.#refuse(session, item.id, ErrorCode.INTERNAL, 'chat storage failed');
        })
        .finally(() => this.#inFlight.delete(idHex));
      return;
    }
    this.#enqueue(async () => {
      try {
        await this.#apply(session, member, actor, item, check.fields, conv, live);
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
    // Nothing of a live-only room is kept: its history is an empty page, not an error.
    if (this.#isLive(conv)) {
      answer({ messages: [], hasMore: false });
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

  /** Forgets what is held of room `roomId`'s live chat (the temporary room is gone). */
  forgetLive(roomId: string): void {
    this.#live.forget(roomConversation(roomId).key);
  }

  /** Resolves when everything queued so far has finished (shutdown). */
  flush(): Promise<void> {
    return this.#queue;
  }

  /** `live`: the room was live-only when the item arrived; if it has gone since, the post is refused, never stored. */
  async #apply(session: Session, member: Member, actor: ChatActor, item: ChatItem, fields: ChatSigningFields, conv: Conversation, live: boolean): Promise<void> {
    if (this.#answerRepeat(session, toHex(item.id), actor.publicKeyHex)) return;
    const verdict = await judgeChat(this.#deps, member, actor, item, fields, conv, this.#deps.clock.now());
    if (!verdict.ok) {
      this.#refuse(session, item.id, verdict.code, verdict.detail, 0, verdict.denial);
      return;
    }
    const ack = (seq: number): void => this.#ack(session, item.id, seq);
    if (live && !this.#isLive(conv)) this.#refuse(session, item.id, ErrorCode.UNKNOWN_ROOM, 'no such room');
    else if (live) this.#applyLive(conv, verdict.change, toHex(item.id), ack);
    else await this.applyChange(verdict.change, ack);
  }

  /**
   * Stores a decided change and delivers the message to the sessions here
   * that may read it; `stored` runs once it is on disk, before delivery.
   * Returns the message's seq. A cluster applies every logged change here,
   * in log order, so seqs are the same on every relay.
   */
  async applyChange(change: ChatChange, stored?: (seq: number) => void): Promise<number> {
    const { store, limits, clock } = this.#deps;
    const conv = conversationFromKey(change.conv);
    if (!conv) throw new Error(`bad conversation key ${change.conv}`);
    // Already stored (a log entry applied again after a crash between the change and its position): nothing to do.
    const idHex = toHex(change.kind === 'post' ? change.message.post!.id : change.itemId);
    const seen = store.lookup(idHex);
    if (seen) return seen.seq;
    if (this.#isLive(conv)) return this.#applyLive(conv, change, idHex, stored);
    let seq: number;
    if (change.kind === 'post') {
      seq = await store.append(conv, change.message, change.author);
    } else {
      const record = await store.get(change.conv, change.seq);
      // Pruned here already (a cluster's relays prune by their own clocks): nothing left to change.
      if (!record) return change.seq;
      record.message = change.message;
      await store.update(change.conv, record, change.itemId, change.author);
      seq = change.seq;
    }
    stored?.(seq);
    const action = change.kind === 'post' ? 'post' : change.message.deletion ? 'delete' : 'edit';
    this.#deps.events.emit('chat-stored', { action });
    this.#deliver(conv, change.message);
    if (change.kind === 'post') await store.prune(conv.key, limits.maxMessages, clock.now() - limits.maxAgeMs);
    return seq;
  }

  /** A live-only room's post (edits and deletes find nothing stored: the judge refuses them): numbered in memory, delivered, stored nowhere. */
  #applyLive(conv: Conversation, change: ChatChange, idHex: string, stored?: (seq: number) => void): number {
    if (change.kind !== 'post') return change.seq;
    const seen = this.#live.lookup(idHex);
    const seq = seen?.seq ?? this.#live.post(change.conv, idHex, change.author);
    stored?.(seq);
    if (seen) return seq;
    change.message.seq = BigInt(seq);
    this.#deliver(conv, change.message);
    return seq;
  }

  #isLive(conv: Conversation): boolean {
    return conv.kind === 'room' && (this.#deps.liveOnly?.(conv.roomId) ?? false);
  }

  /**
   * A cluster's writer: decides `member`'s item (from any relay) against the
   * store here and commits the change; the verdict is what the submitting
   * relay acks. The edge checks run again, so a relay that skipped them
   * changes nothing.
   */
  async decide(member: Member, item: ChatItem): Promise<ChatVerdict> {
    const check = checkChatItem(item, this.#deps.relayKey);
    if (!check.ok) return { code: check.code, detail: check.detail, seq: 0 };
    const actor = actorOf(member);
    if (toHex(item.authorKey) !== actor.publicKeyHex) return { code: ErrorCode.BAD_REQUEST, detail: 'author key is not the signed-in key', seq: 0 };
    const checked = this.#checkSigned(actor, item, check.fields, undefined);
    if (!checked.ok) return { code: checked.code, detail: checked.detail, seq: 0 };
    const idHex = toHex(item.id);
    const { store, commit, clock } = this.#deps;
    const seen = store.lookup(idHex);
    if (seen) return seen.author === actor.publicKeyHex ? { code: ErrorCode.UNSPECIFIED, detail: '', seq: seen.seq } : { code: ErrorCode.CHAT_ID_CONFLICT, detail: 'id already used', seq: 0 };
    // One budget per key across the cluster (a repeat above costs none, as at the edge).
    const wait = this.#writerBuckets.take(actor.publicKeyHex);
    if (wait > 0) return { code: ErrorCode.RATE_LIMITED, detail: 'too many chat messages', seq: 0, retryAfterMs: wait };
    const verdict = await judgeChat(this.#deps, member, actor, item, check.fields, checked.conv, clock.now());
    if (!verdict.ok) return { code: verdict.code, detail: verdict.detail, seq: 0, denial: verdict.denial };
    if (commit) await commit(verdict.change);
    else await this.applyChange(verdict.change);
    return { code: ErrorCode.UNSPECIFIED, detail: '', seq: store.lookup(idHex)?.seq ?? 0 };
  }

  /** The checks of a well-formed item of `actor` that need no store: signature, attachment, target. */
  #checkSigned(actor: ChatActor, item: ChatItem, fields: ChatSigningFields, session: Session | undefined): { ok: true; conv: Conversation } | { ok: false; code: ErrorCode; detail: string } {
    if (!verifyEd25519(item.authorKey, chatSigningBytes(fields), item.signature)) return { ok: false, code: ErrorCode.BAD_SIGNATURE, detail: 'signature does not verify' };
    const check2 = this.#deps.checkItem;
    const attachment = check2 ? check2(item) : item.file ? { code: ErrorCode.BAD_REQUEST, detail: 'files are not accepted' } : null;
    if (attachment) return { ok: false, ...attachment };
    const target = fields.target;
    const roomKnown = target.kind === 'room' && this.#deps.presence.hasRoom(target.roomId) && (!session || (this.#deps.sees?.(session, target.roomId) ?? true));
    if (target.kind === 'room' && !roomKnown) return { ok: false, code: ErrorCode.UNKNOWN_ROOM, detail: 'no such room' };
    if (target.kind === 'direct' && toHex(target.peerKey) === actor.publicKeyHex) return { ok: false, code: ErrorCode.BAD_REQUEST, detail: 'a direct message needs another user' };
    // Only to keys that have signed in once: otherwise anyone could open endless conversations with made-up keys.
    // (A cluster's writer decides it: it knows every key as soon as any relay admitted it.)
    if (target.kind === 'direct' && (!session || !this.#deps.forward) && this.#deps.displayNameOf(toHex(target.peerKey)) === undefined) return { ok: false, code: ErrorCode.CHAT_NOT_FOUND, detail: 'no such user on this relay' };
    return { ok: true, conv: conversationOf(target, actor.publicKeyHex) };
  }

  /** Answers a repeated id from what is stored; false when the id is new. */
  #answerRepeat(session: Session, idHex: string, authorHex: string): boolean {
    const seen = this.#deps.store.lookup(idHex) ?? this.#live.lookup(idHex);
    if (!seen) return false;
    if (seen.author !== authorHex) this.#refuse(session, new Uint8Array(Buffer.from(idHex, 'hex')), ErrorCode.CHAT_ID_CONFLICT, 'id already used');
    else this.#ack(session, new Uint8Array(Buffer.from(idHex, 'hex')), seen.seq);
    return true;
  }

  /** Sends `message` to every session that may read its conversation (the author's other sessions included; a live-only room: those in it). */
  #deliver(conv: Conversation, message: ChatMessage): void {
    const { presence, policy } = this.#deps;
    let frame: Uint8Array | undefined;
    for (const session of this.#deps.sessions()) {
      const member = session.sessionId === undefined ? undefined : presence.member(session.sessionId);
      if (!member) continue;
      const actor = actorOf(member);
      const present = conv.kind !== 'room' || !this.#isLive(conv) || member.roomId === conv.roomId;
      const allowed = conv.kind === 'room' ? present && this.#roomFor(session, conv.roomId) && policy(actor, 'read', placeOf(conv, actor.publicKeyHex)) : actor.publicKeyHex === conv.a || actor.publicKeyHex === conv.b;
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
