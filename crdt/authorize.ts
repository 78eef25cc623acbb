/**
 * Who may change the room tree: each op kind needs a permission in a room,
 * evaluated by perms/evaluate at the state the op arrives at (docs/PERMISSIONS.md,
 * "What each op needs"). A refusal names the permission, the room and the
 * deciding rule. An op naming a room that does not exist passes here so the
 * invariants say `unknown-room`, as they did before permissions.
 */
import { decidingStep, evaluate, has } from '../perms/index.ts';
import type { Permission, PermState, Subject } from '../perms/index.ts';
import type { OpIntent } from './op.ts';
import type { Actor, Rejection } from './rejection.ts';
import type { Rooms } from './room.ts';

/** The pluggable permission check (validateOp's default is {@link authorize}). */
export type Authorize = (rooms: Rooms, actor: Actor, op: OpIntent) => Rejection | null;

/** The permissions an op needs, each in a room. Several: all are needed. */
export function requiredPermissions(rooms: Rooms, op: OpIntent): { readonly permission: Permission; readonly roomId: string }[] {
  switch (op.kind) {
    case 'room.create':
      return [{ permission: 'make-room', roomId: op.args.parentId }];
    case 'room.rename':
    case 'room.describe':
      return [{ permission: 'edit-room', roomId: op.args.roomId }];
    case 'room.move':
      return [{ permission: 'edit-room', roomId: op.args.roomId }, { permission: 'make-room', roomId: op.args.parentId }];
    case 'room.delete': {
      // Deleting takes a child out of its parent's list, with its whole subtree: the parent's editors decide.
      const parent = rooms.get(op.args.roomId)?.parent;
      return [{ permission: 'edit-room', roomId: parent || op.args.roomId }];
    }
    case 'member.join':
      return [{ permission: 'enter', roomId: op.args.roomId }];
    case 'acl.rule.put':
    case 'acl.rule.delete':
    case 'acl.group.put':
    case 'acl.group.delete':
    case 'acl.inherit':
      return [{ permission: 'edit-perms', roomId: op.args.roomId }];
  }
}

/** The subject evaluation sees for an actor. */
export function subjectOf(actor: Actor): Subject {
  return { keyHex: actor.keyHex, role: actor.role, roomId: actor.roomId ?? null, ...(actor.passwordGroups ? { passwordGroups: actor.passwordGroups } : {}) };
}

/** The evaluate-based policy. With every room at its default ACL it is today's: admins edit, everyone joins. */
export const authorize: Authorize = (rooms, actor, op) => {
  if (actor.role === 'admin') return null;
  const state: PermState = { rooms };
  const who = subjectOf(actor);
  for (const need of requiredPermissions(rooms, op)) {
    if (!rooms.has(need.roomId)) continue;
    const e = evaluate(state, who, need.roomId);
    if (has(e.permissions, need.permission)) continue;
    const step = decidingStep(e, need.permission);
    const by = step?.ruleId ? ` (rule ${step.ruleId} on ${step.roomId})` : '';
    return { code: 'forbidden', reason: `${op.kind} needs ${need.permission} in ${need.roomId}${by}`, denial: { permission: need.permission, roomId: need.roomId, ruleId: step?.ruleId ?? null } };
  }
  return null;
};

