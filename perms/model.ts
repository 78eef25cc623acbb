/**
 * The data of per-room permissions: who a rule is about, the rules and named
 * groups on one room, the room tree as evaluation sees it, the subject asked
 * about, and the trace that explains an answer. Plain JSON-clean data so it
 * can live on room records in the tree document and travel in ops.
 */
import type { PermSet } from './permission.ts';

/** The three global roles a relay gives a session. */
export type Role = 'admin' | 'member' | 'guest';

/** Whom a rule is about. Tiers (see docs/PERMISSIONS.md): everyone, then roles, then named groups, then one identity. */
export type Who =
  | { readonly kind: 'everyone' }
  | { readonly kind: 'guests' }
  | { readonly kind: 'members' }
  | { readonly kind: 'admins' }
  /** A named group, defined on this room or inherited from an ancestor. */
  | { readonly kind: 'group'; readonly name: string }
  /** One identity, by the lower-case hex of its public key. */
  | { readonly kind: 'key'; readonly keyHex: string };

/** Advanced condition (Mumble's meta groups): where the subject is right now relative to the rule's room. */
export type Where = 'anywhere' | 'in-room' | 'in-sub-room' | 'outside';

/** One rule on a room. */
export interface Rule {
  /** Stable id (random, 8-16 chars): names the rule in traces and refusals. */
  readonly id: string;
  /** Human text, e.g. "guests: no speak". */
  readonly label: string;
  readonly who: Who;
  readonly where: Where;
  readonly allow: PermSet;
  readonly deny: PermSet;
  /** Applies in this room. */
  readonly here: boolean;
  /** Applies in sub-rooms. */
  readonly subs: boolean;
}

/** A named group defined on a room (Mumble semantics). */
export interface GroupDef {
  readonly name: string;
  /** Start from the members of the same-named group on the parent chain. */
  readonly inherit: boolean;
  /** Sub-rooms may inherit this group. */
  readonly inheritable: boolean;
  /** Keys (hex) added here. */
  readonly add: readonly string[];
  /** Keys (hex) removed here. */
  readonly remove: readonly string[];
  /** A password group: membership = holding the room's token (only the relay knows the hash). */
  readonly password?: true;
}

/** One room's access control: its rules, its groups, and whether it inherits its parent's result. */
export interface RoomAcl {
  readonly inherit: boolean;
  readonly rules: readonly Rule[];
  readonly groups: readonly GroupDef[];
}

/** A room as evaluation sees it (a `RoomRecord` is one). */
export interface PermRoom {
  readonly id: string;
  /** Empty for the root. */
  readonly parent: string;
  readonly acl: RoomAcl;
  readonly temporary?: boolean;
}

/** The rooms by id; the root has parent ''. */
export interface PermState {
  readonly rooms: ReadonlyMap<string, PermRoom>;
}

/** Whom evaluation is about. */
export interface Subject {
  /** Null = "a guest"/"a member" in the inspector: matches no key and no named group. */
  readonly keyHex: string | null;
  readonly role: Role;
  /** Where they are now (for Where conditions); null = nowhere. */
  readonly roomId: string | null;
  /** `${roomId}/${groupName}` the relay admitted by token. */
  readonly passwordGroups?: ReadonlySet<string>;
}

/** One step of an evaluation, in order. */
export interface TraceStep {
  readonly roomId: string;
  /** Null for built-in steps (default, admin, no-inherit reset, hidden). */
  readonly ruleId: string | null;
  readonly matched: boolean;
  /** A plain sentence fragment: why it matched or did not, or what the built-in step is. */
  readonly why: string;
  /** Permissions this step granted (empty when it did not match). */
  readonly set: PermSet;
  /** Permissions this step took away (empty when it did not match). */
  readonly cleared: PermSet;
  /** The step comes from an ancestor of the room asked about. */
  readonly inherited: boolean;
}

/** The answer: the permissions and how they came about. */
export interface Evaluation {
  readonly permissions: PermSet;
  readonly trace: readonly TraceStep[];
}
