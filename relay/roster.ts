/**
 * The authenticated sessions and their presence: admission after the
 * handshake, room moves, mute/deafen, leaving. Each change is applied to the
 * presence registry, then broadcast, then persisted, in that order, so every
 * client sees the same sequence the registry went through.
 */
import { encodeEnvelope, ErrorCode, Role } from '../proto/index.ts';
import type { EnvelopeInit, JoinRoom, SetSelfState } from '../proto/index.ts';
import type { AuthIdentity } from './auth.ts';
import type { TypedEmitter } from './emitter.ts';
import type { RelayEvents } from './events.ts';
import type { Clock } from './options.ts';
import type { Member, Presence } from './presence.ts';
import { LOBBY_ID } from './rooms.ts';
import type { Session } from './session.ts';
import type { DropStats } from './stats.ts';
import type { Store } from './store.ts';
import type { VoiceRouter } from './voice-router.ts';

/** Dependencies of a {@link Roster}. */
export interface RosterDeps {
  readonly presence: Presence;
  readonly store: Store;
  readonly router: VoiceRouter;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  readonly clock: Clock;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Authenticated sessions by session id, and the presence operations on them. */
export class Roster {
  readonly #deps: RosterDeps;
  readonly #sessions = new Map<number, Session>();
  #nextSessionId = 1;

  constructor(deps: RosterDeps) {
    this.#deps = deps;
  }

  /** Authenticated sessions. */
  sessions(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** The authenticated session with this id, if any. */
  session(sessionId: number): Session | undefined {
    return this.#sessions.get(sessionId);
  }

  /** Completes the handshake: assigns a session id, places the user, sends authOk, announces them. */
  admit(session: Session, identity: AuthIdentity): void {
    const { presence, store, events, clock } = this.#deps;
    const keyHex = hex(identity.publicKey);
    const known = store.user(keyHex);
    const roomId = known && presence.hasRoom(known.lastRoomId) ? known.lastRoomId : this.#defaultRoomId();
    const sessionId = this.#nextSessionId++;
    if (!session.authenticated(sessionId)) return;
    const member = presence.add({
      sessionId,
      publicKey: identity.publicKey,
      displayName: identity.displayName,
      roomId,
      muted: false,
      deafened: false,
      role: Role.MEMBER,
    });
    this.#sessions.set(sessionId, session);
    session.send({
      case: 'authOk',
      value: { sessionId, role: member.role, rooms: [...presence.rooms()], users: presence.members(), roomId },
    });
    this.#broadcast({ case: 'userJoined', value: { user: member } }, sessionId);
    const now = clock.now();
    store.saveUser({
      publicKeyHex: keyHex,
      displayName: identity.displayName,
      lastRoomId: roomId,
      firstSeenMs: known?.firstSeenMs ?? now,
      lastSeenMs: now,
    });
    events.emit('authenticated', {
      connId: session.connId,
      sessionId,
      displayName: identity.displayName,
      keyPrefix: keyHex.slice(0, 16),
      roomId,
    });
  }

  /** Moves the session's user; everyone (the mover included, as its ack) gets userUpdated. */
  join(session: Session, msg: JoinRoom): void {
    const sessionId = session.sessionId;
    if (sessionId === undefined) return;
    const { presence, stats, events } = this.#deps;
    const result = presence.move(sessionId, msg.roomId);
    if (!result.ok) {
      if (result.reason === 'room-full') {
        stats.frame('room-full', session.connId);
        session.sendError(ErrorCode.ROOM_FULL, 'room is full', 'join_room');
      } else {
        stats.frame('unknown-room', session.connId);
        session.sendError(ErrorCode.UNKNOWN_ROOM, 'no such room', 'join_room');
      }
      return;
    }
    this.#broadcast({ case: 'userUpdated', value: { user: result.member } });
    this.#remember(result.member);
    if (result.from !== result.member.roomId) {
      events.emit('room-changed', { sessionId, from: result.from, to: result.member.roomId });
    }
  }

  /** Updates mute/deafen and broadcasts userUpdated to everyone. */
  setSelfState(session: Session, msg: SetSelfState): void {
    const sessionId = session.sessionId;
    if (sessionId === undefined) return;
    const member = this.#deps.presence.setSelfState(sessionId, { muted: msg.muted, deafened: msg.deafened });
    if (member) this.#broadcast({ case: 'userUpdated', value: { user: member } });
  }

  /** Removes a closed session from presence and voice, and tells everyone. */
  leave(session: Session): void {
    const sessionId = session.sessionId;
    if (sessionId === undefined || !this.#sessions.delete(sessionId)) return;
    const { presence, router } = this.#deps;
    router.remove(sessionId);
    const member = presence.remove(sessionId);
    if (!member) return;
    this.#broadcast({ case: 'userLeft', value: { sessionId } });
    this.#remember(member);
  }

  /** Sends `msg` to every authenticated session except `except`. Encodes once. */
  #broadcast(msg: EnvelopeInit, except?: number): void {
    const frame = encodeEnvelope(msg);
    for (const [id, session] of this.#sessions) {
      if (id !== except) session.sendEncoded(frame);
    }
  }

  /** Persists a member's name, room and last-seen time. */
  #remember(member: Member): void {
    const { store, clock } = this.#deps;
    const keyHex = hex(member.publicKey);
    const now = clock.now();
    store.saveUser({
      publicKeyHex: keyHex,
      displayName: member.displayName,
      lastRoomId: member.roomId,
      firstSeenMs: store.user(keyHex)?.firstSeenMs ?? now,
      lastSeenMs: now,
    });
  }

  #defaultRoomId(): string {
    const { presence } = this.#deps;
    if (presence.hasRoom(LOBBY_ID)) return LOBBY_ID;
    const first = presence.rooms()[0];
    if (!first) throw new TypeError('relay has no rooms');
    return first.id;
  }
}
