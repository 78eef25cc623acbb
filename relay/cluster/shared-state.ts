/**
 * Roles, bans, invites, chat and room passwords across the relays of a cluster: what the
 * requests and entries of the state log (state-log.ts) mean. Each relay's
 * admin service, chat service and handshake hand their state-changing work
 * here (the hooks below); it goes to the writer, which judges it once with
 * the submitter's identity against its own records and chat store (the same
 * code a single relay runs: AdminService.decide, ChatService.decide,
 * decideAdmission), commits the resulting change to the log, and every relay
 * applies it: records or chat store written, then its own sessions told (a
 * banned key put out at once, a role applied, the message delivered, a
 * room password or grant stored and the key's rooms re-evaluated).
 */
import { ChatAction, encodeInvite, ErrorCode, Role, signingTarget } from '../../proto/index.ts';
import type { AdminRequest, ChatItem } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import { admissionChanges, decideAdmission, wireRole } from '../access/index.ts';
import type { AccessChange, AccessRecords, AccessRefusal, Admission, AdminService, GuestPolicy } from '../access/index.ts';
import type { AdminOutcome } from '../access/admin.ts';
import type { ChatChange, ChatService, ChatVerdict } from '../chat/index.ts';
import type { Clock } from '../options.ts';
import type { Member } from '../presence/presence.ts';
import type { RoomTokens, SharedTokens, TokenAnswer, TokenChange } from '../perms/index.ts';
import { decodeStateAnswer, decodeStateEntry, decodeStateRequest, encodeStateAnswer, encodeStateEntry, encodeStateRequest } from './state-codec.ts';
import type { MemberRef, StateAnswer, StateRequest } from './state-codec.ts';
import { StateLog } from './state-log.ts';
import type { StateCluster, StateMachine } from './state-log.ts';
import type { Store } from '../storage/store.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';

/** What the shared state works on. */
export interface SharedStateDeps {
  readonly records: AccessRecords;
  readonly relayPublicKey: Uint8Array;
  readonly guests: GuestPolicy;
  readonly clock: Clock;
  /** The keys that signed in once (direct messages go only to them). */
  readonly users: Pick<Store, 'user' | 'saveUser'>;
}

const UNAVAILABLE: StateAnswer = { code: ErrorCode.CLUSTER_UNAVAILABLE, detail: 'the cluster cannot take changes right now; try again', seq: 0, untilMs: 0, denial: null };
const answer = (code: ErrorCode, detail = '', extra: Partial<StateAnswer> = {}): StateAnswer => ({ code, detail, seq: 0, untilMs: 0, denial: null, ...extra });
const refOf = (m: Member): MemberRef => ({ sessionId: m.sessionId, publicKey: m.publicKey, displayName: m.displayName, roomId: m.roomId });

/** See the module comment. {@link SharedState.open}, build the services with its hooks, then {@link SharedState.start}. */
export class SharedState implements StateMachine {
  readonly #deps: SharedStateDeps;
  readonly #log: StateLog;
  readonly #events: TypedEmitter<RelayEvents>;
  #admin: AdminService | null = null;
  #chat: ChatService | null = null;
  #tokens: RoomTokens | null = null;

  private constructor(log: StateLog, events: TypedEmitter<RelayEvents>, deps: SharedStateDeps) {
    this.#log = log;
    this.#events = events;
    this.#deps = deps;
  }

  /** Opens the state log of `cluster` (its position in `store`). */
  static async open(cluster: StateCluster, store: Store, events: TypedEmitter<RelayEvents>, deps: SharedStateDeps): Promise<SharedState> {
    const position = await store.table('cluster-state', (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null));
    const shared = new SharedState(await StateLog.open(cluster, position, events), events, deps);
    shared.#log.bind(shared);
    return shared;
  }

  /** Binds the services whose state is shared (built with this object's hooks) and resolves once the log as it is now is applied here. */
  start(admin: AdminService, chat: ChatService, tokens: RoomTokens): Promise<void> {
    this.#admin = admin;
    this.#chat = chat;
    this.#tokens = tokens;
    return this.#log.start();
  }

  /** The writer's appends and the entries in them. */
  get appendStats(): { readonly appends: number; readonly entries: number } {
    return this.#log.appendStats;
  }

  /** Stops following the log. */
  close(): Promise<void> {
    return this.#log.close();
  }

  /** AdminService `forward`: the writer decides. */
  readonly #forwardAdmin = async (me: Member, request: AdminRequest): Promise<AdminOutcome> => {
    const a = await this.#submit({ kind: 'admin', member: refOf(me), request });
    return { code: a.code, message: a.detail, ...(a.denial ? { denial: a.denial } : {}) };
  };

  /** ChatService `forward`. */
  readonly #forwardChat = async (member: Member, item: ChatItem): Promise<ChatVerdict> => {
    const a = await this.#submit({ kind: 'chat', member: refOf(member), item });
    return { code: a.code, detail: a.detail, seq: a.seq, denial: a.denial ?? undefined, retryAfterMs: a.retryAfterMs ?? 0 };
  };

  /**
   * Handshake `apply`: an admission that uses an invite is decided again by
   * the writer, which counts the use; a key new to this relay is made known
   * to every relay first (so a direct message can reach it from anywhere).
   */
  readonly applyAdmission = async (publicKey: Uint8Array, admission: Admission, displayName: string): Promise<AccessRefusal | void> => {
    // Not a condition of getting in: with no writer now (a failover) the other relays learn the key only when it signs in to one of them.
    if (admission.ok && !this.#deps.users.user(toHex(publicKey))) await this.#submit({ kind: 'user', publicKey, displayName });
    if (!admission.ok || !admission.grant) return;
    // The writer verifies the invite's signed bytes itself.
    const a = await this.#submit({ kind: 'admit', publicKey, invite: encodeInvite(admission.grant.invite) });
    if (a.code !== ErrorCode.UNSPECIFIED) return { ok: false, code: a.code, detail: a.detail, ...(a.untilMs ? { untilMs: a.untilMs } : {}) };
  };

  /** The AdminService deps that make its records shared. */
  get adminHooks(): { forward: (me: Member, request: AdminRequest) => Promise<AdminOutcome>; commit: (changes: readonly AccessChange[]) => Promise<void> } {
    return { forward: this.#forwardAdmin, commit: this.#commitAccess };
  }

  /** The ChatService deps that make chat shared. */
  get chatHooks(): { forward: (member: Member, item: ChatItem) => Promise<ChatVerdict>; commit: (change: ChatChange) => Promise<void> } {
    return { forward: this.#forwardChat, commit: this.#commitChat };
  }

  /** The room-entry hooks (relay/perms/room-tokens.ts) that make room passwords, grants and room invite uses shared. */
  get tokenHooks(): SharedTokens {
    const asToken = (a: StateAnswer): TokenAnswer => ({ code: a.code, message: a.detail, ...(a.denial ? { denial: a.denial as TokenAnswer['denial'] } : {}), ...(a.roomId ? { roomId: a.roomId } : {}) });
    return {
      setPassword: async (me, roomId, group, hash) => asToken(await this.#submit({ kind: 'room-password', member: refOf(me), roomId, group, hash })),
      grantPassword: async (me, groupKey, salt) => asToken(await this.#submit({ kind: 'room-grant', member: refOf(me), groupKey, salt })),
      redeemInvite: async (me, invite) => asToken(await this.#submit({ kind: 'room-invite', member: refOf(me), invite })),
    };
  }

  /** AdminService `commit` (on the writer, inside a judgement). */
  readonly #commitAccess = (changes: readonly AccessChange[]): Promise<void> => this.#log.commit(encodeStateEntry({ kind: 'access', changes }));

  /** ChatService `commit`. */
  readonly #commitChat = (change: ChatChange): Promise<void> => this.#log.commit(encodeStateEntry({ kind: 'chat', change }));

  async #submit(request: Parameters<typeof encodeStateRequest>[0]): Promise<StateAnswer> {
    const reply = await this.#log.submit(encodeStateRequest(request));
    if (!reply) return UNAVAILABLE;
    const decoded = decodeStateAnswer(reply);
    return decoded.ok ? decoded.value : UNAVAILABLE;
  }

  /** The writer's view of a submitter: their key and place from the request, their role from the records here. */
  #member(ref: MemberRef): Member {
    const role = wireRole(this.#deps.records.role(toHex(ref.publicKey))?.role);
    return { ...ref, muted: false, deafened: false, role: role === Role.UNSPECIFIED ? Role.GUEST : role };
  }

  /**
   * Group commit (group-commit.ts, D136): a post's judgement reads its own
   * item id (a repeat) and, for a direct post, whether the peer signed in
   * once; a first sign-in reads its key. Everything else (roles, bans,
   * invites, edits and deletes of stored messages) may read anything.
   */
  touches(bytes: Uint8Array): readonly string[] | null {
    const decoded = decodeStateRequest(bytes);
    if (!decoded.ok) return [];
    const r = decoded.value;
    if (r.kind === 'user') return [`user:${toHex(r.publicKey)}`];
    if (r.kind !== 'chat' || r.item.action !== ChatAction.POST) return null;
    const target = signingTarget(r.item.target);
    return target?.kind === 'direct' ? [`id:${toHex(r.item.id)}`, `user:${toHex(target.peerKey)}`] : [`id:${toHex(r.item.id)}`];
  }

  async judge(bytes: Uint8Array): Promise<Uint8Array> {
    const decoded = decodeStateRequest(bytes);
    if (!decoded.ok) return encodeStateAnswer(answer(ErrorCode.BAD_REQUEST, `bad request (${decoded.error.code})`));
    const r = decoded.value;
    if (r.kind === 'admin') {
      const o = await this.#admin!.decide(this.#member(r.member), r.request);
      return encodeStateAnswer(answer(o.code, o.message, { denial: o.denial ? (o.denial as StateAnswer['denial']) : null }));
    }
    if (r.kind === 'chat') {
      const v = await this.#chat!.decide(this.#member(r.member), r.item);
      return encodeStateAnswer(answer(v.code, v.detail, { seq: v.seq, denial: (v.denial as StateAnswer['denial']) ?? null, retryAfterMs: v.retryAfterMs ?? 0 }));
    }
    if (r.kind === 'room-password' || r.kind === 'room-grant' || r.kind === 'room-invite') return encodeStateAnswer(await this.#judgeToken(r));
    const { records, relayPublicKey, guests, clock, users } = this.#deps;
    const now = clock.now();
    if (r.kind === 'user') {
      if (!users.user(toHex(r.publicKey))) await this.#log.commit(encodeStateEntry({ kind: 'user', publicKey: r.publicKey, displayName: r.displayName, atMs: now }));
      return encodeStateAnswer(answer(ErrorCode.UNSPECIFIED));
    }
    const admission = decideAdmission(r.publicKey, r.invite, { relayPublicKey, guests, records, now });
    if (!admission.ok) return encodeStateAnswer(answer(admission.code, admission.detail, { untilMs: admission.untilMs ?? 0 }));
    const changes = admissionChanges(r.publicKey, admission, records, now);
    if (changes.length > 0) await this.#commitAccess(changes);
    return encodeStateAnswer(answer(ErrorCode.UNSPECIFIED));
  }

  /** Room passwords and token groups: the same decisions as on one relay (RoomTokens), made here once for every relay. */
  async #judgeToken(r: Extract<StateRequest, { kind: 'room-password' | 'room-grant' | 'room-invite' }>): Promise<StateAnswer> {
    const tokens = this.#tokens!;
    const member = this.#member(r.member);
    const keyHex = toHex(r.member.publicKey);
    let decided: { answer: TokenAnswer; change: TokenChange | null };
    if (r.kind === 'room-password') {
      const a = tokens.decideSet(member, r.roomId, r.group);
      decided = { answer: a, change: a.code === ErrorCode.UNSPECIFIED ? { kind: 'password', groupKey: `${r.roomId}/${r.group}`, hash: r.hash } : null };
    } else if (r.kind === 'room-grant') {
      decided = tokens.decidePasswordGrant(keyHex, r.groupKey, r.salt);
    } else {
      decided = tokens.decideRedeem(keyHex, r.invite);
    }
    if (decided.change) await this.#log.commit(encodeStateEntry({ kind: 'token', change: decided.change }));
    const a = decided.answer;
    return answer(a.code, a.message, { denial: (a.denial as StateAnswer['denial']) ?? null, ...(a.roomId ? { roomId: a.roomId } : {}) });
  }

  async apply(bytes: Uint8Array): Promise<void> {
    const decoded = decodeStateEntry(bytes);
    // Only relays write the log; an entry this relay cannot read (another version) is skipped and reported, never a crash or a stall.
    if (!decoded.ok) {
      this.#events.emit('internal-error', { where: 'cluster state log', error: new Error(`undecodable entry: ${decoded.error.detail}`) });
      return;
    }
    const e = decoded.value;
    if (e.kind === 'user') {
      const publicKeyHex = toHex(e.publicKey);
      // Known already (signed in here meanwhile): what this relay saw is newer.
      if (!this.#deps.users.user(publicKeyHex)) this.#deps.users.saveUser({ publicKeyHex, displayName: e.displayName, lastRoomId: '', firstSeenMs: e.atMs, lastSeenMs: e.atMs });
      return;
    }
    if (e.kind === 'token') {
      await this.#tokens!.apply(e.change);
      return;
    }
    if (e.kind === 'access') {
      await this.#deps.records.apply(e.changes);
      this.#admin?.applied(e.changes);
      return;
    }
    await this.#chat!.applyChange(e.change);
  }
}
