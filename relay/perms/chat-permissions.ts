/**
 * Room chat under per-room permissions: the `ChatPolicy` the chat service
 * asks (relay/chat/authorize.ts), built on the permission service. Reading a
 * room's chat needs `see`, posting and editing one's own needs `text`,
 * deleting someone else's needs `delete-messages`; nobody edits someone
 * else's. Direct conversations keep the default policy (they belong to no room).
 */
import type { Permission } from '../../perms/index.ts';
import { has } from '../../perms/index.ts';
import { authorizeChat } from '../chat/authorize.ts';
import type { ChatPermission, ChatPlace, ChatPolicy } from '../chat/authorize.ts';
import type { Member } from '../presence/presence.ts';
import type { Denial } from './denial.ts';
import type { PermissionService } from './permission-service.ts';

/** The room permission a chat action needs; null when none can allow it (editing another's message). */
export function chatPermission(action: ChatPermission): Permission | 'always' | null {
  switch (action) {
    case 'read':
      return 'see';
    case 'post':
    case 'edit-own':
      return 'text';
    case 'delete-own':
      return 'always';
    case 'delete-other':
      return 'delete-messages';
    case 'edit-other':
      return null;
  }
}

/** The chat policy over `perms`. Runs per recipient on live messages: one memoised lookup. */
export function chatPolicyOf(perms: PermissionService): ChatPolicy {
  return (actor, action, place) => {
    if (place.kind !== 'room') return authorizeChat(actor, action, place);
    const need = chatPermission(action);
    if (need === 'always') return true;
    if (need === null) return false;
    return has(perms.permissionsOfKey(actor.publicKeyHex, actor.role, perms.roomOfKey(actor.publicKeyHex), place.roomId), need);
  };
}

/** The denial to attach to a refused room chat action (undefined for direct chat or edit-other). */
export function chatDenialOf(perms: PermissionService): (member: Member, action: ChatPermission, place: ChatPlace) => Denial | undefined {
  return (member, action, place) => {
    if (place.kind !== 'room') return undefined;
    const need = chatPermission(action);
    if (need === null || need === 'always') return undefined;
    return perms.denial(member, need, place.roomId) ?? undefined;
  };
}
