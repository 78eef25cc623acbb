/**
 * Signed intent ops: what a client asks the relay to do to the shared room
 * tree, and the canonical bytes its Ed25519 signature covers.
 *
 * The wire carries the canonical body itself (not a re-encoding of it), so
 * the relay verifies exactly the bytes the author signed, stores them in the
 * audit log verbatim, and any client can verify them again later. Layout (all
 * integers big-endian; see docs/PROTOCOL.md, "Signed ops"):
 *
 *   offset len  field
 *        0  13  "parley-op-v1\0" (domain separation)
 *       13  32  relay public key the op is for
 *       45  16  op id (random; the idempotency key)
 *       61  32  author's Ed25519 public key
 *       93   4  per-device sequence number (u32, >= 1)
 *       97   8  author's clock, unix ms (u64; informational)
 *      105   1  kind (see {@link OP_KINDS})
 *      106   …  the kind's arguments, in order: a string is u16 byte length
 *               then UTF-8; a number is u32
 *
 * Pure functions over bytes; the decoder never throws and accepts only the
 * one encoding {@link encodeOpBody} produces (no trailing bytes, valid UTF-8).
 */
import { decodeFailure } from '../proto/errors.ts';
import type { Decoded } from '../proto/errors.ts';

/** Domain-separation prefix of every op body. */
export const OP_DOMAIN = new TextEncoder().encode('parley-op-v1\0');
/** Bytes before the arguments. */
export const OP_HEADER_BYTES = OP_DOMAIN.byteLength + 32 + 16 + 32 + 4 + 8 + 1;
/** Length of an op id. */
export const OP_ID_BYTES = 16;
/**
 * Largest op body the relay accepts. 8 KiB (was 2 KiB) only because
 * `acl.group.put` carries a whole group: 64 keys of 64 hex digits plus JSON
 * is about 4.6 KB (test/perms/limits.test.ts builds the largest one).
 */
export const MAX_OP_BODY_BYTES = 8192;
/** Ed25519 signature length. */
export const SIGNATURE_BYTES = 64;

/** Arguments of each op kind. Positions are sibling indexes after the op; past the end means "last". */
export interface OpArgs {
  'room.create': { readonly roomId: string; readonly parentId: string; readonly name: string; readonly index: number; readonly description: string; readonly userLimit: number };
  'room.rename': { readonly roomId: string; readonly name: string };
  'room.move': { readonly roomId: string; readonly parentId: string; readonly index: number };
  'room.delete': { readonly roomId: string };
  'room.describe': { readonly roomId: string; readonly description: string; readonly userLimit: number };
  'member.join': { readonly roomId: string };
  /** Adds a rule to the room's ACL, or replaces the rule with its id. `rule` is perms' canonical rule JSON (encodeRule). */
  'acl.rule.put': { readonly roomId: string; readonly rule: string };
  'acl.rule.delete': { readonly roomId: string; readonly ruleId: string };
  /** Adds or replaces the named group. `group` is perms' canonical group JSON (encodeGroup). */
  'acl.group.put': { readonly roomId: string; readonly group: string };
  'acl.group.delete': { readonly roomId: string; readonly name: string };
  /** 1: the room inherits its parent's permissions; 0: it starts again from the defaults. */
  'acl.inherit': { readonly roomId: string; readonly inherit: number };
}

/** The op kinds. */
export type OpKind = keyof OpArgs;

/** Kind byte of each op kind (stable; part of the signed bytes). */
export const OP_KINDS: Readonly<Record<OpKind, number>> = Object.freeze({
  'room.create': 1,
  'room.rename': 2,
  'room.move': 3,
  'room.delete': 4,
  'room.describe': 5,
  'member.join': 6,
  'acl.rule.put': 7,
  'acl.rule.delete': 8,
  'acl.group.put': 9,
  'acl.group.delete': 10,
  'acl.inherit': 11,
});

type Field = readonly [name: string, type: 'str' | 'u32'];

/** Argument order per kind: this table *is* the argument layout. */
const FIELDS: Readonly<Record<OpKind, readonly Field[]>> = {
  'room.create': [['roomId', 'str'], ['parentId', 'str'], ['name', 'str'], ['index', 'u32'], ['description', 'str'], ['userLimit', 'u32']],
  'room.rename': [['roomId', 'str'], ['name', 'str']],
  'room.move': [['roomId', 'str'], ['parentId', 'str'], ['index', 'u32']],
  'room.delete': [['roomId', 'str']],
  'room.describe': [['roomId', 'str'], ['description', 'str'], ['userLimit', 'u32']],
  'member.join': [['roomId', 'str']],
  'acl.rule.put': [['roomId', 'str'], ['rule', 'str']],
  'acl.rule.delete': [['roomId', 'str'], ['ruleId', 'str']],
  'acl.group.put': [['roomId', 'str'], ['group', 'str']],
  'acl.group.delete': [['roomId', 'str'], ['name', 'str']],
  'acl.inherit': [['roomId', 'str'], ['inherit', 'u32']],
};

const KIND_BY_BYTE = new Map<number, OpKind>(Object.entries(OP_KINDS).map(([k, v]) => [v, k as OpKind]));

/** One op's kind and arguments (a discriminated union). */
export type OpIntent = { [K in OpKind]: { readonly kind: K; readonly args: OpArgs[K] } }[OpKind];

/** Everything an op body says. */
export type OpBody = OpIntent & {
  readonly relayKey: Uint8Array;
  readonly opId: Uint8Array;
  readonly author: Uint8Array;
  readonly seq: number;
  readonly clientTimeMs: number;
};

/** An op body with its signature, as it travels and as the audit log keeps it. */
export interface SignedOp {
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
}

/** The canonical bytes of `op`. Throws `TypeError` on out-of-range fields (a caller bug). */
export function encodeOpBody(op: OpBody): Uint8Array {
  if (op.relayKey.byteLength !== 32 || op.author.byteLength !== 32) throw new TypeError('keys must be 32 bytes');
  if (op.opId.byteLength !== OP_ID_BYTES) throw new TypeError('op id must be 16 bytes');
  if (!isU32(op.seq) || op.seq < 1) throw new TypeError(`bad seq [seq:${op.seq}]`);
  if (!Number.isSafeInteger(op.clientTimeMs) || op.clientTimeMs < 0) throw new TypeError('bad client time');
  const args = op.args as unknown as Record<string, string | number>;
  const parts: Uint8Array[] = [];
  let size = OP_HEADER_BYTES;
  for (const [name, type] of FIELDS[op.kind]) {
    const value = args[name];
    if (type === 'str') {
      if (typeof value !== 'string') throw new TypeError(`missing ${name}`);
      const bytes = utf8.encode(value);
      if (bytes.byteLength > 0xffff) throw new TypeError(`${name} too long`);
      const len = new Uint8Array(2);
      new DataView(len.buffer).setUint16(0, bytes.byteLength);
      parts.push(len, bytes);
      size += 2 + bytes.byteLength;
    } else {
      if (typeof value !== 'number' || !isU32(value)) throw new TypeError(`bad ${name}`);
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, value);
      parts.push(b);
      size += 4;
    }
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let o = 0;
  out.set(OP_DOMAIN, o);
  o += OP_DOMAIN.byteLength;
  out.set(op.relayKey, o);
  o += 32;
  out.set(op.opId, o);
  o += 16;
  out.set(op.author, o);
  o += 32;
  view.setUint32(o, op.seq);
  o += 4;
  view.setBigUint64(o, BigInt(op.clientTimeMs));
  o += 8;
  out[o++] = OP_KINDS[op.kind];
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** Where the author key sits in an op body: after the domain prefix, the relay key and the op id. */
const AUTHOR_OFFSET = OP_DOMAIN.byteLength + 32 + OP_ID_BYTES;
const NO_BYTES = new Uint8Array(0);

/**
 * The op id of a body that did not parse, when it has one where the layout
 * puts it (so its author can match the refusal); empty otherwise. Allocation:
 * one 16-byte copy.
 */
export function peekOpId(body: Uint8Array): Uint8Array {
  const start = OP_DOMAIN.byteLength + 32;
  if (body.byteLength < start + OP_ID_BYTES) return NO_BYTES;
  for (let i = 0; i < OP_DOMAIN.byteLength; i++) if (body[i] !== OP_DOMAIN[i]) return NO_BYTES;
  return body.slice(start, start + OP_ID_BYTES);
}

/**
 * The author key where the layout puts it (empty when the body is too
 * short), without parsing: what a signature is checked against ahead of the
 * pipeline. A view into `body`, no copy.
 */
export function peekAuthor(body: Uint8Array): Uint8Array {
  return body.byteLength < AUTHOR_OFFSET + 32 ? NO_BYTES : body.subarray(AUTHOR_OFFSET, AUTHOR_OFFSET + 32);
}

/** Parses an op body; never throws. Anything but the canonical encoding is refused. */
export function decodeOpBody(bytes: Uint8Array): Decoded<OpBody> {
  if (bytes.byteLength > MAX_OP_BODY_BYTES) return decodeFailure('too-large', `op body [bytes:${bytes.byteLength}, max:${MAX_OP_BODY_BYTES}]`);
  if (bytes.byteLength < OP_HEADER_BYTES) return decodeFailure('bad-length', `op body [bytes:${bytes.byteLength}]`);
  for (let i = 0; i < OP_DOMAIN.byteLength; i++) {
    if (bytes[i] !== OP_DOMAIN[i]) return decodeFailure('bad-value', 'not a parley-op-v1 body');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = OP_DOMAIN.byteLength;
  const relayKey = bytes.slice(o, o + 32);
  o += 32;
  const opId = bytes.slice(o, o + 16);
  o += 16;
  const author = bytes.slice(o, o + 32);
  o += 32;
  const seq = view.getUint32(o);
  o += 4;
  const time = view.getBigUint64(o);
  o += 8;
  if (seq < 1) return decodeFailure('bad-value', 'seq must be >= 1');
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return decodeFailure('bad-value', 'client time out of range');
  const kind = KIND_BY_BYTE.get(bytes[o++]!);
  if (!kind) return decodeFailure('unknown-kind', `op kind [byte:${bytes[o - 1]}]`);
  const args: Record<string, string | number> = {};
  for (const [name, type] of FIELDS[kind]) {
    if (type === 'str') {
      if (o + 2 > bytes.byteLength) return decodeFailure('bad-length', `truncated ${name}`);
      const len = view.getUint16(o);
      o += 2;
      if (o + len > bytes.byteLength) return decodeFailure('bad-length', `truncated ${name}`);
      try {
        args[name] = strictUtf8.decode(bytes.subarray(o, o + len));
      } catch {
        return decodeFailure('bad-value', `${name} is not UTF-8`);
      }
      o += len;
    } else {
      if (o + 4 > bytes.byteLength) return decodeFailure('bad-length', `truncated ${name}`);
      args[name] = view.getUint32(o);
      o += 4;
    }
  }
  if (o !== bytes.byteLength) return decodeFailure('bad-length', `trailing bytes [bytes:${bytes.byteLength - o}]`);
  return {
    ok: true,
    value: { relayKey, opId, author, seq, clientTimeMs: Number(time), kind, args } as unknown as OpBody,
  };
}

/** Lower-case hex of op ids and keys in logs, maps and the UI: proto/bytes.ts `toHex` under the name op code reads best with. */
export { toHex as opHex } from '../proto/bytes.ts';
