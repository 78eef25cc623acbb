/**
 * The bytes of the shared-state log (state-log.ts, docs/PROTOCOL.md "Relay
 * to relay"): requests a relay passes to the writer (an admin request, an
 * invite admission, a chat item, each with who made it, a first sign-in), the
 * writer's reply, and the log entries (access record changes, one chat change,
 * a newly known user, a token-group change: a room password's hash or a
 * grant; decision D134). JSON with
 * base64 bytes like codec.ts; protobuf messages travel as their wire bytes.
 * Every decoder validates the whole shape and never throws.
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { AdminRequestSchema, ChatItemSchema, ChatMessageSchema, PermissionDenialSchema } from '../../proto/index.ts';
import type { AdminRequest, ChatItem, ChatMessage, PermissionDenial } from '../../proto/index.ts';
import type { Decoded } from '../../proto/errors.ts';
import { accessChangeJson, parseAccessChange } from '../access/index.ts';
import type { AccessChange } from '../access/index.ts';
import type { ChatChange } from '../chat/index.ts';
import { parseStoredHash } from '../perms/room-passwords.ts';
import type { StoredHash } from '../perms/room-passwords.ts';
import type { TokenChange } from '../perms/room-tokens.ts';
import { b64, bytes, encode, fail, int, list, obj, parse, str } from './codec.ts';

/** Who made a request, as the relay holding their session knows them (their role is the writer's to know). */
export interface MemberRef {
  readonly sessionId: number;
  readonly publicKey: Uint8Array;
  readonly displayName: string;
  readonly roomId: string;
}

/** One request to the writer. */
export type StateRequest =
  | { readonly kind: 'admin'; readonly member: MemberRef; readonly request: AdminRequest }
  | { readonly kind: 'admit'; readonly publicKey: Uint8Array; readonly invite: Uint8Array }
  | { readonly kind: 'chat'; readonly member: MemberRef; readonly item: ChatItem }
  | { readonly kind: 'user'; readonly publicKey: Uint8Array; readonly displayName: string }
  /** Set (hash) or clear (null) a room password; hashed by the submitting relay, the password itself never travels. */
  | { readonly kind: 'room-password'; readonly member: MemberRef; readonly roomId: string; readonly group: string; readonly hash: StoredHash | null }
  /** Admit the member to a password group whose hash (`salt`) the submitting relay matched. */
  | { readonly kind: 'room-grant'; readonly member: MemberRef; readonly groupKey: string; readonly salt: string }
  /** Redeem a signed room invite (its bytes). */
  | { readonly kind: 'room-invite'; readonly member: MemberRef; readonly invite: Uint8Array };

/** One entry of the log. */
export type StateEntry =
  | { readonly kind: 'access'; readonly changes: readonly AccessChange[] }
  | { readonly kind: 'chat'; readonly change: ChatChange }
  /** A key signed in to the organisation for the first time (direct messages need to know it). */
  | { readonly kind: 'user'; readonly publicKey: Uint8Array; readonly displayName: string; readonly atMs: number }
  /** A room password or a token-group grant (relay/perms/room-tokens.ts). */
  | { readonly kind: 'token'; readonly change: TokenChange };

/** The writer's answer to one request (code 0 = done). */
export interface StateAnswer {
  /** Wire ErrorCode. */
  readonly code: number;
  readonly detail: string;
  /** A chat message's seq. */
  readonly seq: number;
  /** The end of a temporary refusal (a ban). */
  readonly untilMs: number;
  readonly denial: PermissionDenial | null;
  /** RATE_LIMITED: ms to wait (the writer's bucket; a duration, not a time, since the relays' clocks differ). Absent on the wire: 0. */
  readonly retryAfterMs?: number;
  /** The room a redeemed room invite admits to ('' otherwise). */
  readonly roomId?: string;
}

/** The log position and answer the writer replies with; null: it could not judge (CLUSTER_UNAVAILABLE). */
export type StateReply = { readonly seq: number; readonly reply: Uint8Array } | null;

const MAX_CHANGES = 64;
const proto = <T>(read: () => T, what: string): T => {
  try {
    return read();
  } catch {
    return fail(what);
  }
};

const GROUP_KEY_MAX = 200;
const SALT = /^[0-9a-f]{2,256}$/;
const hashJson = (h: StoredHash | null): unknown => (h ? { s: h.salt, h: h.hash } : null);
function readHash(v: unknown): StoredHash | null {
  if (v === null) return null;
  const o = obj(v, 'hash');
  return parseStoredHash({ salt: o.s, hash: o.h }) ?? fail('hash');
}
const salt = (v: unknown): string => (typeof v === 'string' && SALT.test(v) ? v : fail('salt'));

/** A token change's JSON. */
function tokenJson(c: TokenChange): unknown {
  if (c.kind === 'password') return { t: 'pw', g: c.groupKey, h: hashJson(c.hash) };
  return { t: 'grant', key: c.keyHex, g: c.groupKey, inv: c.invite ? { id: c.invite.idHex, n: c.invite.uses } : null };
}
function readToken(v: unknown): TokenChange {
  const c = obj(v, 'token change');
  const groupKey = str(c.g, 'group', GROUP_KEY_MAX);
  if (c.t === 'pw') return { kind: 'password', groupKey, hash: readHash(c.h) };
  if (c.t !== 'grant') fail('token change kind');
  const keyHex = salt(c.key);
  if (c.inv === null) return { kind: 'grant', keyHex, groupKey, invite: null };
  const inv = obj(c.inv, 'invite');
  return { kind: 'grant', keyHex, groupKey, invite: { idHex: salt(inv.id), uses: int(inv.n, 'uses') } };
}

const memberJson = (m: MemberRef): unknown => ({ s: m.sessionId, k: b64(m.publicKey), n: m.displayName, room: m.roomId });
function readMember(v: unknown): MemberRef {
  const m = obj(v, 'member');
  return { sessionId: int(m.s, 'session'), publicKey: bytes(m.k, 'key'), displayName: str(m.n, 'name', 256), roomId: str(m.room, 'room', 128) };
}

/** A request's bytes. */
export function encodeStateRequest(r: StateRequest): Uint8Array {
  if (r.kind === 'admit') return encode({ k: 'admit', key: b64(r.publicKey), inv: b64(r.invite) });
  if (r.kind === 'user') return encode({ k: 'user', key: b64(r.publicKey), n: r.displayName });
  if (r.kind === 'admin') return encode({ k: 'admin', m: memberJson(r.member), q: b64(toBinary(AdminRequestSchema, r.request)) });
  if (r.kind === 'room-password') return encode({ k: 'rpw', m: memberJson(r.member), room: r.roomId, g: r.group, h: hashJson(r.hash) });
  if (r.kind === 'room-grant') return encode({ k: 'rgrant', m: memberJson(r.member), g: r.groupKey, s: r.salt });
  if (r.kind === 'room-invite') return encode({ k: 'rinv', m: memberJson(r.member), inv: b64(r.invite) });
  return encode({ k: 'chat', m: memberJson(r.member), item: b64(toBinary(ChatItemSchema, r.item)) });
}

/** Parses a request. */
export function decodeStateRequest(data: Uint8Array): Decoded<StateRequest> {
  return parse(data, (root): StateRequest => {
    if (root.k === 'admit') return { kind: 'admit', publicKey: bytes(root.key, 'key'), invite: bytes(root.inv, 'invite') };
    if (root.k === 'user') return { kind: 'user', publicKey: bytes(root.key, 'key'), displayName: str(root.n, 'name', 256) };
    if (root.k === 'admin') {
      const q = bytes(root.q, 'admin request');
      return { kind: 'admin', member: readMember(root.m), request: proto(() => fromBinary(AdminRequestSchema, q), 'admin request') };
    }
    if (root.k === 'rpw') return { kind: 'room-password', member: readMember(root.m), roomId: str(root.room, 'room', 128), group: str(root.g, 'group', 64), hash: readHash(root.h) };
    if (root.k === 'rgrant') return { kind: 'room-grant', member: readMember(root.m), groupKey: str(root.g, 'group', GROUP_KEY_MAX), salt: salt(root.s) };
    if (root.k === 'rinv') return { kind: 'room-invite', member: readMember(root.m), invite: bytes(root.inv, 'invite') };
    if (root.k !== 'chat') fail('kind');
    const item = bytes(root.item, 'item');
    return { kind: 'chat', member: readMember(root.m), item: proto(() => fromBinary(ChatItemSchema, item), 'item') };
  });
}

/** An entry's bytes. */
export function encodeStateEntry(e: StateEntry): Uint8Array {
  if (e.kind === 'access') return encode({ k: 'access', ch: e.changes.map(accessChangeJson) });
  if (e.kind === 'user') return encode({ k: 'user', key: b64(e.publicKey), n: e.displayName, t: e.atMs });
  if (e.kind === 'token') return encode({ k: 'token', c: tokenJson(e.change) });
  const c = e.change;
  const msg = b64(toBinary(ChatMessageSchema, c.message));
  return encode({ k: 'chat', c: c.kind === 'post' ? { t: 'post', conv: c.conv, a: c.author, msg } : { t: 'change', conv: c.conv, a: c.author, s: c.seq, id: b64(c.itemId), msg } });
}

/** Parses an entry. */
export function decodeStateEntry(data: Uint8Array): Decoded<StateEntry> {
  return parse(data, (root): StateEntry => {
    if (root.k === 'access') {
      const raw = list(root.ch, 'changes');
      if (raw.length === 0 || raw.length > MAX_CHANGES) fail('changes');
      return { kind: 'access', changes: raw.map((c) => parseAccessChange(c) ?? fail('change')) };
    }
    if (root.k === 'user') return { kind: 'user', publicKey: bytes(root.key, 'key'), displayName: str(root.n, 'name', 256), atMs: int(root.t, 'at') };
    if (root.k === 'token') return { kind: 'token', change: readToken(root.c) };
    if (root.k !== 'chat') fail('kind');
    const c = obj(root.c, 'chat change');
    const conv = str(c.conv, 'conversation', 256);
    const author = str(c.a, 'author', 64);
    const raw = bytes(c.msg, 'message');
    const message: ChatMessage = proto(() => fromBinary(ChatMessageSchema, raw), 'message');
    if (c.t === 'post') {
      if (!message.post) fail('post');
      return { kind: 'chat', change: { kind: 'post', conv, author, message } };
    }
    if (c.t !== 'change') fail('chat change kind');
    return { kind: 'chat', change: { kind: 'change', conv, author, seq: int(c.s, 'seq'), itemId: bytes(c.id, 'item id'), message } };
  });
}

/** An answer's bytes. */
export function encodeStateAnswer(a: StateAnswer): Uint8Array {
  return encode({
    code: a.code,
    d: a.detail,
    s: a.seq,
    u: a.untilMs,
    den: a.denial ? b64(toBinary(PermissionDenialSchema, a.denial)) : null,
    ...(a.retryAfterMs ? { w: a.retryAfterMs } : {}),
    ...(a.roomId ? { room: a.roomId } : {}),
  });
}

/** Parses an answer. */
export function decodeStateAnswer(data: Uint8Array): Decoded<StateAnswer> {
  return parse(data, (root) => {
    const den = root.den === null ? null : bytes(root.den, 'denial');
    return {
      code: int(root.code, 'code'),
      detail: str(root.d, 'detail'),
      seq: int(root.s, 'seq'),
      untilMs: int(root.u, 'until'),
      denial: den ? proto(() => fromBinary(PermissionDenialSchema, den), 'denial') : null,
      ...(root.w === undefined ? {} : { retryAfterMs: int(root.w, 'retry after') }),
      // Absent from a writer of the version before room invites were shared.
      ...(root.room === undefined ? {} : { roomId: str(root.room, 'room', 128) }),
    };
  });
}

/** A reply's bytes. */
export function encodeStateReply(r: StateReply): Uint8Array {
  return r ? encode({ seq: r.seq, r: b64(r.reply) }) : encode({ u: true });
}

/** Parses a reply. */
export function decodeStateReply(data: Uint8Array): Decoded<StateReply> {
  return parse(data, (root) => (root.u === true ? null : { seq: int(root.seq, 'seq'), reply: bytes(root.r, 'reply') }));
}
