/**
 * The client's inputs to perms/ (evaluate, whatIf, lint), made from the
 * session's state: the room tree as a `PermState`, the local user as a
 * `Subject`, and the people this client knows (the roster now, and anyone
 * named in a room's rules or groups, who may be offline), each with a role.
 * Pure: the inspector, the editor's what-if and refusal explanations all
 * read the same answers the relay computes.
 */
import { defaultAcl, has, permissionsOf } from '../../../perms/index.ts';
import type { Permission, PermRoom, PermState, RoomAcl, Role, Subject } from '../../../perms/index.ts';
import type { RoomView } from '../tree/index.ts';
import type { UserView } from '../state.ts';

/** Whether `room` is the top of the tree (no parent among `rooms`). */
function isRootIn(room: RoomView, ids: ReadonlySet<string>): boolean {
  return !room.parentId || !ids.has(room.parentId);
}

/** The ACL a room shows: its own, or the default one (no rules). */
export function aclOf(room: RoomView, rooms: readonly RoomView[]): RoomAcl {
  return room.acl ?? defaultAcl(isRootIn(room, new Set(rooms.map((r) => r.id))));
}

/** The room tree as evaluation sees it. A room whose parent is unknown is treated as a root. */
export function permStateOf(rooms: readonly RoomView[]): PermState {
  const ids = new Set(rooms.map((r) => r.id));
  const map = new Map<string, PermRoom>();
  for (const r of rooms) {
    const root = isRootIn(r, ids);
    map.set(r.id, { id: r.id, parent: root ? '' : r.parentId, acl: r.acl ?? defaultAcl(root) });
  }
  return { rooms: map };
}

/** A person the client knows of. */
export interface KnownPerson {
  readonly keyHex: string;
  readonly name: string;
  /** Their role when signed in now; null for someone only named in rules. */
  readonly role: Role | null;
  /** Their room now; null when not signed in. */
  readonly roomId: string | null;
}

/**
 * Everyone the client knows: the roster first (one entry per identity, even
 * with several sessions), then identities named in rules or group lists,
 * with the name remembered in `names` if any.
 */
export function knownPeople(users: readonly UserView[], rooms: readonly RoomView[], names: ReadonlyMap<string, string> = new Map()): KnownPerson[] {
  const out = new Map<string, KnownPerson>();
  for (const u of users) {
    if (!out.has(u.publicKeyHex)) out.set(u.publicKeyHex, { keyHex: u.publicKeyHex, name: u.displayName, role: u.role, roomId: u.roomId });
  }
  const named = (keyHex: string): void => {
    if (!out.has(keyHex)) out.set(keyHex, { keyHex, name: names.get(keyHex) ?? '', role: null, roomId: null });
  };
  for (const r of rooms) {
    for (const rule of r.acl?.rules ?? []) if (rule.who.kind === 'key') named(rule.who.keyHex);
    for (const g of r.acl?.groups ?? []) for (const k of [...g.add, ...g.remove]) named(k);
  }
  return [...out.values()];
}

/** Display names by key, for the sentences (perms-text.ts). */
export function namesOf(people: readonly KnownPerson[]): Map<string, string> {
  return new Map(people.filter((p) => p.name).map((p) => [p.keyHex, p.name]));
}

/** The subject evaluation is about for a known person (an offline person counts as a member). */
export function personSubject(p: KnownPerson): Subject {
  return { keyHex: p.keyHex, role: p.role ?? 'member', roomId: p.roomId };
}

/** The local user as a subject (their role and room now). */
export function selfSubject(keyHex: string, role: Role | null, roomId: string | null): Subject {
  return { keyHex, role: role ?? 'guest', roomId };
}

/** A named group defined on a room, as the inspector lists it. */
export interface KnownGroup {
  readonly name: string;
  readonly roomId: string;
}

/** Every named group defined anywhere in the tree. */
export function knownGroups(rooms: readonly RoomView[]): KnownGroup[] {
  return rooms.flatMap((r) => (r.acl?.groups ?? []).map((g) => ({ name: g.name, roomId: r.id })));
}

/** The stand-in identity of "a member of group X" (never a real key: real keys are hex). */
const PROBE = '~member-of-group';

/**
 * "A member of group X": a stand-in identity added to the group where it is
 * defined, evaluated in a copy of the tree (a member with no other rules of
 * their own). The real tree is not touched.
 */
export function groupProbe(state: PermState, group: KnownGroup): { readonly state: PermState; readonly subject: Subject } {
  const rooms = new Map(state.rooms);
  const room = rooms.get(group.roomId);
  if (room) {
    const groups = room.acl.groups.map((g) => (g.name === group.name ? { ...g, add: [...g.add, PROBE], remove: g.remove.filter((k) => k !== PROBE) } : g));
    rooms.set(room.id, { ...room, acl: { ...room.acl, groups } });
  }
  // A password group admits by token, not by list: the stand-in holds the token too.
  return { state: { rooms }, subject: { keyHex: PROBE, role: 'member', roomId: null, passwordGroups: new Set([`${group.roomId}/${group.name}`]) } };
}

/**
 * The rooms where `who` holds `permission` (evaluated as the relay does), so
 * a non-admin who was given `edit-perms` in a room gets its "Permissions…"
 * entry, and one given `make-temp-room` its "New temporary room".
 */
export function permsEditableRooms(rooms: readonly RoomView[], who: Subject, permission: Permission = 'edit-perms'): Set<string> {
  const state = permStateOf(rooms);
  return new Set(rooms.filter((r) => has(permissionsOf(state, who, r.id), permission)).map((r) => r.id));
}
