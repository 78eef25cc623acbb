/**
 * The signalling of a relay-to-relay voice link (docs/PROTOCOL.md, "Relay to
 * relay"): one offer, sent as a core NATS request to the answering relay, and
 * its answer (or a refusal) as the reply. Each description is signed with the
 * organisation's key, which every relay of the cluster holds (`--cluster-key`),
 * so a relay accepts a link only from a relay of its own organisation; the
 * SDP carries the DTLS fingerprint, so the signature binds the encrypted
 * channel that follows to that relay. The time stamp bounds replays (and a
 * replayed offer gains nothing: DTLS needs the fingerprint's private key).
 *
 * JSON, versioned by `v`, like the other relay-to-relay messages (codec.ts);
 * the decoder validates the whole shape and never throws.
 */
import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { verifyEd25519 } from '../access/ed25519.ts';

/** Largest signalling message (an SDP with a few candidates is ~1 KiB). */
export const MAX_LINK_SIGNAL_BYTES = 16 * 1024;
/** How far a signal's time stamp may be from the receiver's clock. */
export const LINK_SIGNAL_SKEW_MS = 60_000;
const VERSION = 1;
const ID = /^[A-Za-z0-9_-]{1,32}$/;
const B64 = /^[A-Za-z0-9+/]{86}==$/;

/**
 * One signed message: an `offer` or `answer` carries a description; a `ring`
 * (sdp `-`) asks the relay that offers to offer again (the ringing relay has
 * lost its end of the link, e.g. it restarted, while the other may not
 * have noticed yet).
 */
export interface LinkSignal {
  readonly type: 'offer' | 'answer' | 'ring';
  readonly from: string;
  readonly to: string;
  readonly ts: number;
  readonly sdp: string;
}

/** What the answering relay replies. */
export type LinkReply = { readonly ok: true; readonly signal: LinkSignal } | { readonly ok: false; readonly code: number; readonly detail: string };

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** The bytes the signature covers: every field, in a fixed order, with a context string. */
function signingBytes(s: LinkSignal): Uint8Array {
  return enc.encode(`parley-relay-link-v1\n${s.type}\n${s.from}\n${s.to}\n${s.ts}\n${s.sdp}`);
}

/** Encodes `signal` signed with `key` (the organisation's private key). */
export function encodeLinkSignal(signal: LinkSignal, key: KeyObject): Uint8Array {
  const sig = Buffer.from(sign(null, signingBytes(signal), key)).toString('base64');
  return enc.encode(JSON.stringify({ v: VERSION, ...signal, sig }));
}

/** Encodes a refusal (`code`: an ErrorCode). */
export function encodeLinkRefusal(code: number, detail: string): Uint8Array {
  return enc.encode(JSON.stringify({ v: VERSION, error: code, detail: detail.slice(0, 200) }));
}

/** Why a signal is not accepted. */
export type LinkSignalProblem = 'malformed' | 'bad-signature' | 'stale' | 'not-for-us';

/** A checked signal or reply, or why not. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: LinkSignalProblem };

/**
 * Decodes and checks a signal: shape, the organisation's signature
 * (`orgKey`, raw), addressed to `self`, of an `expected` type, and within
 * {@link LINK_SIGNAL_SKEW_MS} of `now`.
 */
export function decodeLinkSignal(
  data: Uint8Array,
  check: { readonly orgKey: Uint8Array; readonly self: string; readonly expected: ReadonlyArray<LinkSignal['type']>; readonly now: number },
): Checked<LinkSignal> {
  const root = parse(data);
  if (!root) return problem('malformed');
  const { type, from, to, ts, sdp, sig } = root;
  if (
    typeof type !== 'string' || !(check.expected as readonly string[]).includes(type) ||
    typeof from !== 'string' || !ID.test(from) ||
    typeof to !== 'string' || !ID.test(to) ||
    typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0 ||
    typeof sdp !== 'string' || sdp.length === 0 || sdp.length > MAX_LINK_SIGNAL_BYTES ||
    typeof sig !== 'string' || !B64.test(sig)
  ) {
    return problem('malformed');
  }
  const signal: LinkSignal = { type: type as LinkSignal['type'], from, to, ts, sdp };
  if (!verifyEd25519(check.orgKey, signingBytes(signal), new Uint8Array(Buffer.from(sig, 'base64')))) return problem('bad-signature');
  if (to !== check.self || from === check.self) return problem('not-for-us');
  if (Math.abs(check.now - ts) > LINK_SIGNAL_SKEW_MS) return problem('stale');
  return { ok: true, value: signal };
}

/** Decodes the answering relay's reply (an answer is checked as {@link decodeLinkSignal} does). */
export function decodeLinkReply(data: Uint8Array, check: { readonly orgKey: Uint8Array; readonly self: string; readonly now: number }): Checked<LinkReply> {
  const root = parse(data);
  if (!root) return problem('malformed');
  if ('error' in root) {
    const { error, detail } = root;
    if (typeof error !== 'number' || !Number.isSafeInteger(error) || typeof detail !== 'string') return problem('malformed');
    return { ok: true, value: { ok: false, code: error, detail } };
  }
  const signal = decodeLinkSignal(data, { ...check, expected: ['answer'] });
  return signal.ok ? { ok: true, value: { ok: true, signal: signal.value } } : signal;
}

function parse(data: Uint8Array): Record<string, unknown> | null {
  if (data.byteLength === 0 || data.byteLength > MAX_LINK_SIGNAL_BYTES + 1024) return null;
  try {
    const json: unknown = JSON.parse(dec.decode(data));
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
    const root = json as Record<string, unknown>;
    return root.v === VERSION ? root : null;
  } catch {
    return null;
  }
}

function problem(code: LinkSignalProblem): { readonly ok: false; readonly problem: LinkSignalProblem } {
  return { ok: false, problem: code };
}
