/**
 * The room tree as the permission model sees it: each room's id, parent and
 * ACL (rooms without one yet carry `defaultAcl`, today's behaviour). Built
 * once per tree change, never per check.
 */
import type { RoomRecord } from '../../crdt/index.ts';
import { defaultAcl } from '../../perms/index.ts';
import type { PermRoom, PermState, RoomAcl } from '../../perms/index.ts';

/** A room record that may carry an ACL and the temporary mark (perms-core adds them to RoomRecord). */
type MaybeAclRoom = RoomRecord & { readonly acl?: RoomAcl; readonly temporary?: boolean };

/** The PermState of `rooms`. */
export function permStateOf(rooms: ReadonlyMap<string, RoomRecord>): PermState {
  const out = new Map<string, PermRoom>();
  for (const r of rooms.values() as IterableIterator<MaybeAclRoom>) {
    out.set(r.id, { id: r.id, parent: r.parent, acl: r.acl ?? defaultAcl(r.parent === ''), temporary: r.temporary === true ? true : undefined });
  }
  return { rooms: out };
}

/** Room ids from `roomId` up to the root, `roomId` first; empty for an unknown room. */
export function ancestry(state: PermState, roomId: string): string[] {
  const out: string[] = [];
  let room = state.rooms.get(roomId);
  while (room && out.length <= state.rooms.size) {
    out.push(room.id);
    room = room.parent === '' ? undefined : state.rooms.get(room.parent);
  }
  return out;
}

/** The root's id (the room with parent ''), or undefined in an empty state. */
export function rootOf(state: PermState): string | undefined {
  for (const r of state.rooms.values()) if (r.parent === '') return r.id;
  return undefined;
}
