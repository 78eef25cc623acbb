/**
 * The loss report a relay sends back over a voice link (docs/PROTOCOL.md,
 * "Relay to relay"): `[0x10][received u32]`, the link messages it has
 * received from that relay since the link opened, sent every
 * {@link LOSS_REPORT_EVERY} of them. The sending relay holds its own count
 * of messages sent since the link opened; the difference at a report is what
 * the link lost, up to the few messages still in flight. Counting messages,
 * not frames' sequence numbers, keeps the sending relay's own drops (rate
 * limit, Speak suppression) out of it. Not a frame: kind 0x10 is outside the
 * datagram kinds clients see.
 */

/** Kind byte of a loss report on a relay link. */
export const LOSS_REPORT_KIND = 0x10;
/** A report's size: kind and one u32. */
export const LOSS_REPORT_BYTES = 5;
/** Link messages received between two reports (at 10 speakers, about one report a second). */
export const LOSS_REPORT_EVERY = 100;

/** A checked report, or why not. */
export type LossReportCheck = { readonly ok: true; readonly received: number } | { readonly ok: false; readonly problem: 'bad-report' };

/** Encodes a report of `received` messages (taken modulo 2^32). */
export function encodeLossReport(received: number): Uint8Array {
  const n = received >>> 0;
  return Uint8Array.of(LOSS_REPORT_KIND, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** True when `bytes` claims to be a loss report (its kind byte); {@link decodeLossReport} checks the rest. */
export function isLossReport(bytes: Uint8Array): boolean {
  return bytes.byteLength > 0 && bytes[0] === LOSS_REPORT_KIND;
}

/** Decodes a report from a peer relay; never throws. */
export function decodeLossReport(bytes: Uint8Array): LossReportCheck {
  if (bytes.byteLength !== LOSS_REPORT_BYTES || bytes[0] !== LOSS_REPORT_KIND) return { ok: false, problem: 'bad-report' };
  return { ok: true, received: ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0 };
}
