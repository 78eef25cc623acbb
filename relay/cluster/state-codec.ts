/**
 * The bytes of the shared-state log (state-log.ts, docs/PROTOCOL.md "Relay
 * to relay"): requests a relay passes to the writer (an admin request, an
 * invite admission, a chat item, each with who made it, a first sign-in), the
 * writer's reply, and the log entries (access record changes, one chat change,
 * a newly known user). JSON with
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
  | { readonly kind: 'user'; readonly publicKey: Uint8Array; readonly displayName: string };

/** One entry of the log. */
export type StateEntry =
  | { readonly kind: 'access'; readonly changes: readonly AccessChange[] }
  | { readonly kind: 'chat'; readonly change: ChatChange }
  /** A key signed in to the organisation for the first time (direct messages need to know it). */
  | { readonly kind: 'user'; readonly publicKey: Uint8Array; readonly displayName: string; readonly atMs: number };

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
    if (root.k !== 'chat') fail('kind');
    const item = bytes(root.item, 'item');
    return { kind: 'chat', member: readMember(root.m), item: proto(() => fromBinary(ChatItemSchema, item), 'item') };
  });
}

/** An entry's bytes. */
export function encodeStateEntry(e: StateEntry): Uint8Array {
  if (e.kind === 'access') return encode({ k: 'access', ch: e.changes.map(accessChangeJson) });
  if (e.kind === 'user') return encode({ k: 'user', key: b64(e.publicKey), n: e.displayName, t: e.atMs });
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
  return encode({ code: a.code, d: a.detail, s: a.seq, u: a.untilMs, den: a.denial ? b64(toBinary(PermissionDenialSchema, a.denial)) : null, ...(a.retryAfterMs ? { w: a.retryAfterMs } : {}) });
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
