/**
 * The bytes of moderation between relays (docs/PROTOCOL.md, "Relay to
 * relay"): a relay asks the relay holding a session to kick it, move it, or
 * say whether it still holds it (the presence dedupe's probe), and that relay
 * answers with one error code. JSON like the other cluster messages
 * (codec.ts); the decoders validate the whole shape and never throw.
 */
import { ErrorCode, KEY_BYTES } from '../../proto/index.ts';
import type { Decoded } from '../../proto/errors.ts';
import { b64, bytes, encode, fail, int, parse, str } from './codec.ts';

/** Longest kick text carried, in UTF-16 units (the admin's reason, at most 200 code points, so up to 400 units, and its prefix). */
export const MAX_KICK_TEXT = 512;
/** Longest room id carried. */
const MAX_ROOM_ID = 256;

/** Which session the request is about: the holder's own session id and the key it must be signed in with. */
interface Target {
  readonly sessionId: number;
  readonly publicKey: Uint8Array;
}

/** One request to the relay holding a session. */
export type ModerationRequest =
  | (Target & { readonly kind: 'kick'; readonly text: string })
  | (Target & { readonly kind: 'move'; readonly roomId: string })
  | (Target & { readonly kind: 'probe' });

/** The codes a holder answers with. */
export const MODERATION_CODES: readonly ErrorCode[] = [ErrorCode.UNSPECIFIED, ErrorCode.UNKNOWN_USER, ErrorCode.UNKNOWN_ROOM, ErrorCode.ROOM_FULL, ErrorCode.BAD_REQUEST];

/** A request's bytes. */
export function encodeModerationRequest(r: ModerationRequest): Uint8Array {
  const base = { k: r.kind, s: r.sessionId, p: b64(r.publicKey) };
  if (r.kind === 'kick') return encode({ ...base, t: r.text });
  if (r.kind === 'move') return encode({ ...base, r: r.roomId });
  return encode(base);
}

/** Parses a request; never throws. */
export function decodeModerationRequest(data: Uint8Array): Decoded<ModerationRequest> {
  return parse(data, (m) => {
    const sessionId = int(m.s, 'session');
    const publicKey = bytes(m.p, 'key');
    if (publicKey.byteLength !== KEY_BYTES) fail('key');
    switch (m.k) {
      case 'kick':
        return { kind: 'kick', sessionId, publicKey, text: str(m.t, 'text', MAX_KICK_TEXT) };
      case 'move':
        return { kind: 'move', sessionId, publicKey, roomId: str(m.r, 'room', MAX_ROOM_ID) };
      case 'probe':
        return { kind: 'probe', sessionId, publicKey };
      default:
        return fail('kind');
    }
  });
}

/** An answer's bytes. */
export function encodeModerationAnswer(code: ErrorCode): Uint8Array {
  return encode({ c: code });
}

/** Parses an answer; never throws. */
export function decodeModerationAnswer(data: Uint8Array): Decoded<ErrorCode> {
  return parse(data, (m) => (MODERATION_CODES.includes(m.c as ErrorCode) ? (m.c as ErrorCode) : fail('code')));
}
