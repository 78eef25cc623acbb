/**
 * Reassembles one chunk from the in-order pieces a peer sends (each at most
 * 64 KiB). A piece out of order or past the chunk's end is a protocol fault
 * of that peer. Pure.
 */

/** A chunk being received. */
export class ChunkAssembly {
  readonly #buf: Uint8Array;
  #filled = 0;

  constructor(readonly length: number) {
    this.#buf = new Uint8Array(length);
  }

  /**
   * Adds a piece at `offset`. Returns the whole chunk once complete, null while
   * more is due, or 'bad' for a piece out of order or too long.
   */
  add(offset: number, data: Uint8Array): Uint8Array | null | 'bad' {
    if (offset !== this.#filled || offset + data.byteLength > this.length) return 'bad';
    this.#buf.set(data, offset);
    this.#filled += data.byteLength;
    return this.#filled === this.length ? this.#buf : null;
  }
}

/** Splits `chunk` into pieces of at most `max` bytes, with their offsets. */
export function* pieces(chunk: Uint8Array, max: number): Generator<{ offset: number; data: Uint8Array }> {
  for (let offset = 0; offset < chunk.byteLength; offset += max) yield { offset, data: chunk.subarray(offset, offset + max) };
}
