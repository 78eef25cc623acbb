/**
 * The one evaluation of permissions, shared by the relay (which enforces it)
 * and the client (which explains it). Walks root → room; in each room the
 * rules apply in fixed tiers (everyone → guests/members/admins → named groups
 * → one identity; a later tier wins, inside a tier a deny beats an allow),
 * never in list order. Admins hold everything. A room whose result lacks
 * `see` hides itself and its whole subtree. docs/PERMISSIONS.md is the
 * specification; test/perms/ checks this against a reference written from it.
 */
import type { Evaluation, GroupDef, PermRoom, PermState, RoomAcl, Rule, Subject, TraceStep, Who } from './model.ts';
import { ALL, bit, DEFAULT_BASE, SERVER_WIDE } from './permission.ts';
import type { Permission, PermSet } from './permission.ts';

const SEE = bit('see');
const NOT_SERVER_WIDE = ALL & ~SERVER_WIDE;

/** Tier of a rule's `who` inside one room: later tiers override earlier ones. */
export function tierOf(who: Who): 0 | 1 | 2 | 3 {
  switch (who.kind) {
    case 'everyone':
      return 0;
    case 'guests':
    case 'members':
    case 'admins':
      return 1;
    case 'group':
      return 2;
    case 'key':
      return 3;
  }
}

/** The ACL of a room nobody has edited: no rules, no groups; the root has nothing to inherit from. */
export function defaultAcl(isRoot: boolean): RoomAcl {
  return { inherit: !isRoot, rules: [], groups: [] };
}

/**
 * Rooms from the root down to `roomId`, or null when the room is unknown or
 * its parent chain is broken (missing parent, cycle): such a room grants nothing.
 */
export function pathTo(state: PermState, roomId: string): PermRoom[] | null {
  const out: PermRoom[] = [];
  let room = state.rooms.get(roomId);
  // Bounded walk: a corrupt tree with a cycle must not hang the relay.
  for (let steps = 0; room && steps <= state.rooms.size; steps++) {
    out.push(room);
    if (room.parent === '') return out.reverse();
    room = state.rooms.get(room.parent);
  }
  return null;
}

/** Whether `roomId` is a strict descendant of `ancestorId`. */
function isStrictDescendant(state: PermState, roomId: string, ancestorId: string): boolean {
  let id = state.rooms.get(roomId)?.parent ?? '';
  for (let steps = 0; id !== '' && steps <= state.rooms.size; steps++) {
    if (id === ancestorId) return true;
    id = state.rooms.get(id)?.parent ?? '';
  }
  return false;
}

/**
 * Whether the subject belongs to group `name` seen from `path[ctx]`
 * (Mumble's semantics): collect same-named definitions walking up until one
 * does not inherit (an ancestor's definition counts only if inheritable), then
 * apply add/remove from the top down. A password group also admits whoever
 * holds that room's token.
 */
export function inGroup(path: readonly PermRoom[], ctx: number, name: string, who: Subject): boolean {
  const stack: { readonly roomId: string; readonly def: GroupDef }[] = [];
  for (let j = ctx; j >= 0; j--) {
    const room = path[j]!;
    const def = room.acl.groups.find((g) => g.name === name);
    if (!def) continue;
    if (j !== ctx && !def.inheritable) break;
    stack.push({ roomId: room.id, def });
    if (!def.inherit) break;
  }
  let member = false;
  for (let k = stack.length - 1; k >= 0; k--) {
    const { roomId, def } = stack[k]!;
    if (def.password && who.passwordGroups?.has(`${roomId}/${name}`)) member = true;
    if (who.keyHex === null) continue;
    if (def.add.includes(who.keyHex)) member = true;
    if (def.remove.includes(who.keyHex)) member = false;
  }
  return member;
}

interface Match {
  readonly matched: boolean;
  readonly why: string;
}

function matchWho(who: Who, path: readonly PermRoom[], ctx: number, subject: Subject): Match {
  switch (who.kind) {
    case 'everyone':
      return { matched: true, why: 'applies to everyone' };
    case 'guests':
      return subject.role === 'guest' ? { matched: true, why: 'applies to guests' } : { matched: false, why: 'applies to guests only' };
    case 'members':
      return subject.role === 'member' ? { matched: true, why: 'applies to members' } : { matched: false, why: 'applies to members only' };
    case 'admins':
      return subject.role === 'admin' ? { matched: true, why: 'applies to admins' } : { matched: false, why: 'applies to admins only' };
    case 'group':
      return inGroup(path, ctx, who.name, subject)
        ? { matched: true, why: `in group "${who.name}"` }
        : { matched: false, why: `not in group "${who.name}"` };
    case 'key':
      return subject.keyHex !== null && subject.keyHex === who.keyHex
        ? { matched: true, why: 'names this identity' }
        : { matched: false, why: 'names another identity' };
  }
}

function matchWhere(rule: Rule, ruleRoom: PermRoom, state: PermState, subject: Subject): Match | null {
  const here = subject.roomId === ruleRoom.id;
  switch (rule.where) {
    case 'anywhere':
      return null;
    case 'in-room':
      return here ? null : { matched: false, why: `only while in ${ruleRoom.id}` };
    case 'in-sub-room':
      return subject.roomId !== null && isStrictDescendant(state, subject.roomId, ruleRoom.id) ? null : { matched: false, why: `only while in a sub-room of ${ruleRoom.id}` };
    case 'outside':
      return subject.roomId === null || (!here && !isStrictDescendant(state, subject.roomId, ruleRoom.id)) ? null : { matched: false, why: `only while outside ${ruleRoom.id}` };
  }
}

/**
 * Applies one room's rules to `granted`. `asTarget`: the room is the one asked
 * about (rules with `here` apply) rather than an ancestor (rules with `subs`).
 * `ctx`: index in `path` of the room group membership is seen from. Pushes one
 * step per rule to `trace` when given.
 */
function applyRoom(
  state: PermState, path: readonly PermRoom[], index: number, ctx: number, asTarget: boolean,
  subject: Subject, granted: PermSet, trace: TraceStep[] | null, inherited: boolean,
): PermSet {
  const room = path[index]!;
  const rules = room.acl.rules;
  if (rules.length === 0) return granted;
  const mask = index === 0 ? ALL : NOT_SERVER_WIDE;
  let g = granted;
  for (let tier = 0; tier <= 3; tier++) {
    let allow = 0;
    let deny = 0;
    let any = false;
    for (const rule of rules) {
      if (tierOf(rule.who) !== tier) continue;
      any = true;
      if (asTarget ? !rule.here : !rule.subs) continue;
      if (!matchWho(rule.who, path, ctx, subject).matched || matchWhere(rule, room, state, subject)) continue;
      allow |= rule.allow;
      deny |= rule.deny;
    }
    if (!any) continue;
    allow &= mask;
    deny &= mask;
    if (trace) {
      for (const rule of rules) {
        if (tierOf(rule.who) !== tier) continue;
        trace.push(ruleStep(state, path, index, ctx, asTarget, subject, rule, mask, deny, inherited));
      }
    }
    g = (g | allow) & ~deny;
  }
  return g;
}

function ruleStep(
  state: PermState, path: readonly PermRoom[], index: number, ctx: number, asTarget: boolean,
  subject: Subject, rule: Rule, mask: PermSet, tierDeny: PermSet, inherited: boolean,
): TraceStep {
  const room = path[index]!;
  const base = { roomId: room.id, ruleId: rule.id, inherited };
  if (asTarget && !rule.here) return { ...base, matched: false, why: 'applies to sub-rooms only', set: 0, cleared: 0 };
  if (!asTarget && !rule.subs) return { ...base, matched: false, why: `applies in ${room.id} only, not its sub-rooms`, set: 0, cleared: 0 };
  const who = matchWho(rule.who, path, ctx, subject);
  if (!who.matched) return { ...base, matched: false, why: who.why, set: 0, cleared: 0 };
  const where = matchWhere(rule, room, state, subject);
  if (where) return { ...base, matched: false, why: where.why, set: 0, cleared: 0 };
  return { ...base, matched: true, why: who.why, set: rule.allow & mask & ~tierDeny, cleared: rule.deny & mask };
}

function builtIn(roomId: string, why: string, set: PermSet, inherited: boolean): TraceStep {
  return { roomId, ruleId: null, matched: true, why, set, cleared: ALL & ~set, inherited };
}

/** The step that last set or cleared `p` (the deciding rule), for refusals and the inspector. */
export function decidingStep(e: Evaluation, p: Permission): TraceStep | null {
  const b = bit(p);
  for (let i = e.trace.length - 1; i >= 0; i--) {
    const s = e.trace[i]!;
    if (s.matched && ((s.set | s.cleared) & b) !== 0) return s;
  }
  return null;
}

function hiddenStep(roomId: string, decider: TraceStep | null, inherited: boolean): TraceStep {
  return { roomId, ruleId: decider?.ruleId ?? null, matched: true, why: `hidden: may not see ${roomId}, so nothing in or below it`, set: 0, cleared: ALL, inherited };
}

/** The permissions in `path[t]` before the visibility rule, groups seen from `path[t]`; no trace. */
function resultAt(state: PermState, path: readonly PermRoom[], t: number, who: Subject): PermSet {
  let g = DEFAULT_BASE;
  for (let i = 0; i <= t; i++) {
    if (i > 0 && !path[i]!.acl.inherit) g = DEFAULT_BASE;
    g = applyRoom(state, path, i, t, i === t, who, g, null, i < t);
  }
  return g;
}

/**
 * What `who` may do in `roomId`, and a trace of every step: the built-in
 * admin step (admins hold everything), the default base, each room's
 * no-inherit reset, and every rule on the path with whether it matched and
 * why, what it set or cleared, and whether it is inherited.
 */
export function evaluate(state: PermState, who: Subject, roomId: string): Evaluation {
  if (who.role === 'admin') {
    return { permissions: ALL, trace: [builtIn(roomId, 'admin: admins may do everything', ALL, false)] };
  }
  const path = pathTo(state, roomId);
  if (!path) return { permissions: 0, trace: [builtIn(roomId, 'no such room', 0, false)] };
  const last = path.length - 1;
  const trace: TraceStep[] = [builtIn(path[0]!.id, 'default: everyone may see, enter, speak, whisper, text and share files', DEFAULT_BASE, last > 0)];
  let g = DEFAULT_BASE;
  let groupRulesAbove = false;
  for (let i = 0; i <= last; i++) {
    const room = path[i]!;
    const inherited = i < last;
    if (i > 0 && !room.acl.inherit) {
      g = DEFAULT_BASE;
      trace.push(builtIn(room.id, 'does not inherit: starts again from the defaults', DEFAULT_BASE, inherited));
    }
    if (inherited) {
      // An ancestor the subject may not see hides everything below it. Its own
      // result sees named groups from itself, not from the target; only when a
      // group rule applied above does that differ from the running result.
      const asTarget = groupRulesAbove ? resultAt(state, path, i, who) : applyRoom(state, path, i, i, true, who, g, null, true);
      if ((asTarget & SEE) === 0) {
        // The ancestor's own evaluation (only on this path, so the common walk
        // stays allocation-light) names the rule that took `see` away.
        trace.push(hiddenStep(room.id, decidingStep(evaluate(state, who, room.id), 'see'), true));
        return { permissions: 0, trace };
      }
      g = applyRoom(state, path, i, last, false, who, g, trace, true);
      if (!groupRulesAbove) groupRulesAbove = room.acl.rules.some((r) => r.subs && r.who.kind === 'group');
    } else {
      g = applyRoom(state, path, i, i, true, who, g, trace, false);
      if ((g & SEE) === 0) {
        trace.push(hiddenStep(room.id, decidingStep({ permissions: 0, trace }, 'see'), false));
        return { permissions: 0, trace };
      }
    }
  }
  return { permissions: g, trace };
}
