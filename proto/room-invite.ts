/**
 * Signed room invites (issue 15): someone who may make invites signs
 * {room, group, expiry, uses}; the holder redeems it (`RedeemRoomInvite`) and
 * the relay admits their key to that room's token group (a `password: true`
 * group, the same secret group a room password admits to), whose rules say
 * what it may do there. No shared secret: the relay checks the signature, that
 * the issuer may still make invites, the expiry and the use count (kept
 * durably). Same signing shape as the organisation invites (invite.ts), with
 * its own domain prefix so neither can be taken for the other.
 *
 * Layout (integers big-endian), 96 + room id + group name + 64 bytes:
 *
 *   offset len  field
 *        0   1  format version (1)
 *        1  32  relay public key the invite is for
 *       33  16  random invite id
 *       49   8  expires at, unix ms (0 = never)
 *       57   4  maximum uses (0 = unlimited)
 *       61  32  issuer's Ed25519 public key
 *       93   1  room id length R (1..32)
 *       94   R  room id (a-z, 0-9, -)
 *     94+R   1  group name length G (1..128 bytes of UTF-8)
 *     95+R   G  group name
 *   95+R+G  64  Ed25519 signature by the issuer over
 *               "parley-room-invite-v1\0" || every byte before it
 *
 * The link form is `https://host/#room-invite=<base64url>`: a fragment never
 * reaches servers or their logs.
 */
import { fromBase64Url, toBase64Url } from './base64url.ts';
import { decodeFailure } from './errors.ts';
import type { Decoded } from './errors.ts';
import { decodeUtf8Exact } from './bytes.ts';

/** Format version byte. */
export const ROOM_INVITE_FORMAT = 1;
/** Length of the random invite id. */
export const ROOM_INVITE_ID_BYTES = 16;
/** Longest encoded room invite (longest room id and group name). */
export const MAX_ROOM_INVITE_BYTES = 95 + 32 + 128 + 64;

const FIXED = 93;
const SIGNATURE = 64;
const ROOM_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
const MAX_GROUP_BYTES = 128;
const DOMAIN = new TextEncoder().encode('parley-room-invite-v1\0');
const FRAGMENT_KEY = 'room-invite';
const utf8 = new TextEncoder();

/** What the issuer signs. */
export interface RoomInviteFields {
  readonly relayPublicKey: Uint8Array;
  readonly id: Uint8Array;
  /** Unix ms; 0 = never. */
  readonly expiresAtMs: number;
  /** 0 = unlimited. */
  readonly maxUses: number;
  readonly issuerKey: Uint8Array;
  readonly roomId: string;
  /** A token group (`password: true`) defined on that room. */
  readonly group: string;
}

/** A complete room invite. */
export interface RoomInvite extends RoomInviteFields {
  readonly signature: Uint8Array;
}

function body(f: RoomInviteFields): Uint8Array {
  if (f.relayPublicKey.byteLength !== 32) throw new TypeError('relay key must be 32 bytes');
  if (f.id.byteLength !== ROOM_INVITE_ID_BYTES) throw new TypeError(`invite id must be ${ROOM_INVITE_ID_BYTES} bytes`);
  if (f.issuerKey.byteLength !== 32) throw new TypeError('issuer key must be 32 bytes');
  if (!Number.isSafeInteger(f.expiresAtMs) || f.expiresAtMs < 0) throw new TypeError('expiresAtMs must be a safe integer >= 0');
  if (!Number.isInteger(f.maxUses) || f.maxUses < 0 || f.maxUses > 0xffff_ffff) throw new TypeError('maxUses must be a u32');
  if (!ROOM_ID.test(f.roomId)) throw new TypeError('room id must be 1..32 of a-z, 0-9 and -');
  const group = utf8.encode(f.group);
  if (group.byteLength < 1 || group.byteLength > MAX_GROUP_BYTES) throw new TypeError(`group name must be 1..${MAX_GROUP_BYTES} bytes`);
  const room = utf8.encode(f.roomId);
  const out = new Uint8Array(FIXED + 1 + room.byteLength + 1 + group.byteLength);
  const view = new DataView(out.buffer);
  out[0] = ROOM_INVITE_FORMAT;
  out.set(f.relayPublicKey, 1);
  out.set(f.id, 33);
  view.setBigUint64(49, BigInt(f.expiresAtMs), false);
  view.setUint32(57, f.maxUses, false);
  out.set(f.issuerKey, 61);
  out[FIXED] = room.byteLength;
  out.set(room, FIXED + 1);
  out[FIXED + 1 + room.byteLength] = group.byteLength;
  out.set(group, FIXED + 2 + room.byteLength);
  return out;
}

/** The exact bytes the issuer signs. Throws `TypeError` on out-of-range fields (caller bug). */
export function roomInviteSigningBytes(fields: RoomInviteFields): Uint8Array {
  const b = body(fields);
  const out = new Uint8Array(DOMAIN.length + b.length);
  out.set(DOMAIN, 0);
  out.set(b, DOMAIN.length);
  return out;
}

/** Serialises a signed room invite. */
export function encodeRoomInvite(invite: RoomInvite): Uint8Array {
  if (invite.signature.byteLength !== SIGNATURE) throw new TypeError('signature must be 64 bytes');
  const b = body(invite);
  const out = new Uint8Array(b.byteLength + SIGNATURE);
  out.set(b, 0);
  out.set(invite.signature, b.byteLength);
  return out;
}

/** Parses room invite bytes. Never throws; checks layout only (the relay verifies the signature and the rest). */
export function decodeRoomInvite(bytes: Uint8Array): Decoded<RoomInvite> {
  if (bytes.byteLength < FIXED + 2 + SIGNATURE || bytes.byteLength > MAX_ROOM_INVITE_BYTES) return decodeFailure('bad-length', `room invite [bytes:${bytes.byteLength}]`);
  if (bytes[0] !== ROOM_INVITE_FORMAT) return decodeFailure('bad-value', `room invite format [version:${bytes[0]}]`);
  const roomLen = bytes[FIXED]!;
  const groupAt = FIXED + 1 + roomLen;
  if (groupAt >= bytes.byteLength) return decodeFailure('bad-length', 'room invite room id runs past the end');
  const groupLen = bytes[groupAt]!;
  if (groupAt + 1 + groupLen + SIGNATURE !== bytes.byteLength) return decodeFailure('bad-length', 'room invite lengths do not add up');
  let roomId: string;
  let group: string;
  try {
    roomId = decodeUtf8Exact(bytes.subarray(FIXED + 1, groupAt));
    group = decodeUtf8Exact(bytes.subarray(groupAt + 1, groupAt + 1 + groupLen));
  } catch {
    return decodeFailure('bad-value', 'room invite text is not UTF-8');
  }
  if (!ROOM_ID.test(roomId)) return decodeFailure('bad-value', 'room invite room id');
  if (groupLen < 1) return decodeFailure('bad-value', 'room invite group name is empty');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expires = view.getBigUint64(49, false);
  if (expires > BigInt(Number.MAX_SAFE_INTEGER)) return decodeFailure('bad-value', 'room invite expiry out of range');
  const copy = (from: number, len: number): Uint8Array => bytes.slice(from, from + len);
  return {
    ok: true,
    value: {
      relayPublicKey: copy(1, 32),
      id: copy(33, ROOM_INVITE_ID_BYTES),
      expiresAtMs: Number(expires),
      maxUses: view.getUint32(57, false),
      issuerKey: copy(61, 32),
      roomId,
      group,
      signature: copy(bytes.byteLength - SIGNATURE, SIGNATURE),
    },
  };
}

/** Builds and signs a room invite with `sign` (the issuer's signer). */
export async function createRoomInvite(fields: RoomInviteFields, sign: (message: Uint8Array) => Promise<Uint8Array>): Promise<RoomInvite> {
  return { ...fields, signature: await sign(roomInviteSigningBytes(fields)) };
}

/** The `#room-invite=…` fragment of a room invite link. */
export function roomInviteFragment(inviteBytes: Uint8Array): string {
  return `#${FRAGMENT_KEY}=${toBase64Url(inviteBytes)}`;
}

/** Finds a room invite in a URL fragment: null when there is none, else the raw bytes (not yet parsed) or why they are unusable. */
export function parseRoomInviteFragment(hash: string): Decoded<Uint8Array> | null {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const text = params.get(FRAGMENT_KEY);
  if (text === null) return null;
  const bytes = fromBase64Url(text.trim().replace(/\.+$/, ''));
  if (!bytes) return decodeFailure('malformed', 'room invite is not base64url');
  if (bytes.byteLength > MAX_ROOM_INVITE_BYTES) return decodeFailure('bad-length', `room invite [bytes:${bytes.byteLength}]`);
  return { ok: true, value: bytes };
}
