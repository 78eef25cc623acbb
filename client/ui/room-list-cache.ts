/**
 * What `<parley-app>` derives from the state for the room list — the rooms
 * shown (tree and temporary), which of them this user may edit permissions
 * of, make temporary rooms in, or edit as temporary rooms — each remade only
 * when what it is computed from changes. Evaluating every room on every state
 * change was ~90 ms of a 5,000-person sign-in.
 */
import type { State } from '../session/index.ts';
import { permsEditableRooms, selfSubject } from '../session/perms/perm-state.ts';
import { editableTempRooms, roomsWithTemp } from '../session/temp-rooms.ts';

/** The room list's derived sets, cached per `<parley-app>`. */
export class RoomListCache {
  /** The last `permsEditable` answer and what it was computed from. */
  #editable: { readonly rooms: State['rooms']; readonly key: string; readonly value: ReadonlySet<string>; readonly temp: ReadonlySet<string> } | null = null;
  /** The rooms the list shows (tree and temporary), remade only when either changes. */
  #shown: { readonly rooms: State['rooms']; readonly temp: State['tempRooms']; readonly who: string; readonly value: State['rooms']; readonly editable: ReadonlySet<string> } | null = null;

  /** Rooms whose permissions this user may edit, and where they may make temporary rooms; recomputed only when the rooms or who the user is change. */
  permsEditable(s: State, isAdmin: boolean): { readonly value: ReadonlySet<string>; readonly temp: ReadonlySet<string> } {
    const subject = selfSubject(s.identity?.publicKeyHex ?? '', s.role ?? s.tree.role, s.roomId);
    const key = isAdmin ? 'admin' : JSON.stringify(subject);
    if (this.#editable?.rooms !== s.rooms || this.#editable.key !== key) {
      const value = isAdmin ? new Set<string>() : permsEditableRooms(s.rooms, subject);
      const temp = isAdmin ? new Set(s.rooms.map((r) => r.id)) : permsEditableRooms(s.rooms, subject, 'make-temp-room');
      this.#editable = { rooms: s.rooms, key, value, temp };
    }
    return this.#editable;
  }

  /** The rooms the list shows and the temporary ones this user may edit, remade only when they or who the user is change. */
  shownRooms(s: State, isAdmin: boolean): { readonly value: State['rooms']; readonly editable: ReadonlySet<string> } {
    const who = `${isAdmin}|${s.identity?.publicKeyHex ?? ''}`;
    if (this.#shown?.rooms !== s.rooms || this.#shown.temp !== s.tempRooms || this.#shown.who !== who) {
      const editable = editableTempRooms(s.tempRooms, s.identity?.publicKeyHex ?? '', isAdmin);
      this.#shown = { rooms: s.rooms, temp: s.tempRooms, who, value: roomsWithTemp(s.rooms, s.tempRooms), editable };
    }
    return this.#shown;
  }
}
