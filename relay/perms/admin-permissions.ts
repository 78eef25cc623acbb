/**
 * Moderation under per-room permissions: which permission each admin request
 * needs, and moving others. Server-wide ones (kick, ban, invite) are decided
 * at the root (perms/ SERVER_WIDE). Setting roles stays with admins: a role
 * sits above every rule (admins hold everything), so a rule that let a
 * non-admin hand out roles would let them make themselves admin.
 */
import type { Permission } from '../../perms/index.ts';
import { bit, has } from '../../perms/index.ts';
import { ErrorCode, Role } from '../../proto/index.ts';
import type { AdminRequest, MoveUser } from '../../proto/index.ts';
import { remoteOutcome } from '../access/admin.ts';
import type { AdminOutcome, RemoteSessions } from '../access/admin.ts';
import type { Member, Presence } from '../presence/presence.ts';
import { denialText } from './denial.ts';
import type { Denial } from './denial.ts';
import type { PermissionService, PermsRoster } from './permission-service.ts';

/** The permission an admin request needs; 'admin' for role changes; null when the handler decides (moves). */
export function adminPermission(action: AdminRequest['action']['case']): Permission | 'admin' | null {
  switch (action) {
    case 'registerInvite':
    case 'revokeInvite':
      return 'invite';
    case 'kick':
      return 'kick';
    case 'ban':
    case 'liftBan':
      return 'ban';
    case 'moveUser':
      return null;
    default:
      return 'admin';
  }
}

/** A PERMISSION_DENIED outcome carrying `d`. */
export function deniedOutcome(d: Denial): AdminOutcome {
  return { code: ErrorCode.PERMISSION_DENIED, message: denialText(d), denial: d };
}

/** The AdminService `permit` hook over `perms`. */
export function adminPermit(perms: PermissionService): (me: Member, request: AdminRequest) => AdminOutcome | null {
  return (me, request) => {
    const need = adminPermission(request.action.case);
    if (need === null) return null;
    if (need === 'admin') return me.role === Role.ADMIN ? null : { code: ErrorCode.FORBIDDEN, message: 'admin role required' };
    const d = perms.denial(me, need, perms.rootId);
    return d ? deniedOutcome(d) : null;
  };
}

/**
 * Moves another user (Mumble's rule): the mover needs `move-others` where the
 * target is, and either `move-others` in the destination or the target's own
 * `enter` there. The room's user limit still holds. A user of another relay
 * (`remote`) is judged the same way here, then moved by their relay.
 */
export function moveUserHandler(perms: PermissionService, presence: Presence, roster: PermsRoster): (me: Member, move: MoveUser, remote?: RemoteSessions) => AdminOutcome | Promise<AdminOutcome> {
  return (me, move, remote) => {
    const target = presence.member(move.sessionId);
    // Someone in a room the mover may not see is as unknown as a session that does not exist, and a
    // hidden destination as a room that does not exist: checked before any denial, which would name them.
    if (!target || !has(perms.permissions(me, target.roomId), 'see')) return { code: ErrorCode.UNKNOWN_USER, message: 'no such session' };
    if (!perms.state.rooms.has(move.roomId) || !presence.hasRoom(move.roomId)) return { code: ErrorCode.UNKNOWN_ROOM, message: 'no such room' };
    const there = perms.permissions(me, move.roomId);
    if (!has(there, 'see')) return { code: ErrorCode.UNKNOWN_ROOM, message: 'no such room' };
    const here = perms.denial(me, 'move-others', target.roomId);
    if (here) return deniedOutcome(here);
    if (!has(there, 'move-others') && (perms.permissions(target, move.roomId) & (bit('see') | bit('enter'))) !== (bit('see') | bit('enter'))) {
      const d = perms.denial(me, 'move-others', move.roomId);
      if (d) return deniedOutcome(d);
    }
    if (remote?.isRemote(target.sessionId)) return remote.move(target.sessionId, move.roomId).then(remoteOutcome);
    const placed = roster.place(target.sessionId, move.roomId);
    if (placed === 'room-full') return { code: ErrorCode.ROOM_FULL, message: 'room is full' };
    if (placed !== 'ok') return { code: ErrorCode.UNKNOWN_USER, message: 'no such session' };
    return { code: ErrorCode.UNSPECIFIED, message: '' };
  };
}
