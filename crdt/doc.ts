/**
 * The Yjs schema of Parley's shared state. Map and key names live here and
 * nowhere else.
 *
 * - Doc `tree`: root map `rooms`, keyed by room id; each value is a nested
 *   `Y.Map` with `name`, `parent`, `position`, `description`, `userLimit`,
 *   `voiceId` (one Y.Map per room, so a rename writes one small field), and
 *   `acl`: the room's ACL as plain canonical JSON (perms/acl-json.ts), absent
 *   while it is the default (so relays that never edit permissions keep the
 *   documents they had). An ACL edit rewrites the room's `acl` field whole;
 *   the relay is the only writer and applies ACL ops one by one, so two
 *   admins' edits still merge rule by rule (docs/PERMISSIONS.md).
 * - Doc `members`: root map `members`, keyed by session id (decimal), value
 *   the room id that session is in. Not persisted: it describes who is
 *   connected now.
 *
 * Only the relay writes these documents; clients hold read-only replicas.
 */
import * as Y from 'yjs';
import { aclJson, defaultAcl, parseAcl } from '../perms/index.ts';
import type { RoomAcl } from '../perms/index.ts';
import type { RoomRecord, Rooms } from './tree.ts';

/** Name of the room-tree document. */
export const TREE_DOC = 'tree';
/** Name of the membership document. */
export const MEMBERS_DOC = 'members';
/** Every document name a client may sync. */
export const DOC_NAMES: readonly string[] = [TREE_DOC, MEMBERS_DOC];

const ROOMS = 'rooms';
const MEMBERS = 'members';

function roomOf(id: string, m: Y.Map<unknown>): RoomRecord | null {
  const name = m.get('name');
  const parent = m.get('parent');
  const position = m.get('position');
  const description = m.get('description');
  const userLimit = m.get('userLimit');
  const voiceId = m.get('voiceId');
  if (typeof name !== 'string' || typeof parent !== 'string' || typeof position !== 'number' || typeof description !== 'string' || typeof userLimit !== 'number' || typeof voiceId !== 'number') {
    return null;
  }
  const acl = aclOf(m.get('acl'), parent === '');
  if (!acl) return null;
  return { id, name, parent, position, description, userLimit, voiceId, acl };
}

/**
 * The stored ACL, or the default when there is none. A malformed one makes
 * the record unreadable (null) rather than silently permissive: only the
 * relay writes this document, so that is a damaged or hostile copy.
 */
function aclOf(v: unknown, isRoot: boolean): RoomAcl | null {
  if (v === undefined) return defaultAcl(isRoot);
  const p = parseAcl(v);
  return p.ok ? p.value : null;
}

function isDefaultAcl(acl: RoomAcl, isRoot: boolean): boolean {
  return acl.rules.length === 0 && acl.groups.length === 0 && acl.inherit === defaultAcl(isRoot).inherit;
}

/** Reads every complete room record from a tree document. */
export function readRooms(doc: Y.Doc): Rooms {
  const rooms: Rooms = new Map();
  doc.getMap<Y.Map<unknown>>(ROOMS).forEach((value, id) => {
    if (value instanceof Y.Map) {
      const room = roomOf(id, value);
      if (room) rooms.set(id, room);
    }
  });
  return rooms;
}

/**
 * Writes the records of `ids` from `rooms` into the document in one
 * transaction (deleting ids `rooms` lacks). Unchanged fields are not
 * rewritten, so a rename leaves one small tombstone.
 */
export function writeRooms(doc: Y.Doc, rooms: Rooms, ids: Iterable<string>, origin: unknown): void {
  const map = doc.getMap<Y.Map<unknown>>(ROOMS);
  doc.transact(() => {
    for (const id of ids) {
      const room = rooms.get(id);
      if (!room) {
        map.delete(id);
        continue;
      }
      let m = map.get(id);
      if (!(m instanceof Y.Map)) {
        m = new Y.Map<unknown>();
        map.set(id, m);
      }
      for (const key of ['name', 'parent', 'position', 'description', 'userLimit', 'voiceId'] as const) {
        if (m.get(key) !== room[key]) m.set(key, room[key]);
      }
      if (isDefaultAcl(room.acl, room.parent === '')) {
        if (m.has('acl')) m.delete('acl');
      } else {
        const json = aclJson(room.acl);
        if (JSON.stringify(m.get('acl')) !== JSON.stringify(json)) m.set('acl', json);
      }
    }
  }, origin);
}

/**
 * Room keys the tree document still carries for deleted rooms. Reads Yjs's
 * key table (`_map`, which keeps the last item of every key ever set, deleted
 * or not): the public API hides deleted keys, and they are exactly what the
 * document cannot forget on its own.
 */
export function countRoomTombstones(doc: Y.Doc): number {
  const keys = (doc.getMap(ROOMS) as unknown as { _map: Map<string, { deleted: boolean }> })._map;
  let n = 0;
  for (const item of keys.values()) if (item.deleted) n++;
  return n;
}

/** Session id -> room id, from a members document. */
export function readMembers(doc: Y.Doc): Map<number, string> {
  const out = new Map<number, string>();
  doc.getMap<unknown>(MEMBERS).forEach((roomId, key) => {
    const id = Number(key);
    if (typeof roomId === 'string' && Number.isInteger(id)) out.set(id, roomId);
  });
  return out;
}

/** Puts a session in a room (null: removes it). */
export function writeMember(doc: Y.Doc, sessionId: number, roomId: string | null, origin: unknown): void {
  const map = doc.getMap<unknown>(MEMBERS);
  doc.transact(() => {
    if (roomId === null) map.delete(String(sessionId));
    else if (map.get(String(sessionId)) !== roomId) map.set(String(sessionId), roomId);
  }, origin);
}
