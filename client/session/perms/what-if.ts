/**
 * The what-if diff over the people this client knows: who gains or loses
 * which permission in which room if `after` replaced `before`. Every known
 * person is evaluated in every room of both trees (perms/evaluate, the
 * relay's own answer), so the editor can show the effect before saving.
 */
import { evaluate, PERMISSIONS, has } from '../../../perms/index.ts';
import type { PermState } from '../../../perms/index.ts';
import type { KnownPerson } from './perm-state.ts';
import { personSubject } from './perm-state.ts';

/** One person gaining or losing one permission in one room. */
export interface KnownPermChange {
  readonly keyHex: string;
  readonly name: string;
  readonly role: KnownPerson['role'];
  readonly roomId: string;
  readonly permission: (typeof PERMISSIONS)[number];
  readonly gained: boolean;
}

/** Every change for every known person, in room then permission order. */
export function whatIfKnown(before: PermState, after: PermState, people: readonly KnownPerson[]): KnownPermChange[] {
  const out: KnownPermChange[] = [];
  for (const person of people) {
    const subject = personSubject(person);
    for (const roomId of after.rooms.keys()) {
      const a = evaluate(before, subject, roomId).permissions;
      const b = evaluate(after, subject, roomId).permissions;
      if (a === b) continue;
      for (const p of PERMISSIONS) {
        if (has(a, p) !== has(b, p)) out.push({ keyHex: person.keyHex, name: person.name, role: person.role, roomId, permission: p, gained: has(b, p) });
      }
    }
  }
  return out;
}
