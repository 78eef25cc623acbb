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
    const def = groupNamed(room, name);
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

/** One evaluation's fixed inputs, and group memberships already worked out (by context index, then name). */
interface Walk {
  readonly state: PermState;
  readonly path: readonly PermRoom[];
  readonly subject: Subject;
  readonly groups: (Map<string, boolean> | undefined)[];
}

function member(walk: Walk, ctx: number, name: string): boolean {
  let byName = walk.groups[ctx];
  if (!byName) walk.groups[ctx] = byName = new Map();
  let m = byName.get(name);
  if (m === undefined) {
    m = inGroup(walk.path, ctx, name, walk.subject);
    byName.set(name, m);
  }
  return m;
}

/** Whether a rule's who and where cover the subject: the allocation-free check the walk uses. */
function applies(walk: Walk, rule: Rule, room: PermRoom, ctx: number): boolean {
  const s = walk.subject;
  const w = rule.who;
  switch (w.kind) {
    case 'everyone':
      break;
    case 'guests':
      if (s.role !== 'guest') return false;
      break;
    case 'members':
      if (s.role !== 'member') return false;
      break;
    case 'admins':
      if (s.role !== 'admin') return false;
      break;
    case 'group':
      if (!member(walk, ctx, w.name)) return false;
      break;
    case 'key':
      if (s.keyHex === null || s.keyHex !== w.keyHex) return false;
      break;
  }
  return rule.where === 'anywhere' || matchWhere(rule, room, walk.state, s) === null;
}

function matchWho(who: Who, walk: Walk, ctx: number): Match {
  const subject = walk.subject;
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
      return member(walk, ctx, who.name)
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
  walk: Walk, index: number, ctx: number, asTarget: boolean, granted: PermSet, trace: TraceStep[] | null, inherited: boolean,
): PermSet {
  const room = walk.path[index]!;
  if (room.acl.rules.length === 0) return granted;
  const tiers = tiersOf(room.acl);
  const mask = index === 0 ? ALL : NOT_SERVER_WIDE;
  let g = granted;
  for (const rules of tiers) {
    if (rules.length === 0) continue;
    let allow = 0;
    let deny = 0;
    for (const rule of rules) {
      if (asTarget ? !rule.here : !rule.subs) continue;
      if (!applies(walk, rule, room, ctx)) continue;
      allow |= rule.allow;
      deny |= rule.deny;
    }
    allow &= mask;
    deny &= mask;
    if (trace) for (const rule of rules) trace.push(ruleStep(walk, index, ctx, asTarget, rule, mask, deny, inherited));
    g = (g | allow) & ~deny;
  }
  return g;
}

const TIERS = new WeakMap<RoomAcl, readonly (readonly Rule[])[]>();

/** A room's rules split by tier, in list order inside each (cached: ACLs are immutable). */
function tiersOf(acl: RoomAcl): readonly (readonly Rule[])[] {
  let t = TIERS.get(acl);
  if (!t) {
    const split: Rule[][] = [[], [], [], []];
    for (const r of acl.rules) split[tierOf(r.who)]!.push(r);
    TIERS.set(acl, (t = split));
  }
  return t;
}

function ruleStep(
  walk: Walk, index: number, ctx: number, asTarget: boolean, rule: Rule, mask: PermSet, tierDeny: PermSet, inherited: boolean,
): TraceStep {
  const room = walk.path[index]!;
  if (asTarget && !rule.here) return unmatched(room, rule, 'applies to sub-rooms only', inherited);
  if (!asTarget && !rule.subs) return unmatched(room, rule, `applies in ${room.id} only, not its sub-rooms`, inherited);
  const who = matchWho(rule.who, walk, ctx);
  if (!who.matched) return unmatched(room, rule, who.why, inherited);
  const where = matchWhere(rule, room, walk.state, walk.subject);
  if (where) return unmatched(room, rule, where.why, inherited);
  return { roomId: room.id, ruleId: rule.id, matched: true, why: who.why, set: rule.allow & mask & ~tierDeny, cleared: rule.deny & mask, inherited };
}

function unmatched(room: PermRoom, rule: Rule, why: string, inherited: boolean): TraceStep {
  return { roomId: room.id, ruleId: rule.id, matched: false, why, set: 0, cleared: 0, inherited };
}

// The hot path has no closures: under tsx (how the relay runs) every function
// expression is wrapped in a keep-names helper that costs a defineProperty per
// creation, which made a 100-rule evaluation ten times slower.
function groupNamed(room: PermRoom, name: string): GroupDef | undefined {
  for (const g of room.acl.groups) if (g.name === name) return g;
  return undefined;
}

const DENIES_SEE = 1;
const GROUP_BELOW = 2;

function anyRule(room: PermRoom, test: typeof DENIES_SEE | typeof GROUP_BELOW): boolean {
  for (const r of room.acl.rules) {
    if (test === DENIES_SEE ? (r.deny & SEE) !== 0 : r.subs && r.who.kind === 'group') return true;
  }
  return false;
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
function resultAt(walk: Walk, t: number): PermSet {
  let g = DEFAULT_BASE;
  for (let i = 0; i <= t; i++) {
    if (i > 0 && !walk.path[i]!.acl.inherit) g = DEFAULT_BASE;
    g = applyRoom(walk, i, t, i === t, g, null, i < t);
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
  const trace: TraceStep[] = [];
  return { permissions: walkTo(state, who, roomId, trace), trace };
}

/**
 * Only the permissions, without building a trace: what enforcement asks on
 * every op (evaluate again for the explanation when it refuses). Always equal
 * to `evaluate(...).permissions`.
 */
export function permissionsOf(state: PermState, who: Subject, roomId: string): PermSet {
  return walkTo(state, who, roomId, null);
}

function walkTo(state: PermState, who: Subject, roomId: string, trace: TraceStep[] | null): PermSet {
  if (who.role === 'admin') {
    trace?.push(builtIn(roomId, 'admin: admins may do everything', ALL, false));
    return ALL;
  }
  const path = pathTo(state, roomId);
  if (!path) {
    trace?.push(builtIn(roomId, 'no such room', 0, false));
    return 0;
  }
  const last = path.length - 1;
  trace?.push(builtIn(path[0]!.id, 'default: everyone may see, enter, speak, whisper, text and share files', DEFAULT_BASE, last > 0));
  const walk: Walk = { state, path, subject: who, groups: [] };
  let g = DEFAULT_BASE;
  let groupRulesAbove = false;
  let seeDenied = false;
  for (let i = 0; i <= last; i++) {
    const room = path[i]!;
    const inherited = i < last;
    if (i > 0 && !room.acl.inherit) {
      g = DEFAULT_BASE;
      trace?.push(builtIn(room.id, 'does not inherit: starts again from the defaults', DEFAULT_BASE, inherited));
    }
    if (!seeDenied) seeDenied = anyRule(room, DENIES_SEE);
    if (inherited) {
      // An ancestor the subject may not see hides everything below it. Only a
      // rule denying `see` on the way can hide it. Its own result sees named
      // groups from itself, not from the target; only when a group rule
      // applied above does that differ from the running result.
      const asTarget = !seeDenied ? SEE : groupRulesAbove ? resultAt(walk, i) : applyRoom(walk, i, i, true, g, null, true);
      if ((asTarget & SEE) === 0) {
        // The ancestor's own evaluation (only on this path, so the common walk
        // stays allocation-light) names the rule that took `see` away.
        trace?.push(hiddenStep(room.id, decidingStep(evaluate(state, who, room.id), 'see'), true));
        return 0;
      }
      g = applyRoom(walk, i, last, false, g, trace, true);
      if (!groupRulesAbove) groupRulesAbove = anyRule(room, GROUP_BELOW);
    } else {
      g = applyRoom(walk, i, i, true, g, trace, false);
      if ((g & SEE) === 0) {
        trace?.push(hiddenStep(room.id, trace && decidingStep({ permissions: 0, trace }, 'see'), false));
        return 0;
      }
    }
  }
  return g;
}
