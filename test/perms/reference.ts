/**
 * A small reference model of docs/PERMISSIONS.md ("The algorithm"), written
 * straight from the text and independently of perms/evaluate.ts: recursive
 * where the real one walks, no trace, no shortcuts. Property tests compare the
 * two on random trees; a difference means one of them disagrees with the doc.
 */
import type { PermRoom, PermState, Rule, Subject } from '../../perms/index.ts';
import { ALL, DEFAULT_BASE, SERVER_WIDE } from '../../perms/index.ts';

const SEE = 1; // PERMISSIONS[0] is 'see'

/** Root first, or null for an unknown room or a broken chain. */
function chain(state: PermState, roomId: string, seen: Set<string> = new Set()): PermRoom[] | null {
  const room = state.rooms.get(roomId);
  if (!room || seen.has(roomId)) return null;
  if (room.parent === '') return [room];
  seen.add(roomId);
  const up = chain(state, room.parent, seen);
  return up ? [...up, room] : null;
}

/** Doc: "a named group seen from a room": its nearest definition, inheriting upward while `inherit` and the parent's is `inheritable`. */
function member(path: readonly PermRoom[], j: number, name: string, s: Subject, atContext: boolean): boolean {
  if (j < 0) return false;
  const def = path[j]!.acl.groups.find((g) => g.name === name);
  if (!def) return member(path, j - 1, name, s, false);
  if (!atContext && !def.inheritable) return false;
  const inherited = def.inherit && member(path, j - 1, name, s, false);
  const token = def.password === true && (s.passwordGroups?.has(`${path[j]!.id}/${name}`) ?? false);
  const added = s.keyHex !== null && def.add.includes(s.keyHex);
  const removed = s.keyHex !== null && def.remove.includes(s.keyHex);
  return (inherited || token || added) && !removed;
}

function under(state: PermState, roomId: string | null, ancestor: string): boolean {
  if (roomId === null) return false;
  const c = chain(state, roomId);
  return c !== null && c.slice(0, -1).some((r) => r.id === ancestor);
}

/** Doc: "Who" and "Where" of one rule on `ruleRoom`, groups seen from `path[context]`. */
function applies(state: PermState, rule: Rule, ruleRoom: PermRoom, path: readonly PermRoom[], context: number, s: Subject): boolean {
  const w = rule.who;
  const who =
    w.kind === 'everyone' ||
    (w.kind === 'guests' && s.role === 'guest') ||
    (w.kind === 'members' && s.role === 'member') ||
    (w.kind === 'admins' && s.role === 'admin') ||
    (w.kind === 'group' && member(path, context, w.name, s, true)) ||
    (w.kind === 'key' && s.keyHex !== null && s.keyHex === w.keyHex);
  if (!who) return false;
  const inRoom = s.roomId === ruleRoom.id;
  const inSub = under(state, s.roomId, ruleRoom.id);
  switch (rule.where) {
    case 'anywhere': return true;
    case 'in-room': return inRoom;
    case 'in-sub-room': return inSub;
    case 'outside': return !inRoom && !inSub;
  }
}

const TIERS: readonly (readonly string[])[] = [['everyone'], ['guests', 'members', 'admins'], ['group'], ['key']];

/** Doc steps 2-4 for `path[t]` as the room asked about, without the visibility rule. */
function raw(state: PermState, path: readonly PermRoom[], t: number, s: Subject): number {
  let g = DEFAULT_BASE;
  for (let i = 0; i <= t; i++) {
    const room = path[i]!;
    if (i > 0 && !room.acl.inherit) g = DEFAULT_BASE;
    const mask = i === 0 ? ALL : ALL & ~SERVER_WIDE;
    for (const tier of TIERS) {
      const rules = room.acl.rules.filter((r) => tier.includes(r.who.kind) && (i === t ? r.here : r.subs) && applies(state, r, room, path, t, s));
      const allow = rules.reduce((a, r) => a | r.allow, 0) & mask;
      const deny = rules.reduce((a, r) => a | r.deny, 0) & mask;
      g = (g | allow) & ~deny;
    }
  }
  return g;
}

/** The reference evaluation: the permission set only. */
export function referenceEvaluate(state: PermState, s: Subject, roomId: string): number {
  if (s.role === 'admin') return ALL;
  const path = chain(state, roomId);
  if (!path) return 0;
  // Doc step 5: a room is hidden when it, or any room above it, evaluates without `see`.
  for (let j = 0; j < path.length; j++) if ((raw(state, path, j, s) & SEE) === 0) return 0;
  return raw(state, path, path.length - 1, s);
}
