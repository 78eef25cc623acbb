/**
 * The relay's temporary rooms (issue 15): a pure in-memory registry. Nothing
 * here is ever written anywhere; a relay restart starts with none. Each room
 * hangs under one persisted room, never under another temporary one, and its
 * evaluation record inherits the parent's rules and adds the maker to the
 * room's `admin` group, which a rule gives every room-scoped permission but
 * making rooms (no sub-rooms).
 */
import type { RoomRecord } from '../../crdt/index.ts';
import { ALL, SERVER_WIDE, setOf } from '../../perms/index.ts';
import type { RoomAcl } from '../../perms/index.ts';

/** One temporary room. */
export interface TempRoom {
  readonly id: string;
  readonly name: string;
  readonly parent: string;
  /** Hex public key of the maker: the room's admin group. */
  readonly makerHex: string;
  readonly voiceId: number;
  /** 0 = no limit. */
  readonly userLimit: number;
}

/** A temporary room as the presence and permission code read it: a RoomRecord marked temporary. */
export type TempRoomRecord = RoomRecord & { readonly temporary: true };

/** Limits of a {@link TempRegistry}. */
export interface TempLimits {
  /** Temporary rooms on the relay at once. */
  readonly maxRooms: number;
  /** Temporary rooms one key may have made and still open. */
  readonly maxPerMaker: number;
}

export const DEFAULT_TEMP_LIMITS: TempLimits = Object.freeze({ maxRooms: 256, maxPerMaker: 4 });

/** Temporary rooms' voice ids start here: far above the tree's counter (which starts at 1 and only grows by room creations). */
export const TEMP_VOICE_BASE = 0x4000_0000;

/** The admin group's rule grants this in the temporary room: everything room-scoped but making (sub-)rooms. */
const MAKER_PERMS = ALL & ~SERVER_WIDE & ~setOf('make-room', 'make-temp-room');

/** The ACL of a temporary room made by `makerHex`: inherit the parent, the maker is the `admin` group. */
function tempRoomAcl(makerHex: string): RoomAcl {
  return {
    inherit: true,
    groups: [{ name: 'admin', inherit: false, inheritable: false, add: [makerHex], remove: [] }],
    rules: [{ id: 'temp-admin', label: 'admin: the maker of this temporary room', who: { kind: 'group', name: 'admin' }, where: 'anywhere', allow: MAKER_PERMS, deny: 0, here: true, subs: false }],
  };
}

export type CreateResult = { readonly ok: true; readonly room: TempRoom } | { readonly ok: false; readonly reason: 'limit' };

/** See the module comment. */
export class TempRegistry {
  readonly #rooms = new Map<string, TempRoom>();
  readonly #limits: TempLimits;
  readonly #newId: () => string;
  #nextVoice = TEMP_VOICE_BASE;

  /** `newId`: a fresh random room id (injected so tests can name rooms). */
  constructor(limits: TempLimits, newId: () => string) {
    this.#limits = limits;
    this.#newId = newId;
  }

  has(roomId: string): boolean {
    return this.#rooms.has(roomId);
  }

  get(roomId: string): TempRoom | undefined {
    return this.#rooms.get(roomId);
  }

  /** The parent of a temporary room, or `roomId` itself for any other room (visibility and storage use the parent). */
  resolve(roomId: string): string {
    return this.#rooms.get(roomId)?.parent ?? roomId;
  }

  all(): TempRoom[] {
    return [...this.#rooms.values()];
  }

  create(name: string, parent: string, makerHex: string): CreateResult {
    if (this.#rooms.size >= this.#limits.maxRooms) return { ok: false, reason: 'limit' };
    let mine = 0;
    for (const r of this.#rooms.values()) if (r.makerHex === makerHex) mine++;
    if (mine >= this.#limits.maxPerMaker) return { ok: false, reason: 'limit' };
    let id = this.#newId();
    while (this.#rooms.has(id)) id = this.#newId();
    const room: TempRoom = { id, name, parent, makerHex, voiceId: this.#nextVoice++, userLimit: 0 };
    this.#rooms.set(id, room);
    return { ok: true, room };
  }

  /** Renames a room and sets its limit (both already checked); the new record, or undefined for an unknown room. */
  edit(roomId: string, name: string, userLimit: number): TempRoom | undefined {
    const room = this.#rooms.get(roomId);
    if (!room) return undefined;
    const next = { ...room, name, userLimit };
    this.#rooms.set(roomId, next);
    return next;
  }

  /** Forgets a room; true when it was there. */
  remove(roomId: string): boolean {
    return this.#rooms.delete(roomId);
  }

  /** The presence/permission record of a room. */
  record(room: TempRoom): TempRoomRecord {
    return { id: room.id, name: room.name, parent: room.parent, position: 0, description: '', userLimit: room.userLimit, voiceId: room.voiceId, acl: tempRoomAcl(room.makerHex), temporary: true };
  }
}
