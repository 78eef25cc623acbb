/**
 * The deciding rule of a refusal, as the relay sends it (`PermissionDenial
 * {permission, roomId, ruleId}` on an Error, an OpResult or a chat ack;
 * docs/PROTOCOL.md): read once here into a checked view, so the UI can say it
 * in a sentence and open the inspector on that room ("Why?"). Bad or absent
 * details read as null: the refusal is still shown, only without the why.
 */
import { isPermission } from '../../../perms/index.ts';
import type { Permission } from '../../../perms/index.ts';

/** Which permission was missing, in which room, and the rule that decided it ('' = no rule: the default). */
export interface PermissionDenialView {
  readonly permission: Permission;
  readonly roomId: string;
  readonly ruleId: string;
}

/** Longest room or rule id taken from the wire (the tree's own limits are smaller). */
const MAX_ID = 64;

/** The checked denial carried by a relay message (its `denial` field), or null. */
export function denialOf(msg: unknown): PermissionDenialView | null {
  const d = (msg as { readonly denial?: unknown } | null | undefined)?.denial as Record<string, unknown> | undefined;
  if (!d || typeof d !== 'object') return null;
  const { permission, roomId, ruleId } = d;
  if (!isPermission(permission) || typeof roomId !== 'string' || typeof ruleId !== 'string') return null;
  if (roomId.length === 0 || roomId.length > MAX_ID || ruleId.length > MAX_ID) return null;
  return { permission, roomId, ruleId };
}
