/**
 * Plain-language text for ops and their refusals: "Rename “Quiet room” to
 * “Lounge”", "Refused: a sibling already has that name". Room names are
 * looked up in the tree given; a room that is gone shows its id.
 */
import { ErrorCode } from '../../proto/index.ts';
import type { OpIntent, Rooms } from '../../crdt/index.ts';
import type { PermissionDenialView } from '../session/perms/denial.ts';
import type { RoomView } from '../session/tree/room-view.ts';
import { denialText } from './denial-text.ts';

const q = (s: string): string => `“${s}”`;

/** What an op does, in words. */
export function describeOp(op: OpIntent, rooms: Rooms): string {
  const name = (id: string): string => q(rooms.get(id)?.name ?? id);
  switch (op.kind) {
    case 'room.create':
      return `Create ${q(op.args.name)} in ${name(op.args.parentId)}`;
    case 'room.rename':
      return `Rename ${name(op.args.roomId)} to ${q(op.args.name)}`;
    case 'room.move':
      return `Move ${name(op.args.roomId)} into ${name(op.args.parentId)}`;
    case 'room.delete':
      return `Delete ${name(op.args.roomId)}`;
    case 'room.describe':
      return `Change the description or user limit of ${name(op.args.roomId)}`;
    case 'member.join':
      return `Join ${name(op.args.roomId)}`;
    case 'acl.rule.put':
      return `Change a permission rule of ${name(op.args.roomId)}`;
    case 'acl.rule.delete':
      return `Remove a permission rule of ${name(op.args.roomId)}`;
    case 'acl.group.put':
      return `Change a group of ${name(op.args.roomId)}`;
    case 'acl.group.delete':
      return `Remove the group ${q(op.args.name)} of ${name(op.args.roomId)}`;
    case 'acl.inherit':
      return op.args.inherit ? `Let ${name(op.args.roomId)} inherit permissions` : `Stop ${name(op.args.roomId)} inheriting permissions`;
  }
}

const WHY: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.OP_FORBIDDEN]: 'the room’s permissions do not allow that',
  [ErrorCode.OP_UNKNOWN_ROOM]: 'the room no longer exists',
  [ErrorCode.OP_CYCLE]: 'a room cannot be moved inside itself (someone else moved rooms meanwhile)',
  [ErrorCode.OP_DUPLICATE_NAME]: 'a room next to it already has that name',
  [ErrorCode.OP_BAD_NAME]: 'room names are 1–64 characters without leading or trailing spaces',
  [ErrorCode.OP_BAD_VALUE]: 'a value is out of range',
  [ErrorCode.OP_ROOM_FULL]: 'the room is full',
  [ErrorCode.OP_ROOT_PROTECTED]: 'the top room cannot be moved or deleted',
  [ErrorCode.OP_ROOM_EXISTS]: 'that room already exists',
  [ErrorCode.OP_BAD_SIGNATURE]: 'the relay could not verify your signature',
  [ErrorCode.OP_REPLAYED]: 'the relay had already seen this change number (another tab of the same identity?)',
  [ErrorCode.OP_UNKNOWN_KEY]: 'the relay does not know your identity',
  [ErrorCode.OP_WRONG_RELAY]: 'the change was made for another relay',
  [ErrorCode.OP_TOO_LARGE]: 'the change is too large',
  [ErrorCode.OP_MALFORMED]: 'the relay could not read the change',
};

/**
 * Why an op was refused, in words. A refusal by a room's permissions is the
 * denial sentence (denial-text.ts: the permission, the room and the deciding
 * rule, looked up in `roomViews`); without a denial, a neutral reason.
 */
export function refusalText(code: ErrorCode, denial: PermissionDenialView | null = null, roomViews: readonly RoomView[] = []): string {
  if (denial) {
    // Shown inside "Refused: <what>: <why>.", so without its capital and full stop.
    const t = denialText(denial, roomViews).replace(/\.$/, '');
    return t.charAt(0).toLowerCase() + t.slice(1);
  }
  return WHY[code] ?? 'the relay refused it';
}
