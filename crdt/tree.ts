/**
 * The room tree as plain data, and the pure rules over it: who may do what
 * (`authorize`, evaluate-based, in authorize.ts), what must stay true (`checkInvariants`), and what an op does
 * (`applyOp`). The relay runs these against its authoritative state before it
 * writes anything; clients run the same functions to show their pending ops
 * on top of the last state they synced (`overlay.ts`), so both sides agree on
 * what an op means.
 */
import { nameCharFault } from '../proto/name-rules.ts';
import { applyAclOp, checkAclOp, newRoomAcl } from './acl-ops.ts';
import { authorize } from './authorize.ts';
import type { Authorize } from './authorize.ts';
import { nameKey } from './names.ts';
import type { OpBody, OpIntent } from './op.ts';
import type { Actor, Rejection } from './rejection.ts';
import { IndexedRooms } from './room-index.ts';
import type { RoomRecord, Rooms } from './room.ts';

export { nameKey } from './names.ts';
export { IndexedRooms } from './room-index.ts';
export type { RoomRecord, Rooms } from './room.ts';

/** Id of the tree's root room. */
export const ROOT_ID = 'root';
/** Longest room name, in characters (code points). */
export const MAX_ROOM_NAME_CHARS = 64;
/** Longest room description, in characters. */
export const MAX_DESCRIPTION_CHARS = 500;
/** Largest user limit (0 = none). */
export const MAX_USER_LIMIT = 10_000;
/** Most rooms a tree may hold. */
export const MAX_ROOMS = 5_000;


export { REJECT_CODES } from './rejection.ts';
export type { Actor, PermissionDenial, RejectCode, Rejection } from './rejection.ts';
export { authorize, requiredPermissions, subjectOf } from './authorize.ts';
export type { Authorize } from './authorize.ts';
export { isAclOp } from './acl-ops.ts';
export type { AclOp } from './acl-ops.ts';

/** What validation needs to know beyond the tree. */
export interface TreeContext {
  /** Members currently in a room (for user limits); clients pass () => 0. */
  readonly occupancy: (roomId: string) => number;
}

const ROOM_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
// Control characters (C0, DEL, C1) and line/paragraph separators never belong in a description
// except its newlines; names follow proto/name-rules.ts.
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

/** Why `name` is not a valid room name, or null. */
export function checkRoomName(name: string): Rejection | null {
  const chars = [...name].length;
  if (chars === 0 || name.trim() !== name || chars > MAX_ROOM_NAME_CHARS || nameCharFault(name) !== null) {
    return { code: 'bad-name', reason: `room names are 1..${MAX_ROOM_NAME_CHARS} characters, no leading or trailing spaces, no control or bidi-control characters, at least one visible character` };
  }
  return null;
}

/** Children of `parentId` in sibling order. */
export function childrenOf(rooms: Rooms, parentId: string): RoomRecord[] {
  const out: RoomRecord[] = [];
  if (rooms instanceof IndexedRooms) for (const id of rooms.childIds(parentId)) out.push(rooms.get(id)!);
  else for (const r of rooms.values()) if (r.parent === parentId) out.push(r);
  return out.sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `roomId` and all its descendants. */
export function subtreeOf(rooms: Rooms, roomId: string): string[] {
  const out = [roomId];
  if (rooms instanceof IndexedRooms) {
    // A corrupt tree with a cycle must not loop: each id is taken once.
    const seen = new Set(out);
    for (let i = 0; i < out.length; i++) {
      for (const c of rooms.childIds(out[i]!)) {
        if (!seen.has(c)) {
          seen.add(c);
          out.push(c);
        }
      }
    }
    return out;
  }
  for (let i = 0; i < out.length; i++) for (const c of rooms.values()) if (c.parent === out[i]) out.push(c.id);
  return out;
}

function isAncestorOrSelf(rooms: Rooms, ancestor: string, roomId: string): boolean {
  // Bounded walk: a corrupt tree with a cycle must not hang the relay.
  for (let id = roomId, steps = 0; id !== '' && steps <= rooms.size; steps++) {
    if (id === ancestor) return true;
    id = rooms.get(id)?.parent ?? '';
  }
  return false;
}

function siblingNameTaken(rooms: Rooms, parentId: string, name: string, exceptId: string): boolean {
  if (rooms instanceof IndexedRooms) {
    for (const id of rooms.idsNamed(parentId, name)) if (id !== exceptId) return true;
    return false;
  }
  const key = nameKey(name);
  for (const r of rooms.values()) if (r.parent === parentId && r.id !== exceptId && (r.name === name || nameKey(r.name) === key)) return true;
  return false;
}

function checkDescription(description: string, userLimit: number): Rejection | null {
  if ([...description].length > MAX_DESCRIPTION_CHARS || CONTROL_EXCEPT_NEWLINE.test(description)) {
    return { code: 'bad-value', reason: `descriptions are at most ${MAX_DESCRIPTION_CHARS} characters without control characters` };
  }
  if (userLimit > MAX_USER_LIMIT) return { code: 'bad-value', reason: `user limit is 0 (none) to ${MAX_USER_LIMIT}` };
  return null;
}

function unknownRoom(id: string): Rejection {
  return { code: 'unknown-room', reason: `no room ${JSON.stringify(id)}` };
}

/** Checks that applying `op` to `rooms` keeps every invariant. Null when it does. */
export function checkInvariants(rooms: Rooms, op: OpIntent, ctx: TreeContext): Rejection | null {
  switch (op.kind) {
    case 'room.create': {
      const a = op.args;
      if (!ROOM_ID.test(a.roomId)) return { code: 'bad-value', reason: 'room ids are 1..32 of a-z, 0-9 and -' };
      if (rooms.has(a.roomId)) return { code: 'room-exists', reason: `room id ${a.roomId} is taken` };
      if (!rooms.has(a.parentId)) return unknownRoom(a.parentId);
      if (rooms.size >= MAX_ROOMS) return { code: 'bad-value', reason: `at most ${MAX_ROOMS} rooms` };
      return checkRoomName(a.name) ?? checkDescription(a.description, a.userLimit) ??
        (siblingNameTaken(rooms, a.parentId, a.name, '') ? { code: 'duplicate-name', reason: `a sibling is already called ${JSON.stringify(a.name)}` } : null);
    }
    case 'room.rename': {
      const room = rooms.get(op.args.roomId);
      if (!room) return unknownRoom(op.args.roomId);
      return checkRoomName(op.args.name) ??
        (siblingNameTaken(rooms, room.parent, op.args.name, room.id) ? { code: 'duplicate-name', reason: `a sibling is already called ${JSON.stringify(op.args.name)}` } : null);
    }
    case 'room.move': {
      const room = rooms.get(op.args.roomId);
      if (!room) return unknownRoom(op.args.roomId);
      if (room.id === ROOT_ID) return { code: 'root-protected', reason: 'the root cannot move' };
      if (!rooms.has(op.args.parentId)) return unknownRoom(op.args.parentId);
      if (isAncestorOrSelf(rooms, room.id, op.args.parentId)) return { code: 'cycle', reason: 'a room cannot move into itself or its own subtree' };
      return siblingNameTaken(rooms, op.args.parentId, room.name, room.id) ? { code: 'duplicate-name', reason: `the new parent already has a room called ${JSON.stringify(room.name)}` } : null;
    }
    case 'room.delete':
      if (!rooms.has(op.args.roomId)) return unknownRoom(op.args.roomId);
      return op.args.roomId === ROOT_ID ? { code: 'root-protected', reason: 'the root cannot be deleted' } : null;
    case 'room.describe':
      if (!rooms.has(op.args.roomId)) return unknownRoom(op.args.roomId);
      return checkDescription(op.args.description, op.args.userLimit);
    case 'member.join': {
      const room = rooms.get(op.args.roomId);
      if (!room) return unknownRoom(op.args.roomId);
      return room.userLimit > 0 && ctx.occupancy(room.id) >= room.userLimit ? { code: 'room-full', reason: 'room is full' } : null;
    }
    case 'acl.rule.put':
    case 'acl.rule.delete':
    case 'acl.group.put':
    case 'acl.group.delete':
    case 'acl.inherit':
      return checkAclOp(rooms, op);
  }
}

/** Permission, then invariants: the verdict on `op` against the current tree. */
export function validateOp(rooms: Rooms, actor: Actor, op: OpIntent, ctx: TreeContext, auth: Authorize = authorize): Rejection | null {
  return auth(rooms, actor, op) ?? checkInvariants(rooms, op, ctx);
}

/** Puts `room` at `index` among the other children of `parent` and renumbers them; records changed ids. */
function place(rooms: Rooms, room: RoomRecord, index: number, changed: Set<string>): void {
  const siblings = childrenOf(rooms, room.parent).filter((r) => r.id !== room.id);
  siblings.splice(Math.min(index, siblings.length), 0, room);
  siblings.forEach((r, position) => {
    const current = r.id === room.id ? room : r;
    if (r.id === room.id || current.position !== position) {
      rooms.set(r.id, { ...current, position });
      changed.add(r.id);
    }
  });
}

function renumber(rooms: Rooms, parent: string, changed: Set<string>): void {
  childrenOf(rooms, parent).forEach((r, position) => {
    if (r.position !== position) {
      rooms.set(r.id, { ...r, position });
      changed.add(r.id);
    }
  });
}

/**
 * Applies a validated op to `rooms` in place. Returns the ids whose records
 * changed or vanished. `voiceIdFor` numbers a created room (the relay assigns
 * real numbers; clients pass 0 for a pending create).
 */
export function applyOp(rooms: Rooms, op: OpIntent | OpBody, voiceIdFor: (roomId: string) => number): Set<string> {
  const changed = new Set<string>();
  switch (op.kind) {
    case 'room.create': {
      const a = op.args;
      const room: RoomRecord = { id: a.roomId, name: a.name, parent: a.parentId, position: 0, description: a.description, userLimit: a.userLimit, voiceId: voiceIdFor(a.roomId), acl: newRoomAcl() };
      place(rooms, room, a.index, changed);
      break;
    }
    case 'room.rename': {
      const room = rooms.get(op.args.roomId);
      if (room && room.name !== op.args.name) {
        rooms.set(room.id, { ...room, name: op.args.name });
        changed.add(room.id);
      }
      break;
    }
    case 'room.move': {
      const room = rooms.get(op.args.roomId);
      if (!room) break;
      const from = room.parent;
      place(rooms, { ...room, parent: op.args.parentId }, op.args.index, changed);
      if (from !== op.args.parentId) renumber(rooms, from, changed);
      break;
    }
    case 'room.delete': {
      const room = rooms.get(op.args.roomId);
      if (!room) break;
      for (const id of subtreeOf(rooms, room.id)) {
        rooms.delete(id);
        changed.add(id);
      }
      renumber(rooms, room.parent, changed);
      break;
    }
    case 'room.describe': {
      const room = rooms.get(op.args.roomId);
      if (room && (room.description !== op.args.description || room.userLimit !== op.args.userLimit)) {
        rooms.set(room.id, { ...room, description: op.args.description, userLimit: op.args.userLimit });
        changed.add(room.id);
      }
      break;
    }
    case 'member.join':
      break;
    case 'acl.rule.put':
    case 'acl.rule.delete':
    case 'acl.group.put':
    case 'acl.group.delete':
    case 'acl.inherit':
      return applyAclOp(rooms, op);
  }
  return changed;
}
