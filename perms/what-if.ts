/**
 * What a change would do, before it is saved: for each subject and room, the
 * permissions gained and lost between two states, and a one-line summary
 * ("removes speak from 14 members in 3 rooms"). Pure; evaluates both states.
 */
import { evaluate } from './evaluate.ts';
import type { PermState, Subject } from './model.ts';
import { bit, PERMISSIONS } from './permission.ts';
import type { Permission, PermSet } from './permission.ts';

/** One subject's change in one room. */
export interface PermChange {
  /** Index into the subjects passed to {@link whatIf}. */
  readonly subject: number;
  readonly roomId: string;
  readonly gained: PermSet;
  readonly lost: PermSet;
}

/** Every change and the summary line. */
export interface WhatIf {
  readonly changes: readonly PermChange[];
  readonly summary: string;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function noun(subjects: readonly Subject[], who: ReadonlySet<number>): [string, string] {
  const roles = new Set([...who].map((i) => subjects[i]!.role));
  if (roles.size === 1 && roles.has('member')) return ['member', 'members'];
  if (roles.size === 1 && roles.has('guest')) return ['guest', 'guests'];
  return ['person', 'people'];
}

/**
 * Compares `before` and `after` for `subjects` in `rooms` (default: every
 * room in either state). A room missing from one state grants nothing there.
 */
export function whatIf(before: PermState, after: PermState, subjects: readonly Subject[], rooms?: readonly string[]): WhatIf {
  const ids = rooms ?? [...new Set([...before.rooms.keys(), ...after.rooms.keys()])];
  const changes: PermChange[] = [];
  for (const roomId of ids) {
    subjects.forEach((s, subject) => {
      const was = evaluate(before, s, roomId).permissions;
      const now = evaluate(after, s, roomId).permissions;
      if (was !== now) changes.push({ subject, roomId, gained: now & ~was, lost: was & ~now });
    });
  }
  const parts: string[] = [];
  for (const [verb, pick, prep] of [['removes', (c: PermChange) => c.lost, 'from'], ['gives', (c: PermChange) => c.gained, 'to']] as const) {
    for (const p of PERMISSIONS) {
      const hit = changes.filter((c) => (pick(c) & bit(p as Permission)) !== 0);
      if (hit.length === 0) continue;
      const who = new Set(hit.map((c) => c.subject));
      const where = new Set(hit.map((c) => c.roomId));
      const [one, many] = noun(subjects, who);
      parts.push(`${verb} ${p} ${prep} ${plural(who.size, one, many)} in ${plural(where.size, 'room', 'rooms')}`);
    }
  }
  return { changes, summary: parts.length === 0 ? "changes nobody's permissions" : parts.join('; ') };
}
