/**
 * What a change does to people, in words: "removes speak from 14 members in
 * 3 rooms", "gives enter to Ana in 1 room", with one line per person and
 * room for the details list. Pure; the changes come from the what-if diff
 * over the people this client knows.
 */
import { PERMISSIONS } from '../../perms/index.ts';
import type { Permission, Role } from '../../perms/index.ts';
import { PERMISSION_TEXT } from './perms-text.ts';

/** One person gaining or losing one permission in one room. */
export interface PermChange {
  readonly keyHex: string;
  readonly name: string;
  readonly role: Role | null;
  readonly roomId: string;
  readonly permission: Permission;
  readonly gained: boolean;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** "14 members", "1 guest", "3 people", or the person's name when only one. */
function whom(changes: readonly PermChange[]): string {
  const people = new Map(changes.map((c) => [c.keyHex, c]));
  if (people.size === 1) return [...people.values()][0]!.name || 'one person';
  const roles = new Set([...people.values()].map((c) => c.role));
  if (roles.size === 1) {
    const role = [...roles][0];
    if (role) return plural(people.size, role, `${role}s`);
  }
  return plural(people.size, 'person', 'people');
}

/** One sentence per permission and direction, losses first; empty when nothing changes for anyone known. */
export function whatIfSummary(changes: readonly PermChange[]): string[] {
  const out: string[] = [];
  for (const gained of [false, true]) {
    for (const p of PERMISSIONS) {
      const these = changes.filter((c) => c.permission === p && c.gained === gained);
      if (these.length === 0) continue;
      const rooms = new Set(these.map((c) => c.roomId)).size;
      out.push(`${gained ? 'gives' : 'removes'} ${PERMISSION_TEXT[p]} ${gained ? 'to' : 'from'} ${whom(these)} in ${plural(rooms, 'room', 'rooms')}`);
    }
  }
  return out;
}

/** One line per person and room: "Ana loses speak in /Flight". */
export function whatIfDetails(changes: readonly PermChange[], path: (roomId: string) => string): string[] {
  return changes.map((c) => `${c.name || `identity ${c.keyHex.slice(0, 8)}…`} ${c.gained ? 'gains' : 'loses'} ${PERMISSION_TEXT[c.permission]} in ${path(c.roomId)}`);
}
