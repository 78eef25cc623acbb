/**
 * Byte primitives both sides share: hex text of keys and ids, byte equality,
 * the "is this a plain object" check that every JSON record parser needs, and
 * exact UTF-8 decoding for signed fields.
 * One home for each (before, seven modules had their own hex encoder).
 * Runs unchanged in Node and the browser: no Buffer.
 */

/** Two hex digits of every byte value, computed once: encoding is one table look-up per byte. */
const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of `bytes` (two characters per byte). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.byteLength; i++) out += HEX_PAIRS[bytes[i]!]!;
  return out;
}

/** True when `text` is an even number of hex digits (either case). */
export function isHex(text: string): boolean {
  return text.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(text);
}

/**
 * Bytes of hex text our own code produced (stored keys, ids in the UI).
 * Throws `TypeError` for anything else: hex from a peer is checked with
 * {@link isHex} at the boundary first, so a throw here is a bug, not input.
 */
export function fromHex(text: string): Uint8Array {
  if (!isHex(text)) throw new TypeError(`not hex [length:${text.length}]`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Byte-for-byte equality (not constant time: for public values such as keys and ids). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True for a non-null, non-array object: the first check of every JSON record parser. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Decodes UTF-8 exactly: throws a TypeError on malformed bytes, and keeps a
 * leading U+FEFF (a plain TextDecoder drops it, so two different encodings
 * would decode to the same string and a signed field would not round-trip).
 */
export function decodeUtf8Exact(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
}
