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
 *
 * In a cluster ({@link TempRoomDeps.shared}, decision D135) the rooms this
 * relay made are published to the cluster (relay/cluster/temp-sync.ts) and
 * the other relays' rooms are held here too, shown and joinable like local
 * ones. The relay that made a room is its owner: it alone removes it (when
 * nobody on any relay is in it: presence counts other relays' users) and
 * applies edits, which other relays judge and send to it.
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

/** An edit of a temporary room, judged here, for its owner to apply. */
export interface TempRoomEdit {
  readonly roomId: string;
  readonly name: string;
  readonly userLimit: number;
}

/** Cluster: where this relay's temporary rooms are published, and edits of other relays' rooms are sent. */
export interface TempShare {
  /** A room made here was made or changed. */
  published(room: TempRoom): void;
  /** A room made here is gone. */
  removed(roomId: string): void;
  /** Sends an edit to the owner of the room; false when it could not be applied there (gone, or no answer). */
  editAt(owner: string, edit: TempRoomEdit): Promise<boolean>;
}

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
  /** Cluster: temporary rooms are shared with the other relays. */
  readonly shared?: TempShare;
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
    this.#deps.shared?.published(made.room);
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
    const owner = registry.ownerOf(msg.roomId);
    if (owner !== undefined) {
      // Another relay's room: judged here (the same rules and record everywhere), applied by its owner, shown here from its record.
      void this.#deps.shared?.editAt(owner, { roomId: msg.roomId, name, userLimit: msg.userLimit }).then((ok) => {
        if (!ok) session.sendError(ErrorCode.CLUSTER_UNAVAILABLE, 'the relay holding this temporary room did not answer; try again', 'edit_temp_room');
      });
      return;
    }
    this.applyEdit({ roomId: msg.roomId, name, userLimit: msg.userLimit });
  }

  /** Applies an edit of a room made here (already judged, here or by the relay that received it); false for a room not made here. */
  applyEdit(edit: TempRoomEdit): boolean {
    const { registry, presence, perms } = this.#deps;
    if (!registry.isOwn(edit.roomId)) return false;
    const room = registry.edit(edit.roomId, edit.name, edit.userLimit);
    if (!room) return false;
    presence.upsertRoom(registry.record(room));
    // The permission state names rooms in refusals; its rules did not change, so nobody is re-evaluated.
    perms.treeChanged([edit.roomId]);
    this.#deps.shared?.published(room);
    this.broadcast();
    return true;
  }

  /** Cluster: relay `owner` made or changed `room` (its record in the cluster). */
  remoteUpsert(room: TempRoom, owner: string): void {
    const { registry, presence, perms } = this.#deps;
    const had = registry.get(room.id);
    if (!registry.adopt(room, owner).ok) return;
    presence.upsertRoom(registry.record(room));
    if (had && had.parent === room.parent) perms.treeChanged([room.id]);
    else perms.treeChanged();
    this.broadcast();
    // Their presence may have come first (shown in the default room until now).
    if (!had) this.#deps.roster.remoteRoomAdded(room.id);
  }

  /** Cluster: another relay's room is gone (emptied, or its owner died and its record expired): whoever is in it here goes to its parent. */
  remoteRemove(roomId: string): void {
    const { registry, perms, roster } = this.#deps;
    const room = registry.get(roomId);
    if (!room || registry.ownerOf(roomId) === undefined) return;
    registry.remove(roomId);
    const to = perms.state.rooms.has(room.parent) ? room.parent : perms.rootId;
    roster.roomsRemoved([[roomId, to]]);
    this.#deps.gone?.(roomId);
    perms.treeChanged();
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
    // Only the rooms made here: another relay's room is its owner's to remove (presence there counts everyone in it).
    const empty = candidates.filter((r) => registry.isOwn(r.id) && presence.occupancy(r.id) === 0);
    if (empty.length === 0) return;
    for (const r of empty) {
      registry.remove(r.id);
      presence.removeRoom(r.id, r.parent);
      this.#deps.gone?.(r.id);
      this.#deps.shared?.removed(r.id);
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
      const own = registry.isOwn(r.id);
      registry.remove(r.id);
      this.#deps.gone?.(r.id);
      if (own) this.#deps.shared?.removed(r.id);
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
