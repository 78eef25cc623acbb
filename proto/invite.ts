/**
 * Signed invites: an admin's capability to let one more key in with a role.
 *
 * The relay keeps no secret for an invite. The link carries everything, signed
 * by the issuing admin's identity key; the relay checks the signature, that
 * the issuer is still an admin, the expiry, the revocation list and the use
 * count. Layout (all integers big-endian), 158 bytes:
 *
 *   offset len  field
 *        0   1  format version (1)
 *        1  32  relay public key the invite is for
 *       33  16  random invite id
 *       49   1  role (2 = member, 3 = admin; the wire `Role` numbers)
 *       50   8  expires at, unix ms (0 = never)
 *       58   4  maximum uses (0 = unlimited)
 *       62  32  issuer's Ed25519 public key
 *       94  64  Ed25519 signature by the issuer over
 *               "parley-invite-v1\0" || bytes 0..93
 *
 * The domain prefix keeps an invite signature from ever being mistaken for
 * (or made from) an auth transcript or any other signed Parley message. The
 * link form is `https://host/#invite=<base64url of the 158 bytes>`: a URL
 * fragment never reaches servers or their logs.
 */
import { fromBase64Url, toBase64Url } from './base64url.ts';
import { decodeFailure } from './errors.ts';
import type { Decoded } from './errors.ts';
import { Role } from './gen/parley_pb.ts';

/** Format version byte of {@link encodeInvite}. */
export const INVITE_FORMAT = 1;
/** Length of the random invite id. */
export const INVITE_ID_BYTES = 16;
/** Signed part of an invite (everything before the signature). */
export const INVITE_BODY_BYTES = 94;
/** Whole invite: body and signature. */
export const INVITE_BYTES = INVITE_BODY_BYTES + 64;
/** Largest expiry we accept: keeps the value an exact JS number. */
const MAX_EXPIRY = Number.MAX_SAFE_INTEGER;

const DOMAIN = new TextEncoder().encode('parley-invite-v1\0');
const FRAGMENT_KEY = 'invite';

/** Roles an invite can grant. Guests need no invite. */
export type InviteRole = Role.MEMBER | Role.ADMIN;

/** What the issuer signs. */
export interface InviteFields {
  readonly relayPublicKey: Uint8Array;
  readonly id: Uint8Array;
  readonly role: InviteRole;
  /** Unix ms; 0 = never. */
  readonly expiresAtMs: number;
  /** 0 = unlimited. */
  readonly maxUses: number;
  readonly issuerKey: Uint8Array;
}

/** A complete invite. */
export interface Invite extends InviteFields {
  readonly signature: Uint8Array;
}

function isInviteRole(role: number): role is InviteRole {
  return role === Role.MEMBER || role === Role.ADMIN;
}

function body(fields: InviteFields): Uint8Array {
  if (fields.relayPublicKey.byteLength !== 32) throw new TypeError('relay key must be 32 bytes');
  if (fields.id.byteLength !== INVITE_ID_BYTES) throw new TypeError(`invite id must be ${INVITE_ID_BYTES} bytes`);
  if (fields.issuerKey.byteLength !== 32) throw new TypeError('issuer key must be 32 bytes');
  if (!isInviteRole(fields.role)) throw new TypeError('invite role must be member or admin');
  if (!Number.isSafeInteger(fields.expiresAtMs) || fields.expiresAtMs < 0) throw new TypeError('expiresAtMs must be a safe integer >= 0');
  if (!Number.isInteger(fields.maxUses) || fields.maxUses < 0 || fields.maxUses > 0xffff_ffff) throw new TypeError('maxUses must be a u32');
  const out = new Uint8Array(INVITE_BODY_BYTES);
  const view = new DataView(out.buffer);
  out[0] = INVITE_FORMAT;
  out.set(fields.relayPublicKey, 1);
  out.set(fields.id, 33);
  out[49] = fields.role;
  view.setBigUint64(50, BigInt(fields.expiresAtMs), false);
  view.setUint32(58, fields.maxUses, false);
  out.set(fields.issuerKey, 62);
  return out;
}

/** The exact bytes the issuer signs. Throws `TypeError` on out-of-range fields (caller bug). */
export function inviteSigningBytes(fields: InviteFields): Uint8Array {
  const b = body(fields);
  const out = new Uint8Array(DOMAIN.length + b.length);
  out.set(DOMAIN, 0);
  out.set(b, DOMAIN.length);
  return out;
}

/** Serialises a signed invite to its 158 bytes. */
export function encodeInvite(invite: Invite): Uint8Array {
  if (invite.signature.byteLength !== 64) throw new TypeError('signature must be 64 bytes');
  const out = new Uint8Array(INVITE_BYTES);
  out.set(body(invite), 0);
  out.set(invite.signature, INVITE_BODY_BYTES);
  return out;
}

/** Parses invite bytes. Never throws; checks layout only (the relay verifies the signature). */
export function decodeInvite(bytes: Uint8Array): Decoded<Invite> {
  if (bytes.byteLength !== INVITE_BYTES) return decodeFailure('bad-length', `invite [bytes:${bytes.byteLength}, want:${INVITE_BYTES}]`);
  if (bytes[0] !== INVITE_FORMAT) return decodeFailure('bad-value', `invite format [version:${bytes[0]}]`);
  const role = bytes[49]!;
  if (!isInviteRole(role)) return decodeFailure('bad-value', `invite role [role:${role}]`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expires = view.getBigUint64(50, false);
  if (expires > BigInt(MAX_EXPIRY)) return decodeFailure('bad-value', 'invite expiry out of range');
  const copy = (from: number, len: number): Uint8Array => bytes.slice(from, from + len);
  return {
    ok: true,
    value: {
      relayPublicKey: copy(1, 32),
      id: copy(33, INVITE_ID_BYTES),
      role,
      expiresAtMs: Number(expires),
      maxUses: view.getUint32(58, false),
      issuerKey: copy(62, 32),
      signature: copy(INVITE_BODY_BYTES, 64),
    },
  };
}

/** Builds and signs an invite with `sign` (the issuer's signer). */
export async function createInvite(fields: InviteFields, sign: (message: Uint8Array) => Promise<Uint8Array>): Promise<Invite> {
  const signature = await sign(inviteSigningBytes(fields));
  return { ...fields, signature };
}

/** The `#invite=…` fragment of an invite link. */
export function inviteFragment(inviteBytes: Uint8Array): string {
  return `#${FRAGMENT_KEY}=${toBase64Url(inviteBytes)}`;
}

/**
 * Finds an invite in a URL fragment (`location.hash`, with or without `#`).
 * Returns null when there is no `invite=` parameter, or a Decoded with the
 * raw bytes (not yet parsed) or why they are unusable.
 */
export function parseInviteFragment(hash: string): Decoded<Uint8Array> | null {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const text = params.get(FRAGMENT_KEY);
  if (text === null) return null;
  // A link pasted with surrounding spaces or a trailing '.' from a chat message is still that link.
  const bytes = fromBase64Url(text.trim().replace(/\.+$/, ''));
  if (!bytes) return decodeFailure('malformed', 'invite is not base64url');
  if (bytes.byteLength !== INVITE_BYTES) return decodeFailure('bad-length', `invite [bytes:${bytes.byteLength}]`);
  return { ok: true, value: bytes };
}
