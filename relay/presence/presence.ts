/**
 * Who is in which room. A pure registry: no sockets, no storage, no wire
 * encoding. The relay applies every presence change here first and then tells
 * clients; the voice router reads the same entries, so there is one source of
 * truth for "who hears whom".
 */
import type { Role } from '../../proto/index.ts';
import type { RoomRecord } from '../../crdt/index.ts';

/** A user in the presence list (one per authenticated session). */
export interface Member {
  readonly sessionId: number;
  readonly publicKey: Uint8Array;
  readonly displayName: string;
  readonly roomId: string;
  readonly muted: boolean;
  readonly deafened: boolean;
  readonly role: Role;
  /** The relay does not forward their voice: no `speak` in their room (relay/perms/). Absent = false. */
  readonly suppressed?: boolean;
}

/** The voice view of a room: its wire number and its current members (live, do not keep). */
export interface VoiceRoute {
  readonly voiceId: number;
  readonly members: ReadonlySet<{ readonly sessionId: number; readonly deafened: boolean }>;
}

/** The voice view of a sender: whether it may talk, and where its voice goes (live, do not keep). */
export interface VoiceSender {
  /** Precomputed: muted by themselves, deafened, or suppressed (no `speak`). The router reads only this. */
  readonly muted: boolean;
  readonly room: VoiceRoute;
}

/** A session's voice-relevant presence after a change; `voiceId` 0 means the session left. */
export interface VoiceChange {
  readonly sessionId: number;
  readonly voiceId: number;
  readonly muted: boolean;
  readonly deafened: boolean;
}

export type MoveResult =
  | { readonly ok: true; readonly member: Member; readonly from: string }
  | { readonly ok: false; readonly reason: 'unknown-room' | 'room-full' | 'unknown-session' };

interface RoomEntry extends VoiceRoute {
  info: RoomRecord;
  readonly members: Set<MemberEntry>;
}

interface MemberEntry {
  readonly sessionId: number;
  readonly publicKey: Uint8Array;
  displayName: string;
  role: Role;
  /** What the voice path reads: selfMuted || suppressed, kept in step by #setMute. */
  muted: boolean;
  /** The user's own mute (deafened implies it), as shown to others. */
  selfMuted: boolean;
  suppressed: boolean;
  deafened: boolean;
  room: RoomEntry;
  /** The current snapshot, made on first ask and dropped by every change (so an unchanged member is the same object). */
  snap?: Member | undefined;
}

function snapshot(m: MemberEntry): Member {
  return (m.snap ??= {
    sessionId: m.sessionId,
    publicKey: m.publicKey,
    displayName: m.displayName,
    roomId: m.room.info.id,
    muted: m.selfMuted,
    deafened: m.deafened,
    role: m.role,
    suppressed: m.suppressed,
  });
}

/** Rooms and their members. */
export class Presence {
  readonly #rooms = new Map<string, RoomEntry>();
  readonly #members = new Map<number, MemberEntry>();
  readonly #voiceListeners = new Set<(change: VoiceChange) => void>();

  /** Throws `TypeError` on duplicate room ids or voice ids (a corrupt room list). */
  constructor(rooms: readonly RoomRecord[]) {
    const voiceIds = new Set<number>();
    for (const info of rooms) {
      if (this.#rooms.has(info.id)) throw new TypeError(`duplicate room id [room:${info.id}]`);
      if (!(info.voiceId >= 1) || voiceIds.has(info.voiceId)) throw new TypeError(`bad voice id [room:${info.id}]`);
      voiceIds.add(info.voiceId);
      this.#rooms.set(info.id, { info, voiceId: info.voiceId, members: new Set() });
    }
  }

  /**
   * Calls `listener` after every change of a session's room, mute or deafen
   * state, and when it leaves (voice workers mirror this; in a cluster the
   * bridge to other relays watches too). Returns the call that stops it.
   */
  watchVoice(listener: (change: VoiceChange) => void): () => void {
    this.#voiceListeners.add(listener);
    return () => void this.#voiceListeners.delete(listener);
  }

  #changed(m: MemberEntry, left = false): void {
    if (this.#voiceListeners.size === 0) return;
    const change: VoiceChange = { sessionId: m.sessionId, voiceId: left ? 0 : m.room.voiceId, muted: m.muted, deafened: m.deafened };
    for (const listener of this.#voiceListeners) listener(change);
  }

  /** All rooms in list order. */
  rooms(): readonly RoomRecord[] {
    return [...this.#rooms.values()].map((r) => r.info);
  }

  hasRoom(roomId: string): boolean {
    return this.#rooms.has(roomId);
  }

  /** The room's record, if present. */
  roomInfo(roomId: string): RoomRecord | undefined {
    return this.#rooms.get(roomId)?.info;
  }

  /** How many people are in the room now (0 for an unknown room). */
  occupancy(roomId: string): number {
    return this.#rooms.get(roomId)?.members.size ?? 0;
  }

  /** Adds a room or updates its record (the room tree changed). Its voice id stays. */
  upsertRoom(info: RoomRecord): void {
    const entry = this.#rooms.get(info.id);
    if (entry) entry.info = { ...info, voiceId: entry.voiceId };
    else this.#rooms.set(info.id, { info, voiceId: info.voiceId, members: new Set() });
  }

  /** Removes a room; its members move to `toRoomId` (which must exist). Returns the moved members. */
  removeRoom(roomId: string, toRoomId: string): Member[] {
    const room = this.#rooms.get(roomId);
    const to = this.#rooms.get(toRoomId);
    if (!room || !to || room === to) return [];
    this.#rooms.delete(roomId);
    const moved: Member[] = [];
    for (const m of room.members) {
      to.members.add(m);
      m.room = to;
      m.snap = undefined;
      moved.push(snapshot(m));
      this.#changed(m);
    }
    return moved;
  }

  /** Snapshots of every member, in join order. A member that has not changed since the last call gives the same object (callers may cache by identity). */
  members(): Member[] {
    return [...this.#members.values()].map(snapshot);
  }

  member(sessionId: number): Member | undefined {
    const m = this.#members.get(sessionId);
    return m && snapshot(m);
  }

  /** Adds a member. Throws `TypeError` for a duplicate session or unknown room (caller bug). */
  add(member: Member): Member {
    if (this.#members.has(member.sessionId)) throw new TypeError(`duplicate session [session:${member.sessionId}]`);
    const room = this.#rooms.get(member.roomId);
    if (!room) throw new TypeError(`unknown room [room:${member.roomId}]`);
    const entry: MemberEntry = {
      sessionId: member.sessionId,
      publicKey: member.publicKey,
      displayName: member.displayName,
      role: member.role,
      muted: member.muted || member.deafened || member.suppressed === true,
      selfMuted: member.muted || member.deafened,
      suppressed: member.suppressed === true,
      deafened: member.deafened,
      room,
    };
    this.#members.set(entry.sessionId, entry);
    room.members.add(entry);
    this.#changed(entry);
    return snapshot(entry);
  }

  /** Moves a member. Moving into the room one is in succeeds without change. */
  move(sessionId: number, roomId: string): MoveResult {
    const m = this.#members.get(sessionId);
    if (!m) return { ok: false, reason: 'unknown-session' };
    const to = this.#rooms.get(roomId);
    if (!to) return { ok: false, reason: 'unknown-room' };
    const from = m.room;
    if (to !== from) {
      if (to.info.userLimit > 0 && to.members.size >= to.info.userLimit) return { ok: false, reason: 'room-full' };
      from.members.delete(m);
      to.members.add(m);
      m.room = to;
      m.snap = undefined;
      this.#changed(m);
    }
    return { ok: true, member: snapshot(m), from: from.info.id };
  }

  /** Sets mute/deafen. Deafened implies muted (as in Mumble): who cannot hear should not talk. */
  setSelfState(sessionId: number, state: { readonly muted: boolean; readonly deafened: boolean }): Member | undefined {
    const m = this.#members.get(sessionId);
    if (!m) return undefined;
    m.deafened = state.deafened;
    m.selfMuted = state.muted || state.deafened;
    m.muted = m.selfMuted || m.suppressed;
    m.snap = undefined;
    this.#changed(m);
    return snapshot(m);
  }

  /**
   * Sets whether the relay suppresses the member's voice (computed by the
   * permission service when rules, groups, roles or their room change). The
   * voice path sees it through the same precomputed `muted` flag as a self
   * mute, so forwarding costs nothing more. Undefined when unknown or unchanged.
   */
  setSuppressed(sessionId: number, suppressed: boolean): Member | undefined {
    const m = this.#members.get(sessionId);
    if (!m || m.suppressed === suppressed) return undefined;
    m.suppressed = suppressed;
    m.muted = m.selfMuted || suppressed;
    m.snap = undefined;
    this.#changed(m);
    return snapshot(m);
  }

  /** Renames a member (the name is already validated). */
  rename(sessionId: number, displayName: string): Member | undefined {
    const m = this.#members.get(sessionId);
    if (!m) return undefined;
    m.displayName = displayName;
    m.snap = undefined;
    return snapshot(m);
  }

  /** Changes a member's role. */
  setRole(sessionId: number, role: Role): Member | undefined {
    const m = this.#members.get(sessionId);
    if (!m) return undefined;
    m.role = role;
    m.snap = undefined;
    return snapshot(m);
  }

  /** Removes a member; returns its last snapshot, or undefined if unknown. */
  remove(sessionId: number): Member | undefined {
    const m = this.#members.get(sessionId);
    if (!m) return undefined;
    this.#members.delete(sessionId);
    m.room.members.delete(m);
    this.#changed(m, true);
    return snapshot(m);
  }

  /** The sender's voice view; undefined when the session is not present. Hot path: one map lookup, no copy. */
  voiceSender(sessionId: number): VoiceSender | undefined {
    return this.#members.get(sessionId);
  }
}
