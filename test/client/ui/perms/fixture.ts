/** A small permission tree shared by the perms UI tests: Org › Events › Talk, and Staff hidden from guests. */
import { setOf } from '../../../../perms/index.ts';
import type { RoomAcl } from '../../../../perms/index.ts';
import type { RoomView } from '../../../../client/session/index.ts';
import type { KnownPerson } from '../../../../client/session/perms/perm-state.ts';

export const ANA = 'a'.repeat(64);
export const BO = 'b'.repeat(64);

const eventsAcl: RoomAcl = {
  inherit: true,
  rules: [{ id: 'r-guests1', label: 'guests: no speak', who: { kind: 'guests' }, where: 'anywhere', allow: 0, deny: setOf('speak'), here: true, subs: true }],
  groups: [{ name: 'officers', inherit: true, inheritable: true, add: [ANA], remove: [] }],
};
const staffAcl: RoomAcl = {
  inherit: true,
  rules: [{ id: 'r-staff1', label: 'staff only', who: { kind: 'guests' }, where: 'anywhere', allow: 0, deny: setOf('see'), here: true, subs: true }],
  groups: [],
};

const room = (id: string, name: string, parentId: string, position: number, acl?: RoomAcl): RoomView => ({
  id, name, parentId, position, voiceId: position + 1, description: '', userLimit: 0, pending: false, ...(acl ? { acl } : {}),
});

export const permRooms: RoomView[] = [
  room('root', 'Org', '', 0),
  room('events', 'Events', 'root', 0, eventsAcl),
  room('talk', 'Talk', 'events', 0),
  room('staff', 'Staff', 'root', 1, staffAcl),
];

export const people: KnownPerson[] = [
  { keyHex: ANA, name: 'Ana', role: 'member', roomId: 'events' },
  { keyHex: BO, name: 'Bo', role: 'guest', roomId: 'root' },
];
