/**
 * Warnings about an ACL state, for the editor: rules that never match or
 * change nothing, rules fully overridden by another, rules and groups naming
 * identities nobody holds or groups nobody defines, hiding the root from
 * everyone, and an editor (not an admin) who would lose edit-perms on the
 * room they are editing. Pure; nothing here refuses an edit.
 */
import { evaluate, pathTo, tierOf } from './evaluate.ts';
import type { PermRoom, PermState, Rule, Subject } from './model.ts';
import { has, listOf, SERVER_WIDE } from './permission.ts';

/** What kind of problem. */
export type LintKind = 'never-applies' | 'no-effect' | 'ignored-permissions' | 'overridden' | 'unknown-key' | 'unknown-group' | 'hides-root' | 'self-lockout';

/** One warning: where, which rule (null for a group or room), and a sentence. */
export interface LintIssue {
  readonly kind: LintKind;
  readonly roomId: string;
  readonly ruleId: string | null;
  readonly message: string;
}

/** Who is editing, and the room they edit (for the self-lockout check). */
export interface LintEditor {
  readonly subject: Subject;
  readonly roomId: string;
}

function sameWho(a: Rule, b: Rule): boolean {
  return JSON.stringify(a.who) === JSON.stringify(b.who) && a.where === b.where;
}

/** `other` decides everything `r` would: same who and where, applies wherever r does, and r's bits all lose to or repeat other's. */
function overriddenBy(r: Rule, other: Rule): boolean {
  return sameWho(r, other) && (!r.here || other.here) && (!r.subs || other.subs) &&
    (r.allow & ~(other.allow | other.deny)) === 0 && (r.deny & ~other.deny) === 0 && (r.allow | r.deny) !== 0;
}

function groupDefinedNear(state: PermState, room: PermRoom, name: string): boolean {
  // Groups are seen from the room evaluated, so a definition above or below the rule's room can match.
  if (pathTo(state, room.id)?.some((r) => r.acl.groups.some((g) => g.name === name))) return true;
  const below = [room.id];
  for (let i = 0; i < below.length && i <= state.rooms.size; i++) {
    for (const r of state.rooms.values()) {
      if (r.parent !== below[i]) continue;
      if (r.acl.groups.some((g) => g.name === name)) return true;
      below.push(r.id);
    }
  }
  return false;
}

function lintRule(state: PermState, room: PermRoom, r: Rule, knownKeys: ReadonlySet<string>, out: LintIssue[]): void {
  const at = (kind: LintKind, message: string) => out.push({ kind, roomId: room.id, ruleId: r.id, message });
  const name = `"${r.label || r.id}"`;
  if (!r.here && !r.subs) at('never-applies', `${name} applies neither here nor in sub-rooms`);
  if (r.who.kind === 'admins') at('no-effect', `${name} is about admins, who hold every permission anyway`);
  else if ((r.allow | r.deny) === 0) at('no-effect', `${name} allows and denies nothing`);
  if (room.parent !== '' && ((r.allow | r.deny) & SERVER_WIDE) !== 0) {
    at('ignored-permissions', `${name} sets ${listOf((r.allow | r.deny) & SERVER_WIDE).join(', ')}, which only rules on the root decide`);
  }
  if (r.who.kind === 'key' && !knownKeys.has(r.who.keyHex)) at('unknown-key', `${name} names an identity this relay does not know`);
  if (r.who.kind === 'group' && !groupDefinedNear(state, room, r.who.name)) at('unknown-group', `${name} names group "${r.who.name}", which no room above or below defines`);
  if (room.parent === '' && r.who.kind === 'everyone' && r.here && has(r.deny, 'see')) at('hides-root', `${name} hides the root, and so every room, from everyone but admins and those a later rule lets see`);
  for (const other of room.acl.rules) {
    if (other === r || tierOf(other.who) !== tierOf(r.who)) continue;
    // Of two rules that override each other (duplicates), only the later one is reported.
    if (overriddenBy(r, other) && !(overriddenBy(other, r) && room.acl.rules.indexOf(other) > room.acl.rules.indexOf(r))) {
      at('overridden', `${name} is fully overridden by "${other.label || other.id}" on the same room`);
      break;
    }
  }
}

/**
 * Every warning about `state`. `knownKeys`: the identities the relay knows
 * (hex). `editor`: a non-admin editing `roomId` is warned when the state
 * leaves them without edit-perms there.
 */
export function lint(state: PermState, knownKeys: ReadonlySet<string>, editor?: LintEditor): LintIssue[] {
  const out: LintIssue[] = [];
  for (const room of state.rooms.values()) {
    for (const r of room.acl.rules) lintRule(state, room, r, knownKeys, out);
    for (const g of room.acl.groups) {
      const unknown = [...g.add, ...g.remove].filter((k) => !knownKeys.has(k));
      if (unknown.length > 0) out.push({ kind: 'unknown-key', roomId: room.id, ruleId: null, message: `group "${g.name}" lists ${unknown.length} identit${unknown.length === 1 ? 'y' : 'ies'} this relay does not know` });
    }
  }
  if (editor && editor.subject.role !== 'admin' && state.rooms.has(editor.roomId) && !has(evaluate(state, editor.subject, editor.roomId).permissions, 'edit-perms')) {
    out.push({ kind: 'self-lockout', roomId: editor.roomId, ruleId: null, message: 'after this change you could no longer edit the permissions of this room (an admin still can)' });
  }
  return out;
}
