/**
 * Why an op is refused, and who acts: shared by the tree rules (tree.ts), the
 * ACL ops (acl-ops.ts) and the evaluate-based authorisation (authorize.ts),
 * which would otherwise import each other.
 */
import type { Permission, Role } from '../perms/index.ts';

/** Every reason an op can be refused (stored verdicts are checked against this list). */
export const REJECT_CODES = [
  'malformed',
  'too-large',
  'wrong-relay',
  'unknown-key',
  'replayed',
  'bad-signature',
  'forbidden',
  'unknown-room',
  'cycle',
  'duplicate-name',
  'bad-name',
  'bad-value',
  'room-full',
  'root-protected',
  'room-exists',
  'internal',
] as const;

/** Why an op is refused. The relay maps these to wire error codes. */
export type RejectCode = (typeof REJECT_CODES)[number];

/** The permission a refusal lacked, where, and the rule that decided it (null: the default or a built-in step). */
export interface PermissionDenial {
  readonly permission: Permission;
  readonly roomId: string;
  readonly ruleId: string | null;
}

/** A refusal with its reason; a `forbidden` one from the permission check names the deciding rule. */
export interface Rejection {
  readonly code: RejectCode;
  readonly reason: string;
  readonly denial?: PermissionDenial;
}

/** Who is acting. */
export interface Actor {
  readonly keyHex: string;
  readonly role: Role;
  /** Where the actor is now, for rules with a Where condition (absent: nowhere). */
  readonly roomId?: string | null;
  /** `${roomId}/${group}` password groups the relay admitted this actor to. */
  readonly passwordGroups?: ReadonlySet<string>;
}
