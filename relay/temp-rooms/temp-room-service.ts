/**
 * Temporary rooms on the wire (issue 15): MakeTempRoom, the TempRooms list
 * each session is sent, and removal when a room empties. The registry
 * (temp-registry.ts) is the one state; this adapter checks a request, changes
 * the registry, then mirrors it into presence and the permission state and
 * tells sessions. Nothing reaches LevelDB, the tree document or the audit log.
 *
 * Why it cannot leak a hidden room: a temporary room is visible exactly when
 * its parent is (Visibility resolves a temporary id to its parent), and each
 * session's list is filtered with that same `sees` before it is sent.
 */
import { checkRoomName, MAX_USER_LIMIT } from '../../crdt/index.ts';
import { ErrorCode } from '../../proto/index.ts';
import type { EditTempRoom, MakeTempRoom, TempRoom as WireTempRoom } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { Session } from '../connection/client-connection.ts';
import type { PermissionService } from '../perms/permission-service.ts';
import { sendDenied } from '../perms/room-entry.ts';
import type { Presence } from '../presence/presence.ts';
import type { Roster } from '../presence/roster.ts';
import type { DropStats } from '../stats.ts';
import type { TempRegistry, TempRoom } from './temp-registry.ts';

/** What {@link TempRoomService} needs. */
export interface TempRoomDeps {
  readonly registry: TempRegistry;
  readonly presence: Presence;
  readonly roster: Roster;
  readonly perms: PermissionService;
  readonly stats: DropStats;
  readonly sees: (session: Session, roomId: string) => boolean;
  /** Told of each room as it goes (the chat service forgets its live chat); optional. */
  readonly gone?: (roomId: string) => void;
}

/** See the module comment. */
export class TempRoomService {
  readonly #deps: TempRoomDeps;

  constructor(deps: TempRoomDeps) {
    this.#deps = deps;
  }

  /** The MakeTempRoom handler: checks, creates, tells everyone who sees the parent, moves the maker in. */
  make(session: Session, msg: MakeTempRoom): void {
    const { registry, presence, perms, stats, sees } = this.#deps;
    const sessionId = session.sessionId;
    const member = sessionId === undefined ? undefined : presence.member(sessionId);
    if (!member || sessionId === undefined) return;
    const name = msg.name.trim();
    const bad = checkRoomName(name);
    if (bad) {
      stats.frame('bad-request', session.connId, 'temp room name');
      session.sendError(ErrorCode.OP_BAD_NAME, bad.reason, 'make_temp_room');
      return;
    }
    if (registry.has(msg.parentId) && sees(session, msg.parentId)) {
      session.sendError(ErrorCode.TEMP_ROOM_NO_SUBROOMS, 'a temporary room cannot have sub-rooms', 'make_temp_room');
      return;
    }
    if (!perms.state.rooms.has(msg.parentId) || !sees(session, msg.parentId)) {
      // A hidden parent gets the answer of a missing one: no oracle.
      stats.frame('unknown-room', session.connId);
      session.sendError(ErrorCode.UNKNOWN_ROOM, 'no such room', 'make_temp_room');
      return;
    }
    const denial = perms.denial(member, 'make-temp-room', msg.parentId);
    if (denial) {
      stats.frame('permission-denied', session.connId, `make-temp-room ${denial.ruleId}`);
      sendDenied(session, denial, 'make_temp_room');
      return;
    }
    const made = registry.create(name, msg.parentId, toHex(member.publicKey));
    if (!made.ok) {
      session.sendError(ErrorCode.TEMP_ROOM_LIMIT, 'too many temporary rooms right now; try again when some are gone', 'make_temp_room');
      return;
    }
    presence.upsertRoom(registry.record(made.room));
    perms.treeChanged();
    this.broadcast();
    this.#deps.roster.place(sessionId, made.room.id);
  }

  /** The EditTempRoom handler: its admin group (the maker) or anyone with edit-room there renames it and sets its limit. */
  edit(session: Session, msg: EditTempRoom): void {
    const { registry, presence, perms, stats, sees } = this.#deps;
    const member = session.sessionId === undefined ? undefined : presence.member(session.sessionId);
    if (!member) return;
    if (!registry.has(msg.roomId) || !sees(session, msg.roomId)) {
      stats.frame('unknown-room', session.connId);
      session.sendError(ErrorCode.UNKNOWN_ROOM, 'no such temporary room', 'edit_temp_room');
      return;
    }
    const name = msg.name.trim();
    const bad = checkRoomName(name);
    if (bad || msg.userLimit > MAX_USER_LIMIT) {
      stats.frame('bad-request', session.connId, 'temp room edit');
      if (bad) session.sendError(ErrorCode.OP_BAD_NAME, bad.reason, 'edit_temp_room');
      else session.sendError(ErrorCode.OP_BAD_VALUE, `user limit is 0 (none) to ${MAX_USER_LIMIT}`, 'edit_temp_room');
      return;
    }
    const denial = perms.denial(member, 'edit-room', msg.roomId);
    if (denial) {
      stats.frame('permission-denied', session.connId, `edit-room ${denial.ruleId}`);
      sendDenied(session, denial, 'edit_temp_room');
      return;
    }
    const room = registry.edit(msg.roomId, name, msg.userLimit);
    if (room) presence.upsertRoom(registry.record(room));
    // The permission state names rooms in refusals; its rules did not change, so nobody is re-evaluated.
    perms.treeChanged([msg.roomId]);
    this.broadcast();
  }

  /** After someone left `roomId` (moved away): a temporary room left empty is gone for everyone. */
  left(roomId: string): void {
    const room = this.#deps.registry.get(roomId);
    if (room) this.#removeEmpty([room]);
  }

  /** After a disconnect (the room the session was in is no longer known): every empty temporary room goes. */
  sweep(): void {
    this.#removeEmpty(this.#deps.registry.all());
  }

  #removeEmpty(candidates: readonly TempRoom[]): void {
    const { registry, presence, perms } = this.#deps;
    const empty = candidates.filter((r) => presence.occupancy(r.id) === 0);
    if (empty.length === 0) return;
    for (const r of empty) {
      registry.remove(r.id);
      presence.removeRoom(r.id, r.parent);
      this.#deps.gone?.(r.id);
    }
    perms.treeChanged();
    this.broadcast();
  }

  /**
   * The tree, rules or a role changed: a temporary room whose parent was
   * deleted goes, its people moved to the root (the tree service has already
   * moved the parent's own people up); and since a parent may have become
   * hidden or visible to someone, everyone gets their list again.
   */
  treeChanged(): void {
    const { registry, perms, roster } = this.#deps;
    if (registry.all().length === 0) return;
    const gone = registry.all().filter((r) => !perms.state.rooms.has(r.parent));
    if (gone.length === 0) {
      this.broadcast();
      return;
    }
    const root = perms.rootId;
    for (const r of gone) {
      registry.remove(r.id);
      this.#deps.gone?.(r.id);
    }
    roster.roomsRemoved(gone.map((r) => [r.id, root] as const));
    perms.treeChanged();
    this.broadcast();
  }

  /** Sends every signed-in session the temporary rooms it may see now. */
  broadcast(): void {
    for (const session of this.#deps.roster.sessions()) this.sendTo(session);
  }

  /** Sends one session its list (after sign-in and whenever the list or its visibility changes). */
  sendTo(session: Session): void {
    const { registry, sees } = this.#deps;
    const rooms: Array<Omit<WireTempRoom, '$typeName'>> = [];
    for (const r of registry.all()) {
      if (sees(session, r.parent)) rooms.push({ id: r.id, name: r.name, parentId: r.parent, makerKeyHex: r.makerHex, voiceId: r.voiceId, userLimit: r.userLimit });
    }
    session.send({ case: 'tempRooms', value: { rooms } });
  }
}
