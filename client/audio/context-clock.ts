/**
 * Maps an AudioContext's clock onto the page's wall clock
 * (`performance.timeOrigin + performance.now()`, which all pages on one
 * machine share), so a recording tap can say when its first sample was
 * rendered. Pure: the engine feeds observations.
 *
 * The main thread sees `currentTime` advance once per rendered block, a
 * little after the audio thread rendered it. So `wall - context` is smallest
 * when read right after a render, and the minimum over recent observations
 * is the best estimate of the render instant of each context frame (to
 * within one render callback, typically a few ms; the same bias on every
 * page). Minima are kept per one-second bucket over ten buckets, so a slow
 * drift between the audio and system clocks cannot go stale.
 */

const BUCKET_MS = 1000;
const BUCKETS = 10;

/** Render-time mapping of one AudioContext. */
export class ContextClock {
  readonly #min = new Float64Array(BUCKETS).fill(Number.POSITIVE_INFINITY);
  readonly #bucketOf = new Float64Array(BUCKETS).fill(-1);

  /** Records one reading of `ctx.currentTime` (as ms) and the wall clock (ms) taken together. */
  observe(contextMs: number, wallMs: number): void {
    const bucket = Math.floor(wallMs / BUCKET_MS);
    const i = bucket % BUCKETS;
    if (this.#bucketOf[i] !== bucket) {
      this.#bucketOf[i] = bucket;
      this.#min[i] = Number.POSITIVE_INFINITY;
    }
    this.#min[i] = Math.min(this.#min[i]!, wallMs - contextMs);
  }

  /** Wall-clock ms at which context time `contextMs` was rendered; null before any observation. */
  toWallMs(contextMs: number): number | null {
    let newest = -1;
    for (let i = 0; i < BUCKETS; i++) newest = Math.max(newest, this.#bucketOf[i]!);
    if (newest < 0) return null;
    let offset = Number.POSITIVE_INFINITY;
    for (let i = 0; i < BUCKETS; i++) {
      if (this.#bucketOf[i]! > newest - BUCKETS) offset = Math.min(offset, this.#min[i]!);
    }
    return contextMs + offset;
  }
}
