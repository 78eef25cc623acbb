/**
 * The load's voice packets: a real uplink datagram (10-byte header, real
 * Opus) whose payload ends in an 8-byte send stamp, the sender's
 * CLOCK_MONOTONIC in µs as a little-endian float64. All processes of a run
 * share that clock (`process.hrtime` is system-wide on Linux), so a receiver
 * computes one-way delay directly. The relay forwards payloads verbatim and
 * the UDP baseline forwards whole datagrams, so the stamp is always the last
 * 8 bytes of what a receiver gets.
 */
import { DatagramKind, UPLINK_HEADER_BYTES } from '../../proto/index.ts';

/** Bytes of the send stamp appended to the Opus payload. */
export const STAMP_BYTES = 8;

/** Monotonic time in µs, comparable across processes on this machine. */
export function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/** Builds an uplink voice datagram carrying `opus` and the send stamp `sendUs`. */
export function stampedVoice(seq: number, ts: number, opus: Uint8Array, sendUs: number): Buffer {
  const out = Buffer.allocUnsafe(UPLINK_HEADER_BYTES + opus.byteLength + STAMP_BYTES);
  out[0] = DatagramKind.Voice;
  out.writeUInt32BE(seq >>> 0, 1);
  out.writeUInt32BE(ts >>> 0, 5);
  out[9] = 0;
  out.set(opus, UPLINK_HEADER_BYTES);
  out.writeDoubleLE(sendUs, out.byteLength - STAMP_BYTES);
  return out;
}

const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);

/** The send stamp at the end of a received datagram (either path); NaN if too short. */
export function readStamp(bytes: Uint8Array): number {
  const n = bytes.byteLength;
  if (n < UPLINK_HEADER_BYTES + STAMP_BYTES) return Number.NaN;
  for (let i = 0; i < STAMP_BYTES; i++) scratchBytes[i] = bytes[n - STAMP_BYTES + i]!;
  return scratch[0]!;
}
