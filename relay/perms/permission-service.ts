/**
 * The relay's one permission service (issue 15): holds the PermState built
 * from the tree's rooms and ACLs, knows each live session's role, key,
 * current room and password groups, and computes each session's permissions
 * in its room. Whenever rules, groups, roles, password grants or the tree
 * change it re-evaluates EVERY live session (Mumble never did: #5264), and
 * applies the outcome through the roster, the one choke point of presence:
 * a session without `enter` (or `see`) in its room is moved to the nearest
 * ancestor it may enter; a session without `speak` is `suppressed` (the
 * voice path reads the precomputed mute flag, never evaluate); each session
 * is told its new permissions (MyPermissions) when they change.
 *
 * Checks for single actions (joins, moves, moderation, chat) go through
 * {@link PermissionService.denial}, which evaluates once (memoised until the
 * next change) and names the deciding rule.
 */
import type { RoomRecord } from '../../crdt/index.ts';
import { evaluate, has, SERVER_WIDE, bit } from '../../perms/index.ts';
import type { Evaluation, Permission, PermSet, PermState, Role as PermRole, Subject } from '../../perms/index.ts';
import { Role } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Member, Presence } from '../presence/presence.ts';
import type { Session } from '../connection/client-connection.ts';
import { denialOf } from './denial.ts';
import type { Denial } from './denial.ts';
import { ancestry, permStateOf, rootOf } from './perm-state.ts';

/** What the service needs from the roster to apply its decisions. */
export interface PermsRoster {
  sessionById(sessionId: number): Session | undefined;
  place(sessionId: number, roomId: string): 'ok' | 'unknown-room' | 'room-full' | 'unknown-session';
  setSuppressed(sessionId: number, suppressed: boolean): void;
}

/** Dependencies of a {@link PermissionService}. */
export interface PermissionServiceDeps {
  readonly presence: Presence;
  readonly roster: PermsRoster;
  /** The applied room tree (TreeService.rooms), read again on every tree change. */
  readonly rooms: () => ReadonlyMap<string, RoomRecord>;
  /** The password groups a key holds (RoomPasswords.grantsOf). */
  readonly passwordGroupsOf: (keyHex: string) => ReadonlySet<string>;
  readonly events: TypedEmitter<RelayEvents>;
}

/** Memoised results kept at most; beyond that the memo starts over (bounded memory). */
const MAX_MEMO = 50_000;

/** The perms/ role of a wire role. */
export function permRole(role: Role): PermRole {
  return role === Role.ADMIN ? 'admin' : role === Role.MEMBER ? 'member' : 'guest';
}

const SEE_ENTER = bit('see') | bit('enter');

/**
 * Whether a session must leave its room: it may not see it, or `enter` was
 * taken from it there (it had it at the last evaluation in this room, or it
 * was just admitted into its last room). Someone a moderator moved into a
 * room they may not enter themselves stays, as in Mumble.
 */
function mustLeave(perms: PermSet, last: { readonly roomId: string; readonly perms: PermSet } | undefined, roomId: string): boolean {
  if ((perms & SEE_ENTER) === SEE_ENTER) return false;
  if (!has(perms, 'see')) return true;
  return last === undefined || (last.roomId === roomId && has(last.perms, 'enter'));
}

/** Whether room `id` differs for evaluation between two states (existence, parent, ACL, temporary). */
function aclChanged(a: PermState, b: PermState, id: string): boolean {
  const x = a.rooms.get(id);
  const y = b.rooms.get(id);
  if (!x || !y) return x !== y;
  return x.parent !== y.parent || x.temporary !== y.temporary || (x.acl !== y.acl && JSON.stringify(x.acl) !== JSON.stringify(y.acl));
}

/** See the module comment. */
export class PermissionService {
  readonly #deps: PermissionServiceDeps;
  #state: PermState;
  readonly #memo = new Map<string, PermSet>();
  /** The room and permissions each live session was last told (and last applied). */
  readonly #live = new Map<number, { readonly roomId: string; readonly perms: PermSet }>();
  /** Where each key's most recently refreshed session is (chat asks per key, and rules can depend on where one is). */
  readonly #roomOfKey = new Map<string, string>();

  constructor(deps: PermissionServiceDeps) {
    this.#deps = deps;
    this.#state = permStateOf(deps.rooms());
  }

  /** The current PermState (tests, the temporary rooms and passwords read it). */
  get state(): PermState {
    return this.#state;
  }

  /** The root room's id. */
  get rootId(): string {
    return rootOf(this.#state) ?? 'root';
  }

  /** The model's subject for a member right now. */
  subject(member: Member): Subject {
    const keyHex = toHex(member.publicKey);
    return { keyHex, role: permRole(member.role), roomId: member.roomId, passwordGroups: this.#deps.passwordGroupsOf(keyHex) };
  }

  /** The full evaluation (with trace) of `member` in `roomId`. */
  evaluation(member: Member, roomId: string): Evaluation {
    return evaluate(this.#state, this.subject(member), roomId);
  }

  /** `member`'s permissions in `roomId`, memoised until the next change. */
  permissions(member: Member, roomId: string): PermSet {
    const key = `${toHex(member.publicKey)}|${member.role}|${member.roomId}|${roomId}`;
    let p = this.#memo.get(key);
    if (p === undefined) {
      if (this.#memo.size >= MAX_MEMO) this.#memo.clear();
      p = this.evaluation(member, roomId).permissions;
      this.#memo.set(key, p);
    }
    return p;
  }

  /** The same for a key and role that may have no live session (chat reads per key). */
  permissionsOfKey(keyHex: string, role: Role, currentRoomId: string | null, roomId: string): PermSet {
    const key = `${keyHex}|${role}|${currentRoomId ?? ''}|${roomId}`;
    let p = this.#memo.get(key);
    if (p === undefined) {
      if (this.#memo.size >= MAX_MEMO) this.#memo.clear();
      const subject: Subject = { keyHex, role: permRole(role), roomId: currentRoomId, passwordGroups: this.#deps.passwordGroupsOf(keyHex) };
      p = evaluate(this.#state, subject, roomId).permissions;
      this.#memo.set(key, p);
    }
    return p;
  }

  /**
   * Null when `member` holds `p` in `roomId`; otherwise the denial naming the
   * deciding rule. Server-wide permissions (kick, ban, invite) are asked at
   * the root whatever room is given.
   */
  denial(member: Member, p: Permission, roomId: string): Denial | null {
    const where = (bit(p) & SERVER_WIDE) !== 0 ? this.rootId : roomId;
    if (has(this.permissions(member, where), p)) return null;
    const d = denialOf(this.evaluation(member, where), p, where, this.#state, this.#deps.rooms());
    this.#deps.events.emit('permission-denied', { sessionId: member.sessionId, permission: p, roomId: where, ruleId: d.ruleId });
    return d;
  }

  /**
   * The room tree changed (`changed`: the rooms a batch touched): rebuild the
   * state and, when a room appeared, went, moved or had its ACL changed,
   * re-evaluate everyone. A rename or description edit re-evaluates nobody.
   */
  treeChanged(changed?: readonly string[]): void {
    const before = this.#state;
    this.#state = permStateOf(this.#deps.rooms());
    if (changed && !changed.some((id) => aclChanged(before, this.#state, id))) return;
    this.#memo.clear();
    this.reevaluateAll();
  }

  /** Password groups changed for `keyHex` (null: for anyone, a password was set): re-evaluate those sessions. */
  grantsChanged(keyHex: string | null): void {
    this.#memo.clear();
    // Visibility first (synchronously): a join that follows must find the room in the session's tree.
    this.#deps.events.emit('grants-changed', { keyHex });
    for (const m of this.#deps.presence.members()) if (keyHex === null || toHex(m.publicKey) === keyHex) this.refresh(m.sessionId);
  }

  /** Re-evaluates every live session. */
  reevaluateAll(): void {
    for (const m of this.#deps.presence.members()) this.refresh(m.sessionId);
  }

  /**
   * Recomputes one session's permissions in its room and applies them: moves
   * it out of a room it may no longer enter, (un)suppresses it, tells it.
   * Called after admission, every move, a role change, and by re-evaluation.
   */
  refresh(sessionId: number): void {
    const { presence, roster } = this.#deps;
    const m = presence.member(sessionId);
    if (!m) return;
    this.#roomOfKey.set(toHex(m.publicKey), m.roomId);
    const perms = this.permissions(m, m.roomId);
    const last = this.#live.get(sessionId);
    if (mustLeave(perms, last, m.roomId) && this.#evict(m)) return;
    roster.setSuppressed(sessionId, !has(perms, 'speak'));
    if (last?.perms !== perms || last.roomId !== m.roomId) {
      this.#live.set(sessionId, { roomId: m.roomId, perms });
      roster.sessionById(sessionId)?.send({ case: 'myPermissions', value: { roomId: m.roomId, permissions: perms } });
    }
  }

  /** Moves `m` to the nearest ancestor it may see and enter; false when there is none (it stays). */
  #evict(m: Member): boolean {
    for (const up of ancestry(this.#state, m.roomId).slice(1)) {
      if ((this.permissions(m, up) & SEE_ENTER) !== SEE_ENTER) continue;
      // The move emits room-changed, whose listener refreshes the session in its new room.
      if (this.#deps.roster.place(m.sessionId, up) === 'ok') {
        this.refresh(m.sessionId);
        return true;
      }
    }
    return false;
  }

  /** Where a key's live session is (null: none seen), for per-key checks such as chat's. */
  roomOfKey(keyHex: string): string | null {
    return this.#roomOfKey.get(keyHex) ?? null;
  }

  /** Forgets a session that left. */
  forget(sessionId: number, keyHex?: string): void {
    this.#live.delete(sessionId);
    if (keyHex !== undefined && this.#roomOfKey.has(keyHex) && !this.#deps.presence.members().some((m) => m.sessionId !== sessionId && toHex(m.publicKey) === keyHex)) {
      this.#roomOfKey.delete(keyHex);
    }
  }
}
