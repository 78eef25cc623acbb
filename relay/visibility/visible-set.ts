/**
 * Which rooms one person may not see: the hidden set that names their
 * visibility class (docs/ARCHITECTURE.md, "Hidden rooms"). Pure.
 *
 * A class is named by the rooms it hides, not the rooms it shows: a new
 * visible room then leaves every class as it was (its projection just gains
 * the record), and the common class, nothing hidden, is the full document.
 * The root is never hidden: it is the server's own entry (its name is the
 * server name every client already has) and every replica needs it to draw
 * a tree at all.
 */
import { evaluate, has } from '../../perms/index.ts';
import type { PermState, Subject } from '../../perms/index.ts';
import type { Rooms } from '../../crdt/index.ts';
import { bit } from '../../perms/index.ts';

const SEE = bit('see');

/** The rooms a class may not see (empty: the class "everything"). */
export type Hidden = ReadonlySet<string>;

/** The class that hides nothing: sessions in it are served the full tree document. */
export const NOTHING_HIDDEN: Hidden = new Set<string>();

/** The permission model's view of the tree: room records are PermRooms already (as crdt/authorize.ts uses them), so no copy. */
export function permStateOf(rooms: Rooms): PermState {
  return { rooms };
}

/** Facts about a state that make computing classes cheap (computed once per state). */
export interface StateFacts {
  /** Some rule somewhere denies `see`: without one, nobody has anything hidden. */
  readonly hidesAnything: boolean;
  /** Some rule depends on where the subject is: then the subject's room is part of its class. */
  readonly whereMatters: boolean;
  /** Keys named by rules or groups: only those keys are part of a class signature. */
  readonly namedKeys: ReadonlySet<string>;
}

/** See {@link StateFacts}. */
export function factsOf(state: PermState): StateFacts {
  let hidesAnything = false;
  let whereMatters = false;
  const namedKeys = new Set<string>();
  for (const room of state.rooms.values()) {
    for (const rule of room.acl.rules) {
      if ((rule.deny & SEE) !== 0) hidesAnything = true;
      if (rule.where !== 'anywhere') whereMatters = true;
      if (rule.who.kind === 'key') namedKeys.add(rule.who.keyHex);
    }
    for (const g of room.acl.groups) for (const k of [...g.add, ...g.remove]) namedKeys.add(k);
  }
  return { hidesAnything, whereMatters, namedKeys };
}

/**
 * What of a subject can change its hidden set, as one string: two subjects
 * with the same signature see the same rooms. Most people share one per role,
 * so a relay computes a handful of hidden sets, not one per session.
 */
export function signatureOf(subject: Subject, facts: StateFacts): string {
  if (subject.role === 'admin') return 'admin';
  const key = subject.keyHex !== null && facts.namedKeys.has(subject.keyHex) ? subject.keyHex : '';
  const room = facts.whereMatters ? (subject.roomId ?? '') : '';
  const pw = subject.passwordGroups && subject.passwordGroups.size > 0 ? [...subject.passwordGroups].sort().join(',') : '';
  return `${subject.role}|${key}|${room}|${pw}`;
}

/** The rooms of `state` that `subject` may not see (never the root). */
export function hiddenRooms(state: PermState, subject: Subject, facts: StateFacts = factsOf(state)): Hidden {
  if (!facts.hidesAnything || subject.role === 'admin') return NOTHING_HIDDEN;
  const hidden = new Set<string>();
  for (const room of state.rooms.values()) {
    if (room.parent === '') continue;
    if (!has(evaluate(state, subject, room.id).permissions, 'see')) hidden.add(room.id);
  }
  return hidden.size === 0 ? NOTHING_HIDDEN : hidden;
}

/** A stable name for a hidden set (the projection registry's key). */
export function hiddenKey(hidden: Hidden): string {
  return hidden.size === 0 ? '' : [...hidden].sort().join('\n');
}

/** The rooms a class sees: `rooms` without `hidden`. */
export function projectRooms(rooms: Rooms, hidden: Hidden): Rooms {
  if (hidden.size === 0) return new Map(rooms);
  const out: Rooms = new Map();
  for (const [id, r] of rooms) if (!hidden.has(id)) out.set(id, r);
  return out;
}
