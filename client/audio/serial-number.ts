/**
 * 32-bit serial-number arithmetic (RFC 1982 style) for the datagram `seq` and
 * `ts` fields, which wrap at 2^32.
 *
 * Receivers unwrap both into plain (53-bit safe) integers once, at insert
 * time, so every later comparison in the jitter buffer is ordinary `<`.
 */

/** Signed distance `a - b` between two u32 serial numbers, in (-2^31, 2^31]. */
export function serialDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Maps a wrapping u32 sequence onto a monotone-ish extended integer line.
 * Values are placed relative to the highest value seen so far, so a value
 * that is slightly older (reordered, late) lands just below it.
 */
export class SerialUnwrapper {
  #lastRaw = 0;
  #lastExt = 0;
  #started = false;

  /** Extended value for `raw` (u32). The first value maps to itself. */
  unwrap(raw: number): number {
    const r = raw >>> 0;
    if (!this.#started) {
      this.#started = true;
      this.#lastRaw = r;
      this.#lastExt = r;
      return r;
    }
    const ext = this.#lastExt + serialDiff(r, this.#lastRaw);
    if (ext > this.#lastExt) {
      this.#lastExt = ext;
      this.#lastRaw = r;
    }
    return ext;
  }

  /** Forgets the reference; the next value maps to itself again. */
  reset(): void {
    this.#started = false;
  }
}
