/**
 * The exact bytes a chat author signs (docs/PROTOCOL.md, "Signed chat bytes").
 *
 *   "parley-chat-v1\0" (15) || relay key (32) || action u8 || id (16) || author key (32)
 *   || target kind u8 || u16be target length || target bytes || u64be client_time_ms
 *   || ref id (16; zeros for a post) || u32be text length || text (UTF-8)
 *
 * A fixed layout with explicit lengths rather than protobuf bytes: protobuf
 * encoders may order or pad fields differently, and a signature must cover
 * one and only one byte string per message. Every variable part carries its
 * length, so two different messages can never produce the same bytes (the
 * property tests decode the bytes back to prove it). Binding the relay key
 * keeps a message signed for one relay from being replayed on another.
 *
 * Pure functions over bytes; used by the relay (verify with node:crypto) and
 * the browser (sign with the identity Signer, verify with @noble/ed25519).
 */
import { decodeFailure } from './errors.ts';
import type { Decoded } from './errors.ts';
import { KEY_BYTES } from './auth-transcript.ts';
import { decodeUtf8Exact } from './bytes.ts';

const DOMAIN = new TextEncoder().encode('parley-chat-v1\0');

/** Length of a chat item id, in bytes. */
export const CHAT_ID_BYTES = 16;
/** Longest room id a chat target may name, in UTF-8 bytes. */
export const MAX_CHAT_ROOM_ID_BYTES = 128;

/** Wire numbers of the chat actions (same as the proto enum `ChatAction`). */
export const ChatActionCode = { post: 1, edit: 2, delete: 3 } as const;
export type ChatActionCode = (typeof ChatActionCode)[keyof typeof ChatActionCode];

/** A chat target in signing form. */
export type SigningTarget = { readonly kind: 'room'; readonly roomId: string } | { readonly kind: 'direct'; readonly peerKey: Uint8Array };

/** Everything the signature covers. */
export interface ChatSigningFields {
  /** The relay's Ed25519 public key (ServerHello.relay_public_key). */
  readonly relayKey: Uint8Array;
  readonly action: ChatActionCode;
  readonly id: Uint8Array;
  readonly authorKey: Uint8Array;
  readonly target: SigningTarget;
  /** Unsigned 64-bit. */
  readonly clientTimeMs: bigint;
  /** 16 bytes; all zero for a post. */
  readonly refId: Uint8Array;
  readonly text: string;
}

const TARGET_ROOM = 1;
const TARGET_DIRECT = 2;
const U64_MAX = (1n << 64n) - 1n;

/** Offset of the variable-length target; everything before it is fixed. */
const FIXED_HEAD = DOMAIN.length + KEY_BYTES + 1 + CHAT_ID_BYTES + KEY_BYTES + 1 + 2;
/** Fixed bytes after the target: time, ref id, text length. */
const FIXED_TAIL = 8 + CHAT_ID_BYTES + 4;

const utf8 = new TextEncoder();

function expectLength(name: string, bytes: Uint8Array, length: number): void {
  if (bytes.byteLength !== length) throw new TypeError(`${name} must be ${length} bytes [got:${bytes.byteLength}]`);
}

/**
 * Builds the bytes to sign. Throws `TypeError` on fields of the wrong size
 * (a caller bug: validate wire input with `checkChatItem` first).
 */
export function chatSigningBytes(f: ChatSigningFields): Uint8Array {
  expectLength('relay key', f.relayKey, KEY_BYTES);
  expectLength('id', f.id, CHAT_ID_BYTES);
  expectLength('author key', f.authorKey, KEY_BYTES);
  expectLength('ref id', f.refId, CHAT_ID_BYTES);
  if (f.action !== 1 && f.action !== 2 && f.action !== 3) throw new TypeError(`unknown action [action:${String(f.action)}]`);
  if (f.clientTimeMs < 0n || f.clientTimeMs > U64_MAX) throw new TypeError('client time out of range');
  let targetKind: number;
  let target: Uint8Array;
  if (f.target.kind === 'room') {
    targetKind = TARGET_ROOM;
    target = utf8.encode(f.target.roomId);
    if (target.byteLength === 0 || target.byteLength > MAX_CHAT_ROOM_ID_BYTES) throw new TypeError('room id length out of range');
  } else {
    targetKind = TARGET_DIRECT;
    target = f.target.peerKey;
    expectLength('peer key', target, KEY_BYTES);
  }
  const text = utf8.encode(f.text);
  const out = new Uint8Array(FIXED_HEAD + target.byteLength + FIXED_TAIL + text.byteLength);
  const view = new DataView(out.buffer);
  let o = 0;
  out.set(DOMAIN, o);
  o += DOMAIN.length;
  out.set(f.relayKey, o);
  o += KEY_BYTES;
  out[o++] = f.action;
  out.set(f.id, o);
  o += CHAT_ID_BYTES;
  out.set(f.authorKey, o);
  o += KEY_BYTES;
  out[o++] = targetKind;
  view.setUint16(o, target.byteLength, false);
  o += 2;
  out.set(target, o);
  o += target.byteLength;
  view.setBigUint64(o, f.clientTimeMs, false);
  o += 8;
  out.set(f.refId, o);
  o += CHAT_ID_BYTES;
  view.setUint32(o, text.byteLength, false);
  o += 4;
  out.set(text, o);
  return out;
}

/**
 * Parses signing bytes back into fields: the inverse of
 * {@link chatSigningBytes}. Never throws. Nothing on the wire carries these
 * bytes; the parser exists so tests can prove the layout is unambiguous.
 */
export function decodeChatSigningBytes(bytes: Uint8Array): Decoded<ChatSigningFields> {
  if (bytes.byteLength < FIXED_HEAD + FIXED_TAIL) return decodeFailure('bad-length', `too short [bytes:${bytes.byteLength}]`);
  for (let i = 0; i < DOMAIN.length; i++) {
    if (bytes[i] !== DOMAIN[i]) return decodeFailure('malformed', 'wrong domain');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = DOMAIN.length;
  const relayKey = bytes.slice(o, o + KEY_BYTES);
  o += KEY_BYTES;
  const action = bytes[o++]!;
  if (action !== 1 && action !== 2 && action !== 3) return decodeFailure('unknown-kind', `action ${action}`);
  const id = bytes.slice(o, o + CHAT_ID_BYTES);
  o += CHAT_ID_BYTES;
  const authorKey = bytes.slice(o, o + KEY_BYTES);
  o += KEY_BYTES;
  const targetKind = bytes[o++]!;
  const targetLength = view.getUint16(o, false);
  o += 2;
  if (o + targetLength + FIXED_TAIL > bytes.byteLength) return decodeFailure('bad-length', 'target overruns');
  const targetBytes = bytes.slice(o, o + targetLength);
  o += targetLength;
  let target: SigningTarget;
  if (targetKind === TARGET_ROOM) {
    if (targetLength === 0 || targetLength > MAX_CHAT_ROOM_ID_BYTES) return decodeFailure('bad-length', 'room id length');
    let roomId: string;
    try {
      roomId = decodeUtf8Exact(targetBytes);
    } catch {
      return decodeFailure('malformed', 'room id is not UTF-8');
    }
    target = { kind: 'room', roomId };
  } else if (targetKind === TARGET_DIRECT) {
    if (targetLength !== KEY_BYTES) return decodeFailure('bad-length', 'peer key length');
    target = { kind: 'direct', peerKey: targetBytes };
  } else {
    return decodeFailure('unknown-kind', `target kind ${targetKind}`);
  }
  const clientTimeMs = view.getBigUint64(o, false);
  o += 8;
  const refId = bytes.slice(o, o + CHAT_ID_BYTES);
  o += CHAT_ID_BYTES;
  const textLength = view.getUint32(o, false);
  o += 4;
  if (o + textLength !== bytes.byteLength) return decodeFailure('bad-length', 'text length does not match');
  let text: string;
  try {
    text = decodeUtf8Exact(bytes.subarray(o));
  } catch {
    return decodeFailure('malformed', 'text is not UTF-8');
  }
  return { ok: true, value: { relayKey, action, id, authorKey, target, clientTimeMs, refId, text } };
}
