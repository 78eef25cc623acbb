/**
 * Token groups (room passwords and room invites) as decisions and changes.
 * On one relay RoomEntry decides and writes in one step; in a cluster the
 * same decisions run once, on the writer, against its own records (the
 * state log, relay/cluster/shared-state.ts), and every relay applies the
 * resulting {@link TokenChange} to its store. Splitting "decide" from
 * "apply" is what lets both run the same code: the edge relay only checks
 * the password against the hash it holds (the plaintext never leaves it) and
 * the writer checks that the hash matched is still the group's.
 */
import { has } from '../../perms/index.ts';
import { ErrorCode } from '../../proto/index.ts';
import type { Role } from '../../proto/index.ts';
import type { Member } from '../presence/presence.ts';
import { denialText } from './denial.ts';
import type { Denial } from './denial.ts';
import type { PermissionService } from './permission-service.ts';
import type { RoomInvites } from './room-invites.ts';
import type { RoomPasswords, StoredHash } from './room-passwords.ts';

/** One change of token groups, with absolute values (applying it twice changes nothing). */
export type TokenChange =
  /** A group's password set (its hash) or cleared (null): ends the grants of the old one. */
  | { readonly kind: 'password'; readonly groupKey: string; readonly hash: StoredHash | null }
  /** A key admitted to a group, by a password or by a room invite (then the invite's use count after this use). */
  | { readonly kind: 'grant'; readonly keyHex: string; readonly groupKey: string; readonly invite: { readonly idHex: string; readonly uses: number } | null };

/** A decision's answer (code 0 = allowed). */
export interface TokenAnswer {
  readonly code: ErrorCode;
  readonly message: string;
  readonly denial?: Denial;
  /** The room a redeemed invite admits to. */
  readonly roomId?: string;
}

/** A decision and the change it makes (none: refused, or nothing to change). */
export interface TokenDecision {
  readonly answer: TokenAnswer;
  readonly change: TokenChange | null;
}

/** Cluster: passes token-group changes to the writer (shared-state.ts); each resolves once its change is applied here. */
export interface SharedTokens {
  setPassword(member: Member, roomId: string, group: string, hash: StoredHash | null): Promise<TokenAnswer>;
  /** `salt`: the hash the password matched here (the writer refuses when the group's hash is another by now). */
  grantPassword(member: Member, groupKey: string, salt: string): Promise<TokenAnswer>;
  redeemInvite(member: Member, invite: Uint8Array): Promise<TokenAnswer>;
}

/** Dependencies of {@link RoomTokens}. */
export interface RoomTokensDeps {
  readonly perms: PermissionService;
  readonly passwords: RoomPasswords;
  readonly invites: RoomInvites;
  readonly relayPublicKey: Uint8Array;
  readonly now: () => number;
  readonly roleOfKey: (keyHex: string) => Role | null;
}

const OK: TokenAnswer = { code: ErrorCode.UNSPECIFIED, message: '' };

/** See the module comment. */
export class RoomTokens {
  readonly #deps: RoomTokensDeps;

  constructor(deps: RoomTokensDeps) {
    this.#deps = deps;
  }

  /** SetRoomPassword's checks: `see` (else unknown), `edit-perms` on the room, and a password group of that name there. */
  decideSet(member: Member, roomId: string, group: string): TokenAnswer {
    const { perms } = this.#deps;
    const room = perms.state.rooms.get(roomId);
    if (!room || !has(perms.permissions(member, roomId), 'see')) return { code: ErrorCode.UNKNOWN_ROOM, message: 'no such room' };
    const d = perms.denial(member, 'edit-perms', roomId);
    if (d) return { code: ErrorCode.PERMISSION_DENIED, message: denialText(d), denial: d };
    if (!room.acl.groups.some((g) => g.name === group && g.password)) return { code: ErrorCode.BAD_REQUEST, message: `no password group "${group}" on this room` };
    return OK;
  }

  /** The writer's decision on a password grant: the group's hash must still be the one matched. */
  decidePasswordGrant(keyHex: string, groupKey: string, salt: string): TokenDecision {
    const { passwords } = this.#deps;
    if (passwords.saltOf(groupKey) !== salt) return { answer: { code: ErrorCode.PASSWORD_WRONG, message: 'wrong room password' }, change: null };
    if (passwords.grantsOf(keyHex).has(groupKey)) return { answer: OK, change: null };
    return { answer: OK, change: { kind: 'grant', keyHex, groupKey, invite: null } };
  }

  /** The writer's decision on a room invite (one use unless the key already holds its group). */
  decideRedeem(keyHex: string, bytes: Uint8Array): TokenDecision {
    const { perms, passwords, invites } = this.#deps;
    const checked = invites.check(bytes, {
      holds: (groupKey) => passwords.grantsOf(keyHex).has(groupKey),
      relayPublicKey: this.#deps.relayPublicKey,
      now: this.#deps.now(),
      mayInvite: (issuerHex, roomId) => this.mayInvite(issuerHex, roomId),
      hasTokenGroup: (roomId, group) => perms.state.rooms.get(roomId)?.acl.groups.some((g) => g.name === group && g.password) ?? false,
    });
    if (!checked.ok) return { answer: { code: checked.code, message: checked.message }, change: null };
    const answer: TokenAnswer = { ...OK, roomId: checked.invite.roomId };
    if (passwords.grantsOf(keyHex).has(checked.groupKey)) return { answer, change: null };
    return { answer, change: { kind: 'grant', keyHex, groupKey: checked.groupKey, invite: { idHex: checked.idHex, uses: invites.uses(checked.idHex) + 1 } } };
  }

  /** Whether `issuerHex` may make invites for `roomId` now: `invite` (server-wide, at the root) and `see` there. */
  mayInvite(issuerHex: string, roomId: string): boolean {
    const { perms } = this.#deps;
    const role = this.#deps.roleOfKey(issuerHex);
    if (role === null) return false;
    const room = perms.roomOfKey(issuerHex);
    return has(perms.permissionsOfKey(issuerHex, role, room, perms.rootId), 'invite') && has(perms.permissionsOfKey(issuerHex, role, room, roomId), 'see');
  }

  /** Writes `change` durably, then re-evaluates whom it concerns (their visibility first). */
  async apply(change: TokenChange): Promise<void> {
    const { passwords, invites, perms } = this.#deps;
    if (change.kind === 'password') {
      await passwords.setHash(change.groupKey, change.hash);
      perms.grantsChanged(null);
      return;
    }
    if (change.invite) {
      await invites.setUses(change.invite.idHex, Math.max(change.invite.uses, invites.uses(change.invite.idHex)));
      await passwords.grantByInvite(change.keyHex, change.groupKey);
    } else {
      await passwords.grantDurable(change.keyHex, change.groupKey);
    }
    perms.grantsChanged(change.keyHex);
  }
}
