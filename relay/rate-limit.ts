/**
 * Token bucket over an injected clock. Used per connection for control frames
 * and per sender for voice datagrams; `take()` is allocation-free so it can sit
 * on the datagram hot path.
 */
import type { Clock } from './options.ts';

/** A bucket of `burst` tokens refilled at `perSecond` tokens per second. */
export class TokenBucket {
  readonly #clock: Clock;
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #last: number;

  constructor(clock: Clock, burst: number, perSecond: number) {
    this.#clock = clock;
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Takes one token; false when the bucket is empty (the caller drops the unit). */
  take(): boolean {
    const now = this.#clock.now();
    const elapsed = now - this.#last;
    // A clock that steps backwards must not mint tokens or stall the bucket forever.
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#perMs);
    }
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until `take()` can next succeed (0 when a token is there now). */
  msUntilNext(): number {
    const elapsed = Math.max(0, this.#clock.now() - this.#last);
    const tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#perMs);
    if (tokens >= 1) return 0;
    return this.#perMs > 0 ? Math.ceil((1 - tokens) / this.#perMs) : Number.POSITIVE_INFINITY;
  }
}
