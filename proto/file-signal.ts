/**
 * Signed file-connection descriptions (docs/PROTOCOL.md, "Files"): the offer
 * or answer one identity sends another to open a "parley-file" DataChannel.
 *
 *   "parley-file-sdp-v1\0" (19) || relay key (32) || file id (16)
 *   || from key (32) || to key (32) || kind u8 (1 offer, 2 answer)
 *   || DTLS fingerprint (SHA-256, 32) || u32be SDP length || SDP (UTF-8)
 *
 * Signing the SDP together with its DTLS fingerprint binds the DTLS
 * certificate to the sender's Parley identity: the receiver checks the
 * signature, that `fingerprint` equals the SDP's `a=fingerprint:sha-256`
 * line, and DTLS then proves the far end holds that certificate. The relay
 * that carries it can neither forge nor swap a description. ICE candidates
 * are not signed: a wrong candidate can only fail to connect.
 */
import { decodeFailure } from './errors.ts';
import type { Decoded } from './errors.ts';
import { KEY_BYTES } from './auth-transcript.ts';
import { CHAT_ID_BYTES } from './chat-signing.ts';
import { SHA256_BYTES } from './file-manifest.ts';
import { decodeUtf8Exact } from './bytes.ts';

const DOMAIN = new TextEncoder().encode('parley-file-sdp-v1\0');
/** Longest SDP a file description may carry, in bytes. */
export const MAX_FILE_SDP_BYTES = 16 * 1024;

/** Wire numbers of the description kinds. */
export const FileSdpKind = { offer: 1, answer: 2 } as const;
export type FileSdpKind = (typeof FileSdpKind)[keyof typeof FileSdpKind];

/** Everything a description signature covers. */
export interface FileDescriptionFields {
  readonly relayKey: Uint8Array;
  readonly fileId: Uint8Array;
  readonly fromKey: Uint8Array;
  readonly toKey: Uint8Array;
  readonly kind: FileSdpKind;
  /** SHA-256 fingerprint of the sender's DTLS certificate (32 bytes). */
  readonly fingerprint: Uint8Array;
  readonly sdp: string;
}

const HEAD = DOMAIN.length + KEY_BYTES + CHAT_ID_BYTES + KEY_BYTES + KEY_BYTES + 1 + SHA256_BYTES + 4;
const utf8 = new TextEncoder();

/** Builds the signed body. Throws `TypeError` on wrong-sized fields (caller bug). */
export function encodeFileDescription(f: FileDescriptionFields): Uint8Array {
  const sizes: [string, Uint8Array, number][] = [
    ['relay key', f.relayKey, KEY_BYTES],
    ['file id', f.fileId, CHAT_ID_BYTES],
    ['from key', f.fromKey, KEY_BYTES],
    ['to key', f.toKey, KEY_BYTES],
    ['fingerprint', f.fingerprint, SHA256_BYTES],
  ];
  for (const [name, b, n] of sizes) if (b.byteLength !== n) throw new TypeError(`${name} must be ${n} bytes`);
  if (f.kind !== 1 && f.kind !== 2) throw new TypeError('unknown kind');
  const sdp = utf8.encode(f.sdp);
  if (sdp.byteLength > MAX_FILE_SDP_BYTES) throw new TypeError('sdp too long');
  const out = new Uint8Array(HEAD + sdp.byteLength);
  let o = 0;
  for (const part of [DOMAIN, f.relayKey, f.fileId, f.fromKey, f.toKey]) {
    out.set(part, o);
    o += part.byteLength;
  }
  out[o++] = f.kind;
  out.set(f.fingerprint, o);
  o += SHA256_BYTES;
  new DataView(out.buffer).setUint32(o, sdp.byteLength, false);
  out.set(sdp, o + 4);
  return out;
}

/** Parses a body: the inverse of {@link encodeFileDescription}. Never throws. */
export function decodeFileDescription(bytes: Uint8Array): Decoded<FileDescriptionFields> {
  if (bytes.byteLength < HEAD) return decodeFailure('bad-length', `too short [bytes:${bytes.byteLength}]`);
  for (let i = 0; i < DOMAIN.length; i++) if (bytes[i] !== DOMAIN[i]) return decodeFailure('malformed', 'wrong domain');
  let o = DOMAIN.length;
  const take = (n: number): Uint8Array => bytes.slice(o, (o += n));
  const relayKey = take(KEY_BYTES);
  const fileId = take(CHAT_ID_BYTES);
  const fromKey = take(KEY_BYTES);
  const toKey = take(KEY_BYTES);
  const kind = bytes[o++]!;
  if (kind !== 1 && kind !== 2) return decodeFailure('unknown-kind', `kind ${kind}`);
  const fingerprint = take(SHA256_BYTES);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(o, false);
  o += 4;
  if (length > MAX_FILE_SDP_BYTES) return decodeFailure('too-large', 'sdp too long');
  if (o + length !== bytes.byteLength) return decodeFailure('bad-length', 'sdp length does not match');
  let sdp: string;
  try {
    sdp = decodeUtf8Exact(bytes.subarray(o));
  } catch {
    return decodeFailure('malformed', 'sdp is not UTF-8');
  }
  return { ok: true, value: { relayKey, fileId, fromKey, toKey, kind, fingerprint, sdp } };
}

/**
 * The SHA-256 DTLS fingerprint an SDP declares (`a=fingerprint:sha-256 AB:CD:…`),
 * or null when it has none or several different ones.
 */
export function sdpFingerprint(sdp: string): Uint8Array | null {
  const found = new Set<string>();
  for (const m of sdp.matchAll(/^a=fingerprint:sha-256 ([0-9A-Fa-f:]+)\s*$/gmu)) found.add(m[1]!.toUpperCase());
  if (found.size !== 1) return null;
  const hex = [...found][0]!.split(':');
  if (hex.length !== SHA256_BYTES || hex.some((h) => h.length !== 2)) return null;
  return Uint8Array.from(hex, (h) => parseInt(h, 16));
}
