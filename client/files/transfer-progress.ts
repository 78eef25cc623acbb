/**
 * Download progress as the UI shows it: bytes, speed over a sliding window,
 * peers and time left. Pure; the clock is passed in.
 */

/** One download's progress snapshot. */
export interface TransferProgress {
  readonly heldBytes: number;
  readonly totalBytes: number;
  readonly heldChunks: number;
  readonly totalChunks: number;
  /** Bytes per second over the last few seconds. */
  readonly bytesPerSecond: number;
  /** Peers sending to us now. */
  readonly peers: number;
  /** Seconds left at the current speed; null when unknown (no speed yet). */
  readonly secondsLeft: number | null;
  /** Chunks found in this browser's store when the page loaded (a reload resumes from them). */
  readonly resumedChunks: number;
  /** Chunks fetched from peers or the relay since the page loaded. */
  readonly fetchedChunks: number;
  /** Of those, chunks the relay carried (the fallback). */
  readonly relayChunks: number;
  /** Chunk bytes this browser sent to other peers since the page loaded (a sharer's uplink cost). */
  readonly uploadedBytes: number;
  /** Peers sending to us now over direct connections (the relay not counted). */
  readonly directPeers: number;
  /** How the bytes come: `direct` browser to browser, `relay` through the relay, `mixed`, or `none` yet. */
  readonly path: 'direct' | 'relay' | 'mixed' | 'none';
}

/** Window over which speed is averaged, ms. */
const WINDOW_MS = 3000;

/** A sliding-window speed meter. */
export class SpeedMeter {
  readonly #samples: { at: number; bytes: number }[] = [];

  add(at: number, bytes: number): void {
    this.#samples.push({ at, bytes });
    this.#trim(at);
  }

  /** Bytes per second at time `now`. */
  rate(now: number): number {
    this.#trim(now);
    if (this.#samples.length === 0) return 0;
    const bytes = this.#samples.reduce((n, s) => n + s.bytes, 0);
    const span = Math.max(1000, now - this.#samples[0]!.at);
    return (bytes * 1000) / span;
  }

  #trim(now: number): void {
    while (this.#samples.length && this.#samples[0]!.at < now - WINDOW_MS) this.#samples.shift();
  }
}

/** Seconds to fetch `remaining` bytes at `rate` bytes/s; null at rate 0. */
export function secondsLeft(remaining: number, rate: number): number | null {
  if (remaining <= 0) return 0;
  return rate > 0 ? Math.ceil(remaining / rate) : null;
}
