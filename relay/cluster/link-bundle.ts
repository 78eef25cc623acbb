/**
 * What one message on a relay link carries (docs/PROTOCOL.md, "Relay to
 * relay"): either one FORWARDED datagram, or a BUNDLE of 2..255 of them in
 * the clients' bundle layout (proto/datagram.ts) — the frames a relay sends
 * to one peer relay within one event-loop turn, so several speakers' frames
 * cost one SCTP message, one UDP packet and one wake-up of the other relay.
 *
 * A peer relay is a trust boundary: {@link checkLinkMessage} walks the whole
 * message before any frame is used, bounded by {@link MAX_LINK_MESSAGE_BYTES}
 * (one SCTP packet: a bundle is never split into fragments, so losing one
 * packet loses one bundle), and answers a typed problem, never throws.
 * Checking allocates nothing; the frames are views into the message.
 */
import {
  BUNDLE_ENTRY_PREFIX_BYTES,
  BUNDLE_HEADER_BYTES,
  DatagramKind,
  MAX_BUNDLE_BYTES,
  MAX_BUNDLE_COUNT,
  encodeBundle,
  isForwarded,
} from '../../proto/index.ts';

/** Largest link message: one SCTP packet's payload on a 1,280-byte path (the clients' bundle bound). */
export const MAX_LINK_MESSAGE_BYTES = MAX_BUNDLE_BYTES;

/** Why a link message is refused as a whole. */
export type LinkMessageProblem = 'empty' | 'unknown-kind' | 'too-large' | 'bad-count' | 'bad-length' | 'bad-frame';

/** How many frames a well-formed link message carries, or why it is refused. */
export type LinkMessageCheck = { readonly ok: true; readonly frames: number } | { readonly ok: false; readonly problem: LinkMessageProblem };

const refused = (problem: LinkMessageProblem): LinkMessageCheck => ({ ok: false, problem });

/** Checks a message from a peer relay: one FORWARDED frame, or a bundle whose every entry is one and which ends where its last entry does. */
export function checkLinkMessage(bytes: Uint8Array): LinkMessageCheck {
  const n = bytes.byteLength;
  if (n === 0) return refused('empty');
  if (bytes[0] === DatagramKind.Forwarded) return isForwarded(bytes) ? { ok: true, frames: 1 } : refused('bad-frame');
  if (bytes[0] !== DatagramKind.Bundle) return refused('unknown-kind');
  if (n > MAX_LINK_MESSAGE_BYTES) return refused('too-large');
  if (n < BUNDLE_HEADER_BYTES) return refused('bad-count');
  const count = bytes[1]!;
  if (count < 2) return refused('bad-count');
  let at = BUNDLE_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + BUNDLE_ENTRY_PREFIX_BYTES > n) return refused('bad-length');
    const start = at + BUNDLE_ENTRY_PREFIX_BYTES;
    const end = start + ((bytes[at]! << 8) | bytes[at + 1]!);
    if (end > n) return refused('bad-length');
    if (!isForwarded(bytes.subarray(start, end))) return refused('bad-frame');
    at = end;
  }
  return at === n ? { ok: true, frames: count } : refused('bad-length');
}

/**
 * Calls `visit` with each frame of a message {@link checkLinkMessage} accepted
 * (views into `bytes`, in the order they were packed: per speaker, the order
 * they were sent).
 */
export function forEachLinkFrame(bytes: Uint8Array, visit: (frame: Uint8Array) => void): void {
  if (bytes[0] !== DatagramKind.Bundle) {
    visit(bytes);
    return;
  }
  const count = bytes[1]!;
  let at = BUNDLE_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const start = at + BUNDLE_ENTRY_PREFIX_BYTES;
    const end = start + ((bytes[at]! << 8) | bytes[at + 1]!);
    visit(bytes.subarray(start, end));
    at = end;
  }
}

/**
 * Packs `frames` (FORWARDED datagrams, in send order) into as few link
 * messages as fit {@link MAX_LINK_MESSAGE_BYTES}, handing each to `send`; a
 * frame too large to share a message goes alone. Returns the messages sent.
 */
export function packLinkFrames(frames: readonly Uint8Array[], send: (message: Uint8Array, frames: number) => void): number {
  let messages = 0;
  for (let i = 0; i < frames.length; ) {
    let j = i;
    let bytes = BUNDLE_HEADER_BYTES;
    while (j < frames.length && j - i < MAX_BUNDLE_COUNT && bytes + BUNDLE_ENTRY_PREFIX_BYTES + frames[j]!.byteLength <= MAX_LINK_MESSAGE_BYTES) {
      bytes += BUNDLE_ENTRY_PREFIX_BYTES + frames[j]!.byteLength;
      j++;
    }
    if (j === i) j = i + 1;
    send(j - i === 1 ? frames[i]! : encodeBundle(frames.slice(i, j)), j - i);
    messages++;
    i = j;
  }
  return messages;
}
