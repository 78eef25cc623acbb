/**
 * File sharing under per-room permissions: the `FilePolicy` the file service
 * asks (relay/files/file-policy.ts), built on the permission service.
 * Sharing a file in a room needs `share-files` there; fetching and seeding
 * need only what reading the room's chat needs (`see`), which the file
 * service checks through the chat policy. Direct conversations belong to no
 * room: their two parties may always share with each other.
 */
import { has } from '../../perms/index.ts';
import type { FilePolicy } from '../files/file-policy.ts';
import type { PermissionService } from './permission-service.ts';

/** The file policy over `perms`. */
export function filePolicyOf(perms: PermissionService): FilePolicy {
  return (actor, action, place) => {
    if (place.kind !== 'room' || action === 'fetch') return true;
    return has(perms.permissionsOfKey(actor.publicKeyHex, actor.role, perms.roomOfKey(actor.publicKeyHex), place.roomId), 'share-files');
  };
}
