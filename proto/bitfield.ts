/**
 * Chunk bitfields: which chunks of one file a peer holds. Bit `i` is chunk
 * `i`, most significant bit first in each byte (BitTorrent's order); the
 * spare bits of the last byte are zero. 65 536 chunks take 8 KiB, so one
 * bitfield always fits a control frame.
 *
 * The wire form is the raw bytes; `FileAnnounce.complete` stands in for an
 * all-ones field so a seeder of a big file sends one flag, not 8 KiB.
 */
import { decodeFailure } from './errors.ts';
import type { Decoded } from './errors.ts';
import { MAX_CHUNKS } from './file-manifest.ts';

/** Bytes of the wire form of a bitfield over `chunks` chunks. */
export function bitfieldBytes(chunks: number): number {
  return Math.ceil(chunks / 8);
}

/** A set of chunk indexes in [0, size). Mutated only through {@link Bitfield.set} and {@link Bitfield.clear}. */
export class Bitfield {
  readonly #bits: Uint8Array;
  #count = 0;

  /** An empty field over `size` chunks (0..{@link MAX_CHUNKS}); `full` sets every bit. */
  constructor(readonly size: number, full = false) {
    if (!Number.isInteger(size) || size < 0 || size > MAX_CHUNKS) throw new RangeError(`bitfield size out of range [size:${size}]`);
    this.#bits = new Uint8Array(bitfieldBytes(size));
    if (full) for (let i = 0; i < size; i++) this.set(i);
  }

  /** Chunks held. */
  get count(): number {
    return this.#count;
  }

  /** Every chunk is held. */
  get complete(): boolean {
    return this.#count === this.size;
  }

  /** Whether chunk `i` is held (false outside the range). */
  has(i: number): boolean {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) return false;
    return (this.#bits[i >> 3]! & (0x80 >> (i & 7))) !== 0;
  }

  /** Marks chunk `i` held. Returns whether it was new. Throws `RangeError` outside the range. */
  set(i: number): boolean {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`chunk out of range [chunk:${i}]`);
    if (this.has(i)) return false;
    this.#bits[i >> 3]! |= 0x80 >> (i & 7);
    this.#count++;
    return true;
  }

  /** Marks chunk `i` not held (a chunk whose store failed). Returns whether it was held. Throws `RangeError` outside the range. */
  clear(i: number): boolean {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`chunk out of range [chunk:${i}]`);
    if (!this.has(i)) return false;
    this.#bits[i >> 3]! &= ~(0x80 >> (i & 7));
    this.#count--;
    return true;
  }

  /** Held chunk indexes, ascending. */
  *indexes(): IterableIterator<number> {
    for (let i = 0; i < this.size; i++) if (this.has(i)) yield i;
  }

  /** The wire form (a copy). */
  toBytes(): Uint8Array {
    return this.#bits.slice();
  }
}

/**
 * Parses a wire bitfield over `size` chunks. Never throws: a wrong length or
 * a set spare bit fails with a code (so two encodings of one set never exist).
 */
export function decodeBitfield(bytes: Uint8Array, size: number): Decoded<Bitfield> {
  if (!Number.isInteger(size) || size < 0 || size > MAX_CHUNKS) return decodeFailure('bad-value', `size out of range [size:${size}]`);
  if (bytes.byteLength !== bitfieldBytes(size)) return decodeFailure('bad-length', `expected ${bitfieldBytes(size)} bytes [got:${bytes.byteLength}]`);
  const spare = bitfieldBytes(size) * 8 - size;
  if (spare > 0 && (bytes[bytes.byteLength - 1]! & ((1 << spare) - 1)) !== 0) return decodeFailure('bad-value', 'spare bits set');
  const field = new Bitfield(size);
  for (let i = 0; i < size; i++) if ((bytes[i >> 3]! & (0x80 >> (i & 7))) !== 0) field.set(i);
  return { ok: true, value: field };
}
