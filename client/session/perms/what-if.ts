/**
 * The what-if diff over the people this client knows: perms/whatIf (the
 * relay's own evaluation) for every known person, before and after, spread
 * into one line per person, room and permission for the details list.
 */
import { listOf, whatIf } from '../../../perms/index.ts';
import type { Permission, PermState } from '../../../perms/index.ts';
import type { KnownPerson } from './perm-state.ts';
import { personSubject } from './perm-state.ts';

/** One person gaining or losing one permission in one room. */
export interface KnownPermChange {
  readonly keyHex: string;
  readonly name: string;
  readonly roomId: string;
  readonly permission: Permission;
  readonly gained: boolean;
}

/** The one-line summary ("removes speak from 14 members in 3 rooms") and every change. */
export function whatIfKnown(before: PermState, after: PermState, people: readonly KnownPerson[]): { readonly summary: string; readonly changes: KnownPermChange[] } {
  const result = whatIf(before, after, people.map(personSubject));
  const changes = result.changes.flatMap((c) => {
    const p = people[c.subject]!;
    const line = (permission: Permission, gained: boolean): KnownPermChange => ({ keyHex: p.keyHex, name: p.name, roomId: c.roomId, permission, gained });
    return [...listOf(c.lost).map((x) => line(x, false)), ...listOf(c.gained).map((x) => line(x, true))];
  });
  return { summary: result.summary, changes };
}
