/**
 * The permissions a rule can allow or deny, and the bit set they travel in.
 * The order of {@link PERMISSIONS} is stable (bit i = PERMISSIONS[i]): sets are
 * stored and compared as numbers, so a new permission goes at the end.
 */

/** Every permission, in bit order. */
export const PERMISSIONS = [
  'see', 'enter', 'speak', 'whisper', 'text', 'mute-others', 'move-others', 'make-room', 'make-temp-room',
  'edit-room', 'edit-perms', 'kick', 'ban', 'invite', 'delete-messages', 'share-files',
] as const;

/** One permission's name. */
export type Permission = (typeof PERMISSIONS)[number];

/** A set of permissions: bit i stands for PERMISSIONS[i]. */
export type PermSet = number;

const INDEX = new Map<string, number>(PERMISSIONS.map((p, i) => [p, i]));

/** The set holding only `p`. */
export function bit(p: Permission): PermSet {
  return 1 << INDEX.get(p)!;
}

/** Whether `s` holds `p`. */
export function has(s: PermSet, p: Permission): boolean {
  return (s & bit(p)) !== 0;
}

/** The set of the listed permissions. */
export function setOf(...ps: readonly Permission[]): PermSet {
  let s = 0;
  for (const p of ps) s |= bit(p);
  return s;
}

/** The permissions in `s`, in bit order. */
export function listOf(s: PermSet): Permission[] {
  return PERMISSIONS.filter((p) => has(s, p));
}

/** Whether `p` names a permission (for parsing rule JSON). */
export function isPermission(p: unknown): p is Permission {
  return typeof p === 'string' && INDEX.has(p);
}

/** Every permission. */
export const ALL: PermSet = (1 << PERMISSIONS.length) - 1;

/**
 * Permissions that concern the whole server rather than one room (kick, ban,
 * invite): only rules on the root room decide them, and every room's result
 * carries the root's value.
 */
export const SERVER_WIDE: PermSet = setOf('kick', 'ban', 'invite');

/**
 * What everyone holds before any rule (the "default" trace step, and where a
 * room that stops inheriting starts again): today's behaviour, in which
 * everyone sees, enters, speaks, whispers, texts and shares files, and only
 * admins (who hold everything) edit, moderate or invite.
 */
export const DEFAULT_BASE: PermSet = setOf('see', 'enter', 'speak', 'whisper', 'text', 'share-files');
