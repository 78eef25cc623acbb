/**
 * Entering rooms under per-room permissions: the unsigned JoinRoom (with an
 * optional room password) and setting room passwords. A join needs `see` and
 * `enter` in the target room (a room one may not see is answered as unknown,
 * so its existence does not leak); the signed `member.join` is held to the
 * same rule by the tree's authorisation (perms-core).
 *
 * A password offered with JoinRoom is tried against the password groups on
 * the target room and its ancestors (their hashes are in RoomPasswords, not
 * in any replicated document); a match admits the key to that group for
 * good, a miss is PASSWORD_WRONG and counts towards the address lock-out
 * shared with sign-in (relay/access/lockout.ts). A signed room invite
 * (RedeemRoomInvite, room-invites.ts) admits to a token group the same way,
 * without a secret, and then joins.
 *
 * In a cluster ({@link RoomEntryDeps.shared}) the changes go through the
 * writer (room-tokens.ts): this relay checks the password against the hash
 * it holds and asks the writer to grant, hashes a new password here and asks
 * the writer to set it, and passes an invite to the writer, which counts its
 * use once for the whole organisation. The lock-out stays this relay's.
 */
import { has, permissionsOf } from '../../perms/index.ts';
import { ErrorCode } from '../../proto/index.ts';
import type { JoinRoom, RedeemRoomInvite, SetRoomPassword } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { AddressLockout } from '../access/lockout.ts';
import type { Session } from '../connection/client-connection.ts';
import type { Presence } from '../presence/presence.ts';
import type { DropStats } from '../stats.ts';
import { denialText } from './denial.ts';
import type { Denial } from './denial.ts';
import { ancestry } from './perm-state.ts';
import type { PermissionService } from './permission-service.ts';
import type { RoomInvites } from './room-invites.ts';
import { RoomPasswords } from './room-passwords.ts';
import type { RoomTokens, SharedTokens, TokenAnswer } from './room-tokens.ts';

/** Longest room password accepted, in UTF-8 bytes (password.ts hashes at most this much). */
export const MAX_ROOM_PASSWORD_BYTES = 1024;

/** Dependencies of {@link RoomEntry}. */
export interface RoomEntryDeps {
  readonly perms: PermissionService;
  readonly presence: Presence;
  readonly passwords: RoomPasswords;
  readonly lockout: AddressLockout;
  readonly stats: DropStats;
  /** The join itself once allowed (TreeService.joinRoom: member.join's checks, then presence). */
  readonly proceed: (session: Session, msg: JoinRoom) => void;
  readonly onError: (where: string, error: unknown) => void;
  /** Signed room invites and their use counts. */
  readonly invites: RoomInvites;
  readonly relayPublicKey: Uint8Array;
  readonly now: () => number;
  /** Token-group decisions and changes (shared with the cluster's writer). */
  readonly tokens: RoomTokens;
  /** Cluster: token-group changes go to the writer. */
  readonly shared?: SharedTokens;
}

/** Sends a PERMISSION_DENIED error carrying `denial`. */
export function sendDenied(session: Session, denial: Denial, context: string): void {
  session.send({ case: 'error', value: { code: ErrorCode.PERMISSION_DENIED, message: denialText(denial), context, denial } });
}

/** See the module comment. */
export class RoomEntry {
  readonly #deps: RoomEntryDeps;
  /** Grants by invite under way, by `${keyHex}|${groupKey}`: the same key redeeming twice at once takes one use. */
  readonly #granting = new Map<string, Promise<void>>();

  constructor(deps: RoomEntryDeps) {
    this.#deps = deps;
  }

  /** The `password` groups (`${roomId}/${name}`) on `roomId` and its ancestors that have a password set. */
  passwordGroups(roomId: string): string[] {
    const { perms, passwords } = this.#deps;
    const out: string[] = [];
    for (const id of ancestry(perms.state, roomId)) {
      for (const g of perms.state.rooms.get(id)?.acl.groups ?? []) if (g.password && passwords.has(`${id}/${g.name}`)) out.push(`${id}/${g.name}`);
    }
    return out;
  }

  /** The unsigned JoinRoom. */
  joinRoom(session: Session, msg: JoinRoom): void {
    if (msg.password === '') {
      this.#join(session, msg);
      return;
    }
    this.#withPassword(session, msg).catch((error: unknown) => {
      this.#deps.onError('room password', error);
      session.sendError(ErrorCode.INTERNAL, 'room password check failed', 'join_room');
    });
  }

  async #withPassword(session: Session, msg: JoinRoom): Promise<void> {
    const { passwords, lockout, stats, perms, presence } = this.#deps;
    const until = lockout.lockedUntil(session.remoteAddress);
    if (until !== null) {
      stats.frame('locked-out', session.connId);
      session.sendError(ErrorCode.LOCKED_OUT, 'too many wrong passwords; try later', 'join_room', until);
      return;
    }
    if (Buffer.byteLength(msg.password, 'utf8') > MAX_ROOM_PASSWORD_BYTES) {
      stats.frame('bad-request', session.connId, 'room password');
      session.sendError(ErrorCode.BAD_REQUEST, `room passwords are at most ${MAX_ROOM_PASSWORD_BYTES} bytes`, 'join_room');
      return;
    }
    let matched: { group: string; salt: string } | null = null;
    for (const group of this.#revealable(session, msg.roomId) ? this.passwordGroups(msg.roomId) : []) {
      const salt = await passwords.match(group, msg.password);
      if (salt !== null) {
        matched = { group, salt };
        break;
      }
    }
    const sessionId = session.sessionId;
    let member = sessionId === undefined ? undefined : presence.member(sessionId);
    if (!member || session.state !== 'authenticated') return;
    const wrong = (): void => {
      const lockedUntil = lockout.recordFailure(session.remoteAddress);
      stats.frame('room-password-wrong', session.connId);
      session.sendError(ErrorCode.PASSWORD_WRONG, 'wrong room password', 'join_room', lockedUntil ?? 0);
    };
    if (matched === null) {
      wrong();
      return;
    }
    const keyHex = toHex(member.publicKey);
    const { shared } = this.#deps;
    if (shared) {
      const a = await shared.grantPassword(member, matched.group, matched.salt);
      member = sessionId === undefined ? undefined : presence.member(sessionId);
      if (!member || session.state !== 'authenticated') return;
      // The password changed on another relay between the check here and the writer's.
      if (a.code === ErrorCode.PASSWORD_WRONG) return wrong();
      if (a.code !== ErrorCode.UNSPECIFIED) {
        session.sendError(a.code, a.message, 'join_room');
        return;
      }
    } else {
      passwords.grant(keyHex, matched.group);
      perms.grantsChanged(keyHex);
    }
    this.#join(session, msg);
  }

  /**
   * Whether a password could make `roomId` visible to `session`: it exists and
   * is seen with every password group on its path held. Otherwise its
   * passwords are never tried, so a room hidden from someone costs the same
   * (no scrypt) and answers the same as one that does not exist.
   */
  #revealable(session: Session, roomId: string): boolean {
    const { perms, presence } = this.#deps;
    const member = session.sessionId === undefined ? undefined : presence.member(session.sessionId);
    if (!member || !perms.state.rooms.has(roomId)) return false;
    const subject = perms.subject(member);
    const all = new Set([...(subject.passwordGroups ?? []), ...this.passwordGroups(roomId)]);
    return has(permissionsOf(perms.state, { ...subject, passwordGroups: all }, roomId), 'see');
  }

  #join(session: Session, msg: JoinRoom): void {
    const { perms, presence } = this.#deps;
    const member = session.sessionId === undefined ? undefined : presence.member(session.sessionId);
    if (!member) return;
    // Unknown rooms are answered by the join path with its own code.
    if (perms.state.rooms.has(msg.roomId)) {
      const p = perms.permissions(member, msg.roomId);
      if (!has(p, 'see')) {
        // Hidden: the same answer as for a room that does not exist.
        this.#deps.stats.frame('unknown-room', session.connId);
        session.sendError(ErrorCode.UNKNOWN_ROOM, 'no such room', 'join_room');
        return;
      }
      const d = perms.denial(member, 'enter', msg.roomId);
      if (d) {
        this.#deps.stats.frame('permission-denied', session.connId, `enter ${d.ruleId}`);
        sendDenied(session, d, 'join_room');
        return;
      }
    }
    this.#deps.proceed(session, msg);
  }

  /**
   * RedeemRoomInvite: a good invite admits the holder's key to the room's
   * token group for good (one use, unless the key already holds it), then
   * moves the holder into the room as a JoinRoom would. A bad one is
   * refused with its code; an invalid one counts towards the address lock-out.
   */
  async redeemInvite(session: Session, msg: RedeemRoomInvite): Promise<void> {
    const { perms, presence, passwords, invites, lockout, stats } = this.#deps;
    const reply = (code: ErrorCode, message: string, roomId = ''): void => session.send({ case: 'permsResult', value: { requestId: msg.requestId, code, message, roomId } });
    const member = session.sessionId === undefined ? undefined : presence.member(session.sessionId);
    if (!member) return;
    const until = lockout.lockedUntil(session.remoteAddress);
    if (until !== null) {
      stats.frame('locked-out', session.connId);
      reply(ErrorCode.LOCKED_OUT, 'too many bad invites or passwords; try later');
      return;
    }
    const keyHex = toHex(member.publicKey);
    const refused = (a: TokenAnswer): void => {
      if (a.code === ErrorCode.ROOM_INVITE_INVALID) lockout.recordFailure(session.remoteAddress);
      stats.frame('room-invite-refused', session.connId, ErrorCode[a.code]);
      reply(a.code, a.message);
    };
    if (this.#deps.shared) {
      // The writer checks it against the organisation's counts and rules; its verdict is the same whichever relay asks.
      const a = await this.#deps.shared.redeemInvite(member, msg.invite);
      if (session.state !== 'authenticated') return;
      if (a.code !== ErrorCode.UNSPECIFIED) return refused(a);
      reply(ErrorCode.UNSPECIFIED, '', a.roomId ?? '');
      this.#join(session, { roomId: a.roomId ?? '', password: '' } as JoinRoom);
      return;
    }
    const checked = invites.check(msg.invite, {
      holds: (groupKey) => passwords.grantsOf(keyHex).has(groupKey) || this.#granting.has(`${keyHex}|${groupKey}`),
      relayPublicKey: this.#deps.relayPublicKey,
      now: this.#deps.now(),
      mayInvite: (issuerHex, roomId) => this.#deps.tokens.mayInvite(issuerHex, roomId),
      hasTokenGroup: (roomId, group) => perms.state.rooms.get(roomId)?.acl.groups.some((g) => g.name === group && g.password) ?? false,
    });
    if (!checked.ok) return refused(checked);
    const grantKey = `${keyHex}|${checked.groupKey}`;
    const under = this.#granting.get(grantKey);
    if (under) await under;
    else if (!passwords.grantsOf(keyHex).has(checked.groupKey)) {
      // The use is counted in memory in this tick, with the check: two holders racing for the last use cannot both get in.
      const grant = invites
        .use(checked.idHex)
        .then(() => passwords.grantByInvite(keyHex, checked.groupKey))
        .then(() => perms.grantsChanged(keyHex))
        .finally(() => this.#granting.delete(grantKey));
      this.#granting.set(grantKey, grant);
      await grant;
    }
    if (session.state !== 'authenticated') return;
    reply(ErrorCode.UNSPECIFIED, '', checked.invite.roomId);
    this.#join(session, { roomId: checked.invite.roomId, password: '' } as JoinRoom);
  }

  /** SetRoomPassword: needs `edit-perms` on the room; the group must be a password group defined there. */
  async setPassword(session: Session, msg: SetRoomPassword): Promise<void> {
    const { presence, passwords, stats, tokens, shared } = this.#deps;
    const reply = (a: TokenAnswer): void =>
      session.send({ case: 'permsResult', value: { requestId: msg.requestId, code: a.code, message: a.message, denial: a.denial, roomId: msg.roomId } });
    const member = session.sessionId === undefined ? undefined : presence.member(session.sessionId);
    if (!member) return;
    // Checked here too in a cluster (the same code the writer runs): a refused request costs no scrypt.
    const a = tokens.decideSet(member, msg.roomId, msg.group);
    if (a.code !== ErrorCode.UNSPECIFIED) {
      if (a.denial) stats.frame('permission-denied', session.connId, `edit-perms ${a.denial.ruleId}`);
      return reply(a);
    }
    if (Buffer.byteLength(msg.password, 'utf8') > MAX_ROOM_PASSWORD_BYTES) {
      return reply({ code: ErrorCode.BAD_REQUEST, message: `room passwords are at most ${MAX_ROOM_PASSWORD_BYTES} bytes` });
    }
    const groupKey = `${msg.roomId}/${msg.group}`;
    if (shared) {
      // Hashed here: the password itself never leaves this relay; the writer judges again and logs only the hash.
      return reply(await shared.setPassword(member, msg.roomId, msg.group, await RoomPasswords.hash(msg.password)));
    }
    await passwords.set(groupKey, msg.password);
    // Grants of the old password are gone: people admitted by it are re-evaluated.
    this.#deps.perms.grantsChanged(null);
    reply({ code: ErrorCode.UNSPECIFIED, message: '' });
  }
}
