/**
 * Admin requests from connected admins: register and revoke invites, kick,
 * ban and lift bans, set roles. Every request is answered with an
 * `adminResult` carrying the request id (code 0 = done), and every change to
 * invites or bans pushes a fresh `adminState` to every connected admin.
 * Who may make which request is decided by `permit` (per-room permissions:
 * relay/perms/admin-permissions.ts); without it only admins may. A refused
 * request changes nothing.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { decodeInvite, ErrorCode, inviteSigningBytes, INVITE_ID_BYTES, KEY_BYTES, Role } from '../../proto/index.ts';
import type { AdminRequest, AdminStateSchema, BanKey, EnvelopeInit, KickUser, MoveUser, PermissionDenialSchema, SetRole } from '../../proto/index.ts';
import { isAcceptablePublicKey } from '../../keys/public-key.ts';
import { verifyEd25519 } from './ed25519.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Clock } from '../options.ts';
import type { Member } from '../presence/presence.ts';
import type { Session } from '../connection/client-connection.ts';
import type { AccessChange, AccessRecords } from './records.ts';
import { banActive, MAX_INVITE_RECORDS, storedRole, wireRole } from './records.ts';
import { fromHex, toHex } from '../../proto/bytes.ts';

/** What the admin service needs from the roster. */
export interface AdminDirectory {
  /** The presence entry of an authenticated session. */
  member(session: Session): Member | undefined;
  sessionById(sessionId: number): Session | undefined;
  /** Every authenticated session of a key. */
  sessionsOfKey(keyHex: string): Session[];
  /** Every authenticated session whose role is admin. */
  adminSessions(): Session[];
  /** Gives every session of `keyHex` the role `role` and tells everyone. */
  applyRole(keyHex: string, role: Role): void;
  /** The last display name seen for a key ('' if never). */
  lastName(keyHex: string): string;
}

/**
 * Cluster (relay/cluster/remote-moderation.ts): users shown here who sit on
 * another relay, and asking that relay to act on them. Each promise resolves
 * with the holder's code once it acted (0 = done; UNKNOWN_USER when it no
 * longer holds the session; CLUSTER_UNAVAILABLE when it cannot be asked).
 */
export interface RemoteSessions {
  isRemote(sessionId: number): boolean;
  kick(sessionId: number, text: string): Promise<ErrorCode>;
  move(sessionId: number, roomId: string): Promise<ErrorCode>;
}

/** The outcome of a holder's code (remote kick or move). */
export function remoteOutcome(code: ErrorCode): AdminOutcome {
  switch (code) {
    case ErrorCode.UNSPECIFIED:
      return DONE;
    case ErrorCode.UNKNOWN_USER:
      return fail(code, 'no such session');
    case ErrorCode.UNKNOWN_ROOM:
      return fail(code, 'no such room');
    case ErrorCode.ROOM_FULL:
      return fail(code, 'room is full');
    case ErrorCode.CLUSTER_UNAVAILABLE:
      return fail(code, "that user's relay cannot be reached right now; try again");
    default:
      return fail(code, 'the request was refused');
  }
}

/** Dependencies of {@link AdminService}. */
export interface AdminDeps {
  readonly relayPublicKey: Uint8Array;
  readonly records: AccessRecords;
  readonly directory: AdminDirectory;
  readonly clock: Clock;
  readonly events: TypedEmitter<RelayEvents>;
  /**
   * Who may make which request (per-room permissions, relay/perms/): null to
   * let it run, or the refusal. Absent: admins only, as before issue 15.
   */
  readonly permit?: (me: Member, request: AdminRequest) => AdminOutcome | null;
  /**
   * Moves another user (relay/perms/ checks move-others; a user of another
   * relay is moved through `remote`); absent: move_user is a bad request.
   */
  readonly moveUser?: (me: Member, move: MoveUser, remote?: RemoteSessions) => AdminOutcome | Promise<AdminOutcome>;
  /** Cluster: users of other relays, kicked and moved through their relay. */
  readonly remote?: RemoteSessions;
  /**
   * Cluster (relay/cluster/shared-state.ts): decides a request that changes
   * shared records on the writer; absent: decided here. Kicks and moves are
   * always decided here (a user of another relay is then acted on by it).
   */
  readonly forward?: (me: Member, request: AdminRequest) => Promise<AdminOutcome>;
  /**
   * Cluster: makes changes durable in the shared log, which applies them on
   * every relay through {@link AdminService.applied}; absent: written to the
   * records here and applied at once.
   */
  readonly commit?: (changes: readonly AccessChange[]) => Promise<void>;
  /** Called after a role was applied to the signed-in sessions (what they may see follows it). */
  readonly onRoleApplied?: () => void;
}

/** Admin actions whose effect is shared records (forwarded to a cluster's writer). */
const SHARED: ReadonlySet<AdminRequest['action']['case']> = new Set(['registerInvite', 'revokeInvite', 'ban', 'liftBan', 'setRole']);

/** An admin request's answer: code 0 = done; a permission refusal carries its denial. */
export interface AdminOutcome {
  readonly code: ErrorCode;
  readonly message: string;
  readonly denial?: MessageInitShape<typeof PermissionDenialSchema>;
}

/** Longest kick or ban reason, in characters. */
export const MAX_REASON_CHARS = 200;
/** Longest ban, ms (100 years); longer is what 0 (until lifted) is for. */
const MAX_BAN_MS = 100 * 365 * 24 * 3600 * 1000;

type Outcome = AdminOutcome;
const DONE: Outcome = { code: ErrorCode.UNSPECIFIED, message: '' };
const fail = (code: ErrorCode, message: string): Outcome => ({ code, message });

function cleanReason(reason: string): string | null {
  const r = reason.normalize('NFC').trim().replace(/[\p{Cc}\u2028\u2029]/gu, ' ');
  return [...r].length > MAX_REASON_CHARS ? null : r;
}

/** Handles admin requests and keeps admins' views of invites and bans current. */
export class AdminService {
  readonly #deps: AdminDeps;

  constructor(deps: AdminDeps) {
    this.#deps = deps;
  }

  /** Answers one request. Never throws; storage failures come back as INTERNAL. */
  handle(session: Session, request: AdminRequest): void {
    const requestId = request.requestId;
    const reply = (o: Outcome): void => session.send({ case: 'adminResult', value: { requestId, code: o.code, message: o.message, denial: o.denial } });
    const me = this.#deps.directory.member(session);
    if (!me) {
      reply(fail(ErrorCode.FORBIDDEN, 'admin role required'));
      return;
    }
    const { forward } = this.#deps;
    (forward && SHARED.has(request.action.case) ? forward(me, request) : this.decide(me, request))
      .then(reply)
      .catch((error: unknown) => {
        this.#deps.events.emit('internal-error', { where: 'admin request', error });
        reply(fail(ErrorCode.INTERNAL, 'admin request failed'));
      });
  }

  /**
   * Decides one request of `me` against this relay's records and carries it
   * out; never a refusal by throwing. A cluster's writer runs it for requests
   * from every relay (`me` as the submitting relay knows them, role from here).
   */
  async decide(me: Member, request: AdminRequest): Promise<Outcome> {
    const { permit } = this.#deps;
    const refusal = permit ? permit(me, request) : me.role === Role.ADMIN ? null : fail(ErrorCode.FORBIDDEN, 'admin role required');
    return refusal ?? this.#run(me, request);
  }

  /**
   * What changed records mean for the signed-in sessions here: a banned key
   * is put out, a role is applied (and a new admin gets the admin view),
   * admins see the new invites and bans. Runs after the changes are written,
   * on every relay of a cluster.
   */
  applied(changes: readonly AccessChange[]): void {
    const { directory, clock } = this.#deps;
    let push = false;
    for (const c of changes) {
      if (c.kind === 'role') {
        const role = wireRole(c.record?.role);
        directory.applyRole(c.keyHex, role);
        if (role === Role.ADMIN) for (const s of directory.sessionsOfKey(c.keyHex)) this.sendState(s);
        this.#deps.onRoleApplied?.();
        continue;
      }
      push = true;
      if (c.kind === 'ban' && c.record && banActive(c.record, clock.now())) {
        const { reason, untilMs } = c.record;
        for (const s of directory.sessionsOfKey(c.keyHex)) s.refuse(ErrorCode.BANNED, reason ? `banned: ${reason}` : 'banned', 'ban', untilMs);
      }
    }
    if (push) this.pushState();
  }

  async #commit(changes: readonly AccessChange[]): Promise<void> {
    if (this.#deps.commit) return this.#deps.commit(changes);
    await this.#deps.records.apply(changes);
    this.applied(changes);
  }

  /** The current admin view: every invite record and every ban in force. */
  state(): MessageInitShape<typeof AdminStateSchema> {
    const { records, clock, directory } = this.#deps;
    return {
      invites: records.invites().map(([idHex, r]) => ({
        id: fromHex(idHex),
        role: wireRole(r.role),
        expiresAtMs: BigInt(r.expiresAtMs),
        maxUses: r.maxUses,
        uses: r.uses,
        issuerKey: fromHex(r.issuerHex),
        revoked: r.revoked,
      })),
      bans: records.bans(clock.now()).map(([keyHex, b]) => ({
        publicKey: fromHex(keyHex),
        displayName: directory.lastName(keyHex),
        untilMs: BigInt(b.untilMs),
        reason: b.reason,
        bannedAtMs: BigInt(b.bannedAtMs),
      })),
    };
  }

  /** Sends the admin view to one session (an admin that just signed in or was promoted). */
  sendState(session: Session): void {
    session.send({ case: 'adminState', value: this.state() });
  }

  /** Sends the admin view to every connected admin. */
  pushState(): void {
    const msg: EnvelopeInit = { case: 'adminState', value: this.state() };
    for (const s of this.#deps.directory.adminSessions()) s.send(msg);
  }

  async #run(me: Member, request: AdminRequest): Promise<Outcome> {
    const action = request.action;
    switch (action.case) {
      case 'registerInvite':
        return this.#registerInvite(me, action.value.invite);
      case 'revokeInvite':
        return this.#revokeInvite(me, action.value.inviteId);
      case 'kick':
        return this.#kick(me, action.value);
      case 'ban':
        return this.#ban(me, action.value);
      case 'liftBan':
        return this.#liftBan(me, action.value.publicKey);
      case 'setRole':
        return this.#setRole(me, action.value);
      case 'moveUser':
        return this.#deps.moveUser ? this.#deps.moveUser(me, action.value, this.#deps.remote) : fail(ErrorCode.BAD_REQUEST, 'moving others is not supported');
      default:
        return fail(ErrorCode.BAD_REQUEST, 'unknown admin action');
    }
  }

  #action(me: Member, action: string, target: string): void {
    this.#deps.events.emit('admin-action', { byKeyPrefix: toHex(me.publicKey).slice(0, 16), action, target });
  }

  async #registerInvite(me: Member, bytes: Uint8Array): Promise<Outcome> {
    const { records, relayPublicKey, clock } = this.#deps;
    const decoded = decodeInvite(bytes);
    if (!decoded.ok) return fail(ErrorCode.INVITE_INVALID, `invite does not parse (${decoded.error.code})`);
    const invite = decoded.value;
    if (Buffer.compare(invite.relayPublicKey, relayPublicKey) !== 0) return fail(ErrorCode.INVITE_INVALID, 'invite is for another relay');
    // An admin registers only invites they signed themselves.
    if (Buffer.compare(invite.issuerKey, me.publicKey) !== 0) return fail(ErrorCode.INVITE_INVALID, 'invite was not issued by you');
    if (!verifyEd25519(invite.issuerKey, inviteSigningBytes(invite), invite.signature)) return fail(ErrorCode.INVITE_INVALID, 'invite signature does not verify');
    const idHex = toHex(invite.id);
    if (records.invite(idHex)) return DONE;
    if (records.inviteCount >= MAX_INVITE_RECORDS) return fail(ErrorCode.BAD_REQUEST, `at most ${MAX_INVITE_RECORDS} invites; revoke old ones`);
    const role = storedRole(invite.role) ?? 'member';
    const record = { role, expiresAtMs: invite.expiresAtMs, maxUses: invite.maxUses, issuerHex: toHex(invite.issuerKey), uses: 0, revoked: false, createdAtMs: clock.now() };
    await this.#commit([{ kind: 'invite', idHex, record }]);
    this.#action(me, 'register-invite', idHex);
    return DONE;
  }

  async #revokeInvite(me: Member, id: Uint8Array): Promise<Outcome> {
    const { records, clock } = this.#deps;
    if (id.byteLength !== INVITE_ID_BYTES) return fail(ErrorCode.BAD_REQUEST, `invite id must be ${INVITE_ID_BYTES} bytes`);
    const idHex = toHex(id);
    const known = records.invite(idHex);
    if (!known && records.inviteCount >= MAX_INVITE_RECORDS) return fail(ErrorCode.BAD_REQUEST, `at most ${MAX_INVITE_RECORDS} invites are kept`);
    // Revoking an id never seen still sticks: the link may be out there, unused so far.
    const record = { ...(known ?? { role: 'member' as const, expiresAtMs: 0, maxUses: 0, issuerHex: toHex(me.publicKey), uses: 0, createdAtMs: clock.now() }), revoked: true };
    await this.#commit([{ kind: 'invite', idHex, record }]);
    this.#action(me, 'revoke-invite', idHex);
    return DONE;
  }

  async #kick(me: Member, kick: KickUser): Promise<Outcome> {
    const reason = cleanReason(kick.reason);
    if (reason === null) return fail(ErrorCode.BAD_REQUEST, `reason is longer than ${MAX_REASON_CHARS} characters`);
    if (kick.sessionId === me.sessionId) return fail(ErrorCode.BAD_REQUEST, 'you cannot kick yourself');
    const text = reason ? `kicked: ${reason}` : 'kicked by an admin';
    const target = this.#deps.directory.sessionById(kick.sessionId);
    const { remote } = this.#deps;
    if (!target && remote?.isRemote(kick.sessionId)) {
      // Answered once the user's relay has closed the session (or said why not).
      const outcome = remoteOutcome(await remote.kick(kick.sessionId, text));
      if (outcome.code === ErrorCode.UNSPECIFIED) this.#action(me, 'kick', `session:${kick.sessionId}`);
      return outcome;
    }
    if (!target) return fail(ErrorCode.UNKNOWN_USER, 'no such session');
    this.#action(me, 'kick', `session:${kick.sessionId}`);
    target.refuse(ErrorCode.KICKED, text, 'kick');
    return DONE;
  }

  async #ban(me: Member, ban: BanKey): Promise<Outcome> {
    const { clock } = this.#deps;
    if (ban.publicKey.byteLength !== KEY_BYTES) return fail(ErrorCode.BAD_REQUEST, 'public key must be 32 bytes');
    if (Buffer.compare(ban.publicKey, me.publicKey) === 0) return fail(ErrorCode.BAD_REQUEST, 'you cannot ban yourself');
    const reason = cleanReason(ban.reason);
    if (reason === null) return fail(ErrorCode.BAD_REQUEST, `reason is longer than ${MAX_REASON_CHARS} characters`);
    if (ban.durationMs > BigInt(MAX_BAN_MS)) return fail(ErrorCode.BAD_REQUEST, 'ban too long; use 0 for until lifted');
    const now = clock.now();
    const untilMs = ban.durationMs === 0n ? 0 : now + Number(ban.durationMs);
    const keyHex = toHex(ban.publicKey);
    await this.#commit([{ kind: 'ban', keyHex, record: { untilMs, reason, bannedAtMs: now, bannedBy: toHex(me.publicKey) } }]);
    this.#action(me, 'ban', `key:${keyHex.slice(0, 16)}`);
    return DONE;
  }

  async #liftBan(me: Member, publicKey: Uint8Array): Promise<Outcome> {
    if (publicKey.byteLength !== KEY_BYTES) return fail(ErrorCode.BAD_REQUEST, 'public key must be 32 bytes');
    const keyHex = toHex(publicKey);
    if (!this.#deps.records.storedBan(keyHex)) return fail(ErrorCode.UNKNOWN_USER, 'that key is not banned');
    await this.#commit([{ kind: 'ban', keyHex, record: null }]);
    this.#action(me, 'lift-ban', `key:${keyHex.slice(0, 16)}`);
    return DONE;
  }

  async #setRole(me: Member, set: SetRole): Promise<Outcome> {
    const { clock } = this.#deps;
    if (set.publicKey.byteLength !== KEY_BYTES) return fail(ErrorCode.BAD_REQUEST, 'public key must be 32 bytes');
    // No one can sign in with such a key (keys/public-key.ts): a role for it would be a dead record.
    if (!isAcceptablePublicKey(set.publicKey)) return fail(ErrorCode.BAD_REQUEST, 'public key not acceptable');
    if (Buffer.compare(set.publicKey, me.publicKey) === 0) return fail(ErrorCode.BAD_REQUEST, 'you cannot change your own role');
    if (set.role !== Role.ADMIN && set.role !== Role.MEMBER && set.role !== Role.GUEST) return fail(ErrorCode.BAD_REQUEST, 'unknown role');
    const keyHex = toHex(set.publicKey);
    const role = storedRole(set.role);
    await this.#commit([{ kind: 'role', keyHex, record: role ? { role, grantedAtMs: clock.now(), grantedBy: toHex(me.publicKey) } : null }]);
    this.#action(me, 'set-role', `key:${keyHex.slice(0, 16)} role:${Role[set.role]}`);
    return DONE;
  }
}
