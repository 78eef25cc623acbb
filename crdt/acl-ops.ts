/**
 * The ACL op kinds over the tree: what must hold for each (`checkAclOp`) and
 * what each does (`applyAclOp`). One op edits one rule or one group, so two
 * admins' offline edits to different rules of a room both apply, and the
 * later of two edits to the same rule wins (the relay orders them).
 */
import { aclBytes, decodeGroup, decodeRule, defaultAcl, MAX_ACL_BYTES, MAX_GROUPS_PER_ROOM, MAX_RULES_PER_ROOM, MAX_TREE_ACL_BYTES } from '../perms/index.ts';
import type { RoomAcl } from '../perms/index.ts';
import type { OpIntent } from './op.ts';
import type { Rejection } from './rejection.ts';
import type { RoomRecord, Rooms } from './room.ts';

/** The ACL op intents. */
export type AclOp = Extract<OpIntent, { kind: 'acl.rule.put' | 'acl.rule.delete' | 'acl.group.put' | 'acl.group.delete' | 'acl.inherit' }>;

/** Whether `op` is an ACL op. */
export function isAclOp(op: OpIntent): op is AclOp {
  return op.kind.startsWith('acl.');
}

/** The room's ACL after `op`, or why `op` is invalid on it. */
function nextAcl(room: RoomRecord, op: AclOp): RoomAcl | Rejection {
  const acl = room.acl;
  switch (op.kind) {
    case 'acl.rule.put': {
      const r = decodeRule(op.args.rule);
      if (!r.ok) return { code: 'bad-value', reason: `rule: ${r.reason}` };
      const at = acl.rules.findIndex((x) => x.id === r.value.id);
      if (at < 0 && acl.rules.length >= MAX_RULES_PER_ROOM) return { code: 'bad-value', reason: `at most ${MAX_RULES_PER_ROOM} rules per room` };
      const rules = at < 0 ? [...acl.rules, r.value] : acl.rules.map((x, i) => (i === at ? r.value : x));
      return { ...acl, rules };
    }
    case 'acl.rule.delete':
      if (!acl.rules.some((x) => x.id === op.args.ruleId)) return { code: 'bad-value', reason: `no rule ${JSON.stringify(op.args.ruleId)} on ${room.id}` };
      return { ...acl, rules: acl.rules.filter((x) => x.id !== op.args.ruleId) };
    case 'acl.group.put': {
      const g = decodeGroup(op.args.group);
      if (!g.ok) return { code: 'bad-value', reason: `group: ${g.reason}` };
      const at = acl.groups.findIndex((x) => x.name === g.value.name);
      if (at < 0 && acl.groups.length >= MAX_GROUPS_PER_ROOM) return { code: 'bad-value', reason: `at most ${MAX_GROUPS_PER_ROOM} groups per room` };
      const groups = at < 0 ? [...acl.groups, g.value] : acl.groups.map((x, i) => (i === at ? g.value : x));
      return { ...acl, groups };
    }
    case 'acl.group.delete':
      if (!acl.groups.some((x) => x.name === op.args.name)) return { code: 'bad-value', reason: `no group ${JSON.stringify(op.args.name)} on ${room.id}` };
      return { ...acl, groups: acl.groups.filter((x) => x.name !== op.args.name) };
    case 'acl.inherit':
      if (room.parent === '') return { code: 'root-protected', reason: 'the root has nothing to inherit from' };
      if (op.args.inherit !== 0 && op.args.inherit !== 1) return { code: 'bad-value', reason: 'inherit is 0 or 1' };
      return { ...acl, inherit: op.args.inherit === 1 };
  }
}

function isRejection(v: RoomAcl | Rejection): v is Rejection {
  return 'code' in v;
}

// A room at its default ACL costs a few dozen bytes; only edited ones are measured.
function treeAclBytes(rooms: Rooms, exceptId: string): number {
  let n = 0;
  for (const r of rooms.values()) if (r.id !== exceptId && (r.acl.rules.length > 0 || r.acl.groups.length > 0)) n += aclBytes(r.acl);
  return n;
}

/** Checks an ACL op against the tree: the room exists, the value is valid and canonical, every limit holds. */
export function checkAclOp(rooms: Rooms, op: AclOp): Rejection | null {
  const room = rooms.get(op.args.roomId);
  if (!room) return { code: 'unknown-room', reason: `no room ${JSON.stringify(op.args.roomId)}` };
  const next = nextAcl(room, op);
  if (isRejection(next)) return next;
  const bytes = aclBytes(next);
  if (bytes > MAX_ACL_BYTES) return { code: 'bad-value', reason: `a room's permissions are at most ${MAX_ACL_BYTES} bytes` };
  if (op.kind.endsWith('.put') && bytes + treeAclBytes(rooms, room.id) > MAX_TREE_ACL_BYTES) {
    return { code: 'bad-value', reason: `all rooms' permissions together are at most ${MAX_TREE_ACL_BYTES} bytes` };
  }
  return null;
}

/** Applies a checked ACL op in place; returns the changed room ids (none if the op no longer applies). */
export function applyAclOp(rooms: Rooms, op: AclOp): Set<string> {
  const room = rooms.get(op.args.roomId);
  if (!room) return new Set();
  const next = nextAcl(room, op);
  if (isRejection(next)) return new Set();
  rooms.set(room.id, { ...room, acl: next });
  return new Set([room.id]);
}

/** The ACL a newly created room starts with. */
export function newRoomAcl(): RoomAcl {
  return defaultAcl(false);
}
