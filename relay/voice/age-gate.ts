/**
 * How old a voice datagram is when the relay gets to it, per sender.
 *
 * node-datachannel hands every received message to JavaScript through an
 * unbounded queue: when the relay's thread falls behind (a GC pause, a burst,
 * overload), datagrams wait there and would be forwarded late rather than
 * dropped. The relay cannot see when a message reached the native side, but
 * the sender stamps each datagram with its 48 kHz sample clock (`ts`), so
 * `transit = now − ts/48` moves with the relay-side delay plus a constant
 * (the two clocks' offset). The smallest transit seen is the sender's
 * baseline; `age = transit − baseline` is how much later than its best case
 * a datagram is. A queue backlog shows up as age; a one-off offset does not.
 *
 * Two things move the baseline legitimately and are followed:
 * - clock drift (a sender's audio clock slower than ours): the baseline may
 *   rise by {@link DRIFT_PER_MS} per millisecond of relay time;
 * - a step (the sender's capture clock stalled, restarted or wrapped at
 *   2^32): datagrams stay "old" while arriving at real-time pace. A stale
 *   streak lasting {@link REBASE_AFTER_MS} of relay time is taken as a new
 *   baseline. A backlog drains much faster than that, so its datagrams are
 *   dropped; a step costs at most that long of the sender's audio.
 *
 * Pure: the caller passes `now` (the relay's injected clock).
 */

/** 48 kHz sample clock: samples per millisecond. */
const SAMPLES_PER_MS = 48;
/** Baseline rise allowed per ms of relay time (1,000 ppm: far above real audio clock drift). */
export const DRIFT_PER_MS = 0.001;
/** A stale streak this long (relay ms) is a sender clock step, not a backlog. */
export const REBASE_AFTER_MS = 200;

/** Tracks one sender's transit baseline and judges each datagram's age. */
export class AgeGate {
  readonly #maxAgeMs: number;
  #baseline = Number.NaN;
  #lastNow = 0;
  #staleSince = -1;

  /** `maxAgeMs`: datagrams older than this are stale; 0 disables the gate. */
  constructor(maxAgeMs: number) {
    this.#maxAgeMs = maxAgeMs;
  }

  /** True when the datagram stamped `ts` (u32, 48 kHz) arriving at `now` (ms) should be dropped as stale. */
  stale(ts: number, now: number): boolean {
    if (this.#maxAgeMs <= 0) return false;
    const transit = now - ts / SAMPLES_PER_MS;
    const baseline = this.#baseline;
    if (!(transit > baseline)) {
      // First datagram, or faster than ever: the new best case (NaN compares false).
      this.#rebase(transit, now);
      return false;
    }
    // Let the baseline follow a slow sender clock, never faster than DRIFT_PER_MS.
    const elapsed = now - this.#lastNow;
    this.#lastNow = now;
    const age = transit - baseline;
    if (elapsed > 0) this.#baseline = baseline + Math.min(age, elapsed * DRIFT_PER_MS);
    if (age <= this.#maxAgeMs) {
      this.#staleSince = -1;
      return false;
    }
    if (this.#staleSince < 0) this.#staleSince = now;
    else if (now - this.#staleSince >= REBASE_AFTER_MS) {
      this.#rebase(transit, now);
      return false;
    }
    return true;
  }

  #rebase(transit: number, now: number): void {
    this.#baseline = transit;
    this.#lastNow = now;
    this.#staleSince = -1;
  }
}
