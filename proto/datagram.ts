/**
 * Voice datagram format, sent over an unordered RTCDataChannel with
 * `maxRetransmits: 0`. All integers big-endian.
 *
 * Uplink (client -> relay):
 *   KEEPALIVE  [0x00]                                        1 byte, no payload
 *   VOICE      [0x01][seq u32][ts u32][flags u8][opus ...]   10-byte header
 *
 * Downlink (relay -> client):
 *   FORWARDED  [0x02][sender u32][room u32][seq u32][ts u32][flags u8][opus ...]  18-byte header
 *   BUNDLE     [0x03][count u8]{[len u16][FORWARDED datagram (len bytes)]}×count
 *              2..255 forwarded datagrams for one listener in one message, at most
 *              MAX_BUNDLE_BYTES; only to clients whose offer said they read it.
 *
 * `seq` counts packets (+1 per sent frame, wraps at 2^32); `ts` is the
 * sender's 48 kHz sample clock (+960 per 20 ms frame, wraps). A contiguous seq
 * with a ts jump means DTX silence, a seq gap means loss. The relay copies the
 * uplink bytes after the kind byte verbatim and prefixes sender and room, so
 * forwarding is one allocation and two writes.
 *
 * The keep-alive is a single kind byte rather than a zero-length message:
 * SCTP cannot carry an empty user message (RFC 8831 uses a special PPID for
 * that, which browsers and libdatachannel do not treat alike).
 */
import { decodeFailure } from './errors.ts';
import type { Decoded } from './errors.ts';

/** Label of the DataChannel that carries voice datagrams (unordered, no retransmits); the relay refuses others. */
export const VOICE_CHANNEL_LABEL = 'voice';

export const DatagramKind = {
  Keepalive: 0x00,
  Voice: 0x01,
  Forwarded: 0x02,
  Bundle: 0x03,
} as const;
export type DatagramKind = (typeof DatagramKind)[keyof typeof DatagramKind];

/** Flag bits in the flags byte. */
export const VoiceFlags = {
  /** First packet of a talk spurt (after silence / DTX / mute). */
  Marker: 0x01,
  /** Last packet before the sender stops transmitting (PTT released, mute). */
  End: 0x02,
} as const;

export const UPLINK_HEADER_BYTES = 10;
export const DOWNLINK_HEADER_BYTES = 18;
/** Opus packets for 20 ms mono voice are 3-200 bytes; 1275 is Opus's own maximum. */
export const MAX_OPUS_BYTES = 1275;
/** Largest datagram the relay accepts from a client. */
export const MAX_UPLINK_BYTES = UPLINK_HEADER_BYTES + MAX_OPUS_BYTES;
/** Largest forwarded datagram (the uplink with sender and room added). */
export const MAX_FORWARDED_BYTES = MAX_UPLINK_BYTES + 8;
/**
 * Largest bundle: one SCTP packet's payload on a 1,280-byte path MTU, so a
 * bundle is never split into fragments (losing one would lose them all).
 */
export const MAX_BUNDLE_BYTES = 1_100;
/** Bundle header, and the length prefix of each datagram in it. */
export const BUNDLE_HEADER_BYTES = 2;
export const BUNDLE_ENTRY_PREFIX_BYTES = 2;
/** Most datagrams one bundle carries (its count byte). */
export const MAX_BUNDLE_COUNT = 255;

/** A voice packet as the sender made it. */
export interface VoicePacket {
  readonly seq: number;
  readonly ts: number;
  readonly flags: number;
  readonly payload: Uint8Array;
}

/** A voice packet as a receiver gets it from the relay. */
export interface ForwardedVoice extends VoicePacket {
  readonly sender: number;
  readonly room: number;
}

export type Uplink = { readonly kind: 'keepalive' } | ({ readonly kind: 'voice' } & VoicePacket);

/** Encodes an uplink voice datagram. */
export function encodeVoice(p: VoicePacket): Uint8Array {
  const out = new Uint8Array(UPLINK_HEADER_BYTES + p.payload.byteLength);
  const dv = new DataView(out.buffer);
  out[0] = DatagramKind.Voice;
  dv.setUint32(1, p.seq >>> 0, false);
  dv.setUint32(5, p.ts >>> 0, false);
  out[9] = p.flags & 0xff;
  out.set(p.payload, UPLINK_HEADER_BYTES);
  return out;
}

/** Encodes the 1-byte keep-alive. */
export function encodeKeepalive(): Uint8Array {
  return Uint8Array.of(DatagramKind.Keepalive);
}

/** Parses an uplink datagram (relay side). Never throws. */
export function decodeUplink(bytes: Uint8Array): Decoded<Uplink> {
  if (bytes.byteLength === 0) return decodeFailure('empty', 'empty datagram');
  if (bytes.byteLength > MAX_UPLINK_BYTES) {
    return decodeFailure('too-large', `datagram [bytes:${bytes.byteLength}, max:${MAX_UPLINK_BYTES}]`);
  }
  const kind = bytes[0];
  if (kind === DatagramKind.Keepalive) {
    if (bytes.byteLength !== 1) return decodeFailure('bad-length', 'keepalive carries no payload');
    return { ok: true, value: { kind: 'keepalive' } };
  }
  if (kind !== DatagramKind.Voice) return decodeFailure('unknown-kind', `datagram [kind:${kind}]`);
  if (bytes.byteLength <= UPLINK_HEADER_BYTES) return decodeFailure('bad-length', 'voice datagram without payload');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    ok: true,
    value: {
      kind: 'voice',
      seq: dv.getUint32(1, false),
      ts: dv.getUint32(5, false),
      flags: bytes[9]!,
      payload: bytes.subarray(UPLINK_HEADER_BYTES),
    },
  };
}

/**
 * Builds the downlink datagram from a validated uplink voice datagram without
 * re-encoding: copies uplink bytes [1..] after a 9-byte kind+sender+room prefix.
 */
export function forwardVoice(uplink: Uint8Array, sender: number, room: number): Uint8Array {
  const out = new Uint8Array(uplink.byteLength + 8);
  const dv = new DataView(out.buffer);
  out[0] = DatagramKind.Forwarded;
  dv.setUint32(1, sender >>> 0, false);
  dv.setUint32(5, room >>> 0, false);
  out.set(uplink.subarray(1), 9);
  return out;
}

/** Encodes a downlink datagram directly (tests, simulators). */
export function encodeForwarded(p: ForwardedVoice): Uint8Array {
  return forwardVoice(encodeVoice(p), p.sender, p.room);
}

/** Parses a downlink datagram (client side). Never throws. */
export function decodeDownlink(bytes: Uint8Array): Decoded<ForwardedVoice> {
  if (bytes.byteLength === 0) return decodeFailure('empty', 'empty datagram');
  if (bytes.byteLength > MAX_FORWARDED_BYTES) return decodeFailure('too-large', `datagram [bytes:${bytes.byteLength}]`);
  if (bytes[0] !== DatagramKind.Forwarded) return decodeFailure('unknown-kind', `datagram [kind:${bytes[0]}]`);
  if (bytes.byteLength <= DOWNLINK_HEADER_BYTES) return decodeFailure('bad-length', 'forwarded datagram without payload');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    ok: true,
    value: {
      sender: dv.getUint32(1, false),
      room: dv.getUint32(5, false),
      seq: dv.getUint32(9, false),
      ts: dv.getUint32(13, false),
      flags: bytes[17]!,
      payload: bytes.subarray(DOWNLINK_HEADER_BYTES),
    },
  };
}

/** Bytes a bundle of `parts` takes. */
export function bundleBytes(parts: readonly Uint8Array[]): number {
  let n = BUNDLE_HEADER_BYTES;
  for (const p of parts) n += BUNDLE_ENTRY_PREFIX_BYTES + p.byteLength;
  return n;
}

/**
 * Packs 2..255 forwarded datagrams into one BUNDLE (relay side). The caller
 * keeps the result within {@link MAX_BUNDLE_BYTES}; this only refuses what
 * the format cannot express.
 */
export function encodeBundle(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length < 2 || parts.length > MAX_BUNDLE_COUNT) throw new RangeError(`bundle of ${parts.length} datagrams`);
  const out = new Uint8Array(bundleBytes(parts));
  out[0] = DatagramKind.Bundle;
  out[1] = parts.length;
  let at = BUNDLE_HEADER_BYTES;
  for (const p of parts) {
    if (p.byteLength > 0xffff) throw new RangeError(`datagram of ${p.byteLength} bytes`);
    out[at] = p.byteLength >>> 8;
    out[at + 1] = p.byteLength & 0xff;
    out.set(p, at + BUNDLE_ENTRY_PREFIX_BYTES);
    at += BUNDLE_ENTRY_PREFIX_BYTES + p.byteLength;
  }
  return out;
}

/**
 * The forwarded datagrams in a downlink message (client side): itself for a
 * FORWARDED datagram, its entries for a BUNDLE (views into `bytes`), each
 * checked with {@link decodeDownlink}'s rules. Never throws; a malformed
 * bundle yields nothing usable.
 */
export function splitDownlink(bytes: Uint8Array): Decoded<Uint8Array[]> {
  if (bytes.byteLength === 0) return decodeFailure('empty', 'empty datagram');
  if (bytes[0] === DatagramKind.Forwarded) {
    const one = decodeDownlink(bytes);
    return one.ok ? { ok: true, value: [bytes] } : one;
  }
  if (bytes[0] !== DatagramKind.Bundle) return decodeFailure('unknown-kind', `datagram [kind:${bytes[0]}]`);
  if (bytes.byteLength > MAX_BUNDLE_BYTES) return decodeFailure('too-large', `bundle [bytes:${bytes.byteLength}]`);
  if (bytes.byteLength < BUNDLE_HEADER_BYTES) return decodeFailure('bad-length', 'bundle without count');
  const count = bytes[1]!;
  if (count < 2) return decodeFailure('bad-length', `bundle [count:${count}]`);
  const parts: Uint8Array[] = [];
  let at = BUNDLE_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + BUNDLE_ENTRY_PREFIX_BYTES > bytes.byteLength) return decodeFailure('bad-length', `bundle entry ${i} past the end`);
    const len = (bytes[at]! << 8) | bytes[at + 1]!;
    const start = at + BUNDLE_ENTRY_PREFIX_BYTES;
    if (start + len > bytes.byteLength) return decodeFailure('bad-length', `bundle entry ${i} past the end`);
    const part = bytes.subarray(start, start + len);
    const check = decodeDownlink(part);
    if (!check.ok) return check;
    parts.push(part);
    at = start + len;
  }
  if (at !== bytes.byteLength) return decodeFailure('bad-length', 'bytes after the last bundle entry');
  return { ok: true, value: parts };
}

// --- Allocation-free peeks for the hot paths (the relay's router and worker
// loopback, the client's transport). Each agrees with the decoder above on
// what it accepts (test/relay/connection/fuzz.relay.test.ts and
// test/proto/datagram.test.ts check them against each other); offsets live
// only in this module.

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** The kind byte (`DatagramKind`), or -1 for an empty message. */
export function peekKind(bytes: Uint8Array): number {
  return bytes.byteLength === 0 ? -1 : bytes[0]!;
}

/** True when `bytes` is what {@link decodeUplink} accepts as voice (not a keep-alive, not malformed). */
export function isUplinkVoice(bytes: Uint8Array): boolean {
  const n = bytes.byteLength;
  return n > UPLINK_HEADER_BYTES && n <= MAX_UPLINK_BYTES && bytes[0] === DatagramKind.Voice;
}

/** The sender's 48 kHz timestamp of an uplink voice datagram (check {@link isUplinkVoice} first). */
export function peekUplinkTs(bytes: Uint8Array): number {
  return u32(bytes, 5);
}

/** True when `bytes` is a FORWARDED datagram with a payload, within its size bound. */
export function isForwarded(bytes: Uint8Array): boolean {
  const n = bytes.byteLength;
  return n > DOWNLINK_HEADER_BYTES && n <= MAX_FORWARDED_BYTES && bytes[0] === DatagramKind.Forwarded;
}

/** Sender session id of a FORWARDED datagram (check {@link isForwarded} first). */
export function peekForwardedSender(bytes: Uint8Array): number {
  return u32(bytes, 1);
}

/**
 * Rewrites the sender session id of a FORWARDED datagram in place (check
 * {@link isForwarded} first): a relay receiving a frame from another relay
 * names the speaker by the id it shows them under.
 */
export function setForwardedSender(bytes: Uint8Array, sender: number): void {
  // Byte writes, not a DataView: this runs once per frame from another relay.
  bytes[1] = sender >>> 24;
  bytes[2] = (sender >>> 16) & 0xff;
  bytes[3] = (sender >>> 8) & 0xff;
  bytes[4] = sender & 0xff;
}

/** Room voice id of a FORWARDED datagram (check {@link isForwarded} first). */
export function peekForwardedRoom(bytes: Uint8Array): number {
  return u32(bytes, 5);
}
