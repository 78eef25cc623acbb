/**
 * The authenticated sessions and their presence: admission after the
 * handshake, room moves, mute/deafen, leaving. Each change is applied to the
 * presence registry, then broadcast, then persisted, in that order, so every
 * client sees the same sequence the registry went through.
 */
import { ErrorCode, Role } from '../../proto/index.ts';
import type { EnvelopeInit, JoinRoom, SetDisplayName, SetSelfState } from '../../proto/index.ts';
import type { AdminDirectory } from '../access/index.ts';
import type { AuthIdentity } from '../access/auth.ts';
import { normalizeDisplayName } from './display-name.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Clock } from '../options.ts';
import type { Member, Presence } from './presence.ts';
import { encodeMember, presencePageFrames } from '../connection/paged-frames.ts';
import { LOBBY_ID } from './rooms.ts';
import { PresenceFanout } from './presence-fanout.ts';
import type { Session } from '../connection/client-connection.ts';
import type { DropStats } from '../stats.ts';
import type { Store } from '../storage/store.ts';
import { toHex } from '../../proto/bytes.ts';

/** Dependencies of a {@link Roster}. */
export interface RosterDeps {
  readonly presence: Presence;
  readonly store: Store;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  readonly clock: Clock;
  /** Bytes of users one PresencePage may carry (proto/paging.ts). */
  readonly pageBytes: number;
  /**
   * Whether a session may see a room (relay/visibility/): people in a room a
   * viewer may not see do not exist for that viewer — no page entry, no
   * UserJoined/UserUpdated/UserLeft. Absent: everyone sees every room.
   */
  readonly sees?: (viewer: Session, roomId: string) => boolean;
  /** In a cluster: the live relays' control-socket URLs, sent in AuthOk for the client to fail over to. */
  readonly relayUrls?: () => readonly string[];
  /** With turn-urls and turn-secret set: fresh TURN credentials for a key, sent in AuthOk. */
  readonly turnFor?: (publicKeyHex: string) => { readonly urls: string[]; readonly username: string; readonly credential: string; readonly expiresAt: number };
  /** The room to remember as someone's last one: a temporary room's parent (never stored), any other room itself. */
  readonly storedRoomOf?: (roomId: string) => string;
}


/** Authenticated sessions by session id, and the presence operations on them. */
export class Roster implements AdminDirectory {
  readonly #deps: RosterDeps;
  readonly #sessions = new Map<number, Session>();
  #nextSessionId = 1;
  /** Per-recipient sends, queued to the end of the turn (presence-fanout.ts). */
  readonly #fanout: PresenceFanout;
  /**
   * User bytes by member snapshot: presence gives the same snapshot until the
   * member changes, so each sign-in encodes only who changed, not all n.
   */
  readonly #userBytes = new WeakMap<Member, Uint8Array>();
  readonly #encodeUser = (m: Member): Uint8Array => {
    let bytes = this.#userBytes.get(m);
    if (!bytes) this.#userBytes.set(m, (bytes = encodeMember(m)));
    return bytes;
  };
  /** Cluster: told of every change of a local user (relay/cluster/presence-sync.ts). */
  #observer: ((sessionId: number, member: Member | null) => void) | undefined;
  /** Cluster: the room each user of another relay is in by its own relay's record, when this relay did not know that room yet (shown in the default room meanwhile). */
  readonly #remoteClaims = new Map<number, Omit<Member, 'sessionId'>>();

  constructor(deps: RosterDeps) {
    this.#deps = deps;
    this.#fanout = new PresenceFanout(this.#sessions, deps.sees);
  }

  /** Authenticated sessions. */
  /** Signed-in sessions now. */
  get size(): number {
    return this.#sessions.size;
  }

  sessions(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** Completes the handshake: assigns a session id, places the user with `role`, sends authOk, announces them. */
  admit(session: Session, identity: AuthIdentity, role: Role, inviteId?: string): void {
    const { presence, store, events, clock } = this.#deps;
    const keyHex = toHex(identity.publicKey);
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
      role,
    });
    this.#sessions.set(sessionId, session);
    // The caller's own state, then the roster in pages: all of them are queued
    // here, synchronously, so every later presence event follows the last page.
    session.send({ case: 'authOk', value: { sessionId, role: member.role, roomId, relayUrls: [...(this.#deps.relayUrls?.() ?? [])], ...(this.#deps.turnFor ? { turn: this.#deps.turnFor(keyHex) } : {}) } });
    const sees = this.#deps.sees;
    const visible = sees ? presence.members().filter((m) => m.sessionId === sessionId || sees(session, m.roomId)) : presence.members();
    for (const frame of presencePageFrames(visible, this.#deps.pageBytes, this.#encodeUser)) session.sendEncoded(frame);
    this.#broadcast({ case: 'userJoined', value: { user: member } }, sessionId, roomId);
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
      role: (Role[role] ?? 'guest').toLowerCase(),
      inviteId,
    });
  }

  /** Renames the session's user; everyone (the renamer included, as its ack) gets userUpdated. */
  rename(session: Session, msg: SetDisplayName): void {
    const sessionId = session.sessionId;
    if (sessionId === undefined) return;
    const name = normalizeDisplayName(msg.displayName);
    if (name === null) {
      this.#deps.stats.frame('bad-request', session.connId, 'display name');
      session.sendError(ErrorCode.BAD_REQUEST, 'display name must be 1..32 printable characters', 'set_display_name');
      return;
    }
    const member = this.#deps.presence.rename(sessionId, name);
    if (!member) return;
    this.#broadcast({ case: 'userUpdated', value: { user: member } }, undefined, member.roomId);
    this.#remember(member);
    this.#deps.events.emit('renamed', { sessionId, displayName: name });
  }

  // --- AdminDirectory: what admin requests need to find and change users ---

  member(session: Session): Member | undefined {
    return session.sessionId === undefined ? undefined : this.#deps.presence.member(session.sessionId);
  }

  sessionById(sessionId: number): Session | undefined {
    return this.#sessions.get(sessionId);
  }

  sessionsOfKey(keyHex: string): Session[] {
    const { presence } = this.#deps;
    return [...this.#sessions].filter(([id]) => {
      const m = presence.member(id);
      return m !== undefined && toHex(m.publicKey) === keyHex;
    }).map(([, s]) => s);
  }

  adminSessions(): Session[] {
    const { presence } = this.#deps;
    return [...this.#sessions].filter(([id]) => presence.member(id)?.role === Role.ADMIN).map(([, s]) => s);
  }

  applyRole(keyHex: string, role: Role): void {
    for (const s of this.sessionsOfKey(keyHex)) {
      const member = s.sessionId === undefined ? undefined : this.#deps.presence.setRole(s.sessionId, role);
      if (member) {
        this.#broadcast({ case: 'userUpdated', value: { user: member } }, undefined, member.roomId);
        this.#deps.events.emit('role-changed', { sessionId: member.sessionId });
      }
    }
  }

  /** Sets whether the relay suppresses a session's voice and tells everyone (relay/perms/ decides). */
  setSuppressed(sessionId: number, suppressed: boolean): void {
    const member = this.#deps.presence.setSuppressed(sessionId, suppressed);
    if (member) this.#broadcast({ case: 'userUpdated', value: { user: member } }, undefined, member.roomId);
  }

  /**
   * Moves a session the relay decided to move (a move by a moderator, or the
   * permission service taking someone out of a room they may no longer
   * enter), through the same path as a join but without an error reply.
   * Returns the presence refusal when it could not.
   */
  place(sessionId: number, roomId: string): 'ok' | 'unknown-room' | 'room-full' | 'unknown-session' {
    const result = this.#deps.presence.move(sessionId, roomId);
    if (!result.ok) return result.reason;
    this.#moved(sessionId, result.member, result.from);
    return 'ok';
  }

  lastName(keyHex: string): string {
    return this.#deps.store.user(keyHex)?.displayName ?? '';
  }

  /** Moves the session's user; everyone (the mover included, as its ack) gets userUpdated. */
  join(session: Session, msg: JoinRoom): void {
    const sessionId = session.sessionId;
    if (sessionId === undefined) return;
    const { presence, stats } = this.#deps;
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
    this.#moved(sessionId, result.member, result.from);
  }

  /** Announces a move to those who may see it, remembers it and reports it as `room-changed`. */
  #moved(sessionId: number, member: Member, from: string): void {
    this.#announceMove(member, from);
    this.#remember(member);
    if (from !== member.roomId) this.#deps.events.emit('room-changed', { sessionId, from, to: member.roomId });
  }

  /**
   * Removes deleted rooms from presence (`gone`: each deleted room with the
   * surviving room its people move to), through the same path as a join: each
   * moved member is broadcast (userUpdated), remembered as being in the new
   * room, and reported as `room-changed`. Returns the moved members.
   */
  roomsRemoved(gone: ReadonlyArray<readonly [roomId: string, toRoomId: string]>): Member[] {
    const { presence } = this.#deps;
    const moved = new Map<number, { member: Member; from: string }>();
    for (const [roomId, toRoomId] of gone) {
      for (const m of presence.removeRoom(roomId, toRoomId)) {
        // A member can pass through several deleted rooms of one subtree: keep where it started.
        moved.set(m.sessionId, { member: m, from: moved.get(m.sessionId)?.from ?? roomId });
      }
    }
    for (const { member, from } of moved.values()) {
      // Who saw the member saw them in the room they started from.
      this.#moved(member.sessionId, member, from);
    }
    return [...moved.values()].map((m) => m.member);
  }

  /** Updates mute/deafen and broadcasts userUpdated to everyone. */
  setSelfState(session: Session, msg: SetSelfState): void {
    const sessionId = session.sessionId;
    if (sessionId === undefined) return;
    const member = this.#deps.presence.setSelfState(sessionId, { muted: msg.muted, deafened: msg.deafened });
    if (member) this.#broadcast({ case: 'userUpdated', value: { user: member } }, undefined, member.roomId);
  }

  /**
   * `viewer` may now see other rooms (`before` → `after` hidden): it is told
   * who vanished with the rooms it lost and who appeared with the rooms it
   * gained; and if its own room is now hidden it moves to the nearest room
   * it may see (nobody stays in a room they may not see).
   */
  visibilityChanged(viewer: Session, before: ReadonlySet<string>, after: ReadonlySet<string>): void {
    const self = viewer.sessionId;
    if (self === undefined) return;
    const { presence } = this.#deps;
    for (const m of presence.members()) {
      if (m.sessionId === self) continue;
      const saw = !before.has(m.roomId);
      const sees = !after.has(m.roomId);
      if (saw && !sees) viewer.send({ case: 'userLeft', value: { sessionId: m.sessionId } });
      else if (!saw && sees) viewer.send({ case: 'userJoined', value: { user: m } });
    }
    this.keepOutOf(viewer, after);
  }

  /** Moves `session` to the nearest room outside `hidden` if it is in one of them (at sign-in: a last room since hidden). */
  keepOutOf(session: Session, hidden: ReadonlySet<string>): void {
    const { presence } = this.#deps;
    const me = session.sessionId === undefined ? undefined : presence.member(session.sessionId);
    if (!me || !hidden.has(me.roomId)) return;
    let to = presence.roomInfo(me.roomId)?.parent ?? '';
    while (to !== '' && hidden.has(to)) to = presence.roomInfo(to)?.parent ?? '';
    if (to !== '') this.join(session, { roomId: to } as JoinRoom);
  }

  /** Removes a closed session from presence and tells everyone (voice is ended by the signalling). */
  leave(session: Session): void {
    const sessionId = session.sessionId;
    if (sessionId === undefined || !this.#sessions.delete(sessionId)) return;
    const { presence } = this.#deps;
    const member = presence.remove(sessionId);
    if (!member) return;
    this.#broadcast({ case: 'userLeft', value: { sessionId } }, undefined, member.roomId);
    this.#remember(member);
  }

  /** Cluster: `observer` hears of every change of a user signed in here (one observer). */
  observe(observer: (sessionId: number, member: Member | null) => void): void {
    this.#observer = observer;
  }

  /**
   * Cluster: a user signed in on another relay (`sessionId`: the id this relay
   * gave them) appears or changes (`member`), or leaves (null). Through the
   * same broadcast as local users (and the same visibility filter), so
   * clients cannot tell the two apart.
   */
  remote(sessionId: number, member: Omit<Member, 'sessionId'> | null): void {
    const { presence } = this.#deps;
    const had = presence.member(sessionId);
    if (member && !presence.hasRoom(member.roomId)) this.#remoteClaims.set(sessionId, member);
    else this.#remoteClaims.delete(sessionId);
    if (!member) {
      if (had && presence.remove(sessionId)) {
        this.#fanout.send({ case: 'userLeft', value: { sessionId } }, undefined, had.roomId);
        this.#deps.events.emit('remote-left', { sessionId, from: had.roomId, to: null });
      }
      return;
    }
    const roomId = presence.hasRoom(member.roomId) ? member.roomId : this.#defaultRoomId();
    if (!had) {
      const added = presence.add({ ...member, roomId, sessionId });
      this.#fanout.send({ case: 'userJoined', value: { user: added } }, undefined, roomId);
      return;
    }
    if (had.roomId !== roomId) presence.move(sessionId, roomId);
    presence.setSelfState(sessionId, member);
    if (had.displayName !== member.displayName) presence.rename(sessionId, member.displayName);
    if (had.role !== member.role) presence.setRole(sessionId, member.role);
    const now = presence.member(sessionId);
    if (!now) return;
    if (had.roomId !== now.roomId) {
      this.#announceMove(now, had.roomId, false);
      this.#deps.events.emit('remote-left', { sessionId, from: had.roomId, to: now.roomId });
    } else this.#fanout.send({ case: 'userUpdated', value: { user: now } }, undefined, now.roomId);
  }

  /** Cluster: room `roomId` is known here now (another relay's temporary room arrived): users of other relays who are in it there are moved into it here. */
  remoteRoomAdded(roomId: string): void {
    for (const [sessionId, claim] of [...this.#remoteClaims]) if (claim.roomId === roomId) this.remote(sessionId, claim);
  }

  /**
   * Sends `msg` to every authenticated session except `except` that may see
   * `roomId`, and tells the cluster observer of a local user's change.
   */
  #broadcast(msg: EnvelopeInit, except?: number, roomId?: string): void {
    this.#fanout.send(msg, except, roomId);
    const m = msg as { case?: string; value?: { user?: Member; sessionId?: number } };
    if ((m.case === 'userJoined' || m.case === 'userUpdated') && m.value?.user) this.#observed(m.value.user.sessionId, m.value.user);
    else if (m.case === 'userLeft' && m.value?.sessionId !== undefined) this.#observed(m.value.sessionId, null);
  }

  /** Tells the cluster observer (if any) of a change of a user signed in here. */
  #observed(sessionId: number, member: Member | null): void {
    if (this.#observer && (member === null || this.#sessions.has(sessionId))) this.#observer(sessionId, member);
  }

  /** A member moved from room `from` (presence-fanout.ts); a local user's move is told to the cluster observer. */
  #announceMove(member: Member, from: string, local = true): void {
    if (local) this.#observed(member.sessionId, member);
    this.#fanout.announceMove(member, from);
  }

  /** Persists a member's name, room and last-seen time. */
  #remember(member: Member): void {
    const { store, clock } = this.#deps;
    const keyHex = toHex(member.publicKey);
    const now = clock.now();
    store.saveUser({
      publicKeyHex: keyHex,
      displayName: member.displayName,
      lastRoomId: this.#deps.storedRoomOf?.(member.roomId) ?? member.roomId,
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
