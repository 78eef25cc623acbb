/**
 * The frames two browsers exchange on a file's DataChannel (or through the
 * relay fallback, which carries the same bytes). One byte of type, then:
 *
 *   REQUEST  = 0x01 • u32be(index)
 *   CHUNK    = 0x02 • u32be(index) • bytes
 *   MISSING  = 0x03 • u32be(index)            (asked for a chunk we do not hold)
 *
 * Decoding never throws: bad input returns a `bad-frame` result.
 */

/** Largest chunk payload a frame may carry (Chromium's SCTP message limit is 256 KiB). */
export const MAX_FRAME_CHUNK = 256 * 1024 - 16;
/** Largest chunk index (files up to ~2^32 chunks; real files are far smaller). */
const MAX_INDEX = 0xffff_fffe;

/** A decoded peer frame. */
export type PeerFrame =
  | { readonly type: 'request'; readonly index: number }
  | { readonly type: 'chunk'; readonly index: number; readonly bytes: Uint8Array }
  | { readonly type: 'missing'; readonly index: number };

const TYPE = { request: 1, chunk: 2, missing: 3 } as const;

/** Encodes `frame`. Throws RangeError for an index or payload out of range (a programming error). */
export function encodePeerFrame(frame: PeerFrame): Uint8Array {
  if (!Number.isInteger(frame.index) || frame.index < 0 || frame.index > MAX_INDEX) throw new RangeError(`bad index ${frame.index}`);
  const payload = frame.type === 'chunk' ? frame.bytes : new Uint8Array(0);
  if (payload.byteLength > MAX_FRAME_CHUNK) throw new RangeError('chunk too large');
  const out = new Uint8Array(5 + payload.byteLength);
  out[0] = TYPE[frame.type];
  new DataView(out.buffer).setUint32(1, frame.index);
  out.set(payload, 5);
  return out;
}

/** Decodes one frame; `{ ok: false }` for anything malformed. */
export function decodePeerFrame(bytes: Uint8Array): { ok: true; frame: PeerFrame } | { ok: false; code: 'bad-frame' } {
  if (bytes.byteLength < 5 || bytes.byteLength > 5 + MAX_FRAME_CHUNK) return { ok: false, code: 'bad-frame' };
  const index = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  if (index > MAX_INDEX) return { ok: false, code: 'bad-frame' };
  switch (bytes[0]) {
    case TYPE.request:
      return bytes.byteLength === 5 ? { ok: true, frame: { type: 'request', index } } : { ok: false, code: 'bad-frame' };
    case TYPE.missing:
      return bytes.byteLength === 5 ? { ok: true, frame: { type: 'missing', index } } : { ok: false, code: 'bad-frame' };
    case TYPE.chunk:
      return { ok: true, frame: { type: 'chunk', index, bytes: bytes.slice(5) } };
    default:
      return { ok: false, code: 'bad-frame' };
  }
}
