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

  /** Takes `n` tokens (default one); false, taking none, when fewer are there (the caller drops the unit). */
  take(n = 1): boolean {
    const now = this.#clock.now();
    const elapsed = now - this.#last;
    // A clock that steps backwards must not mint tokens or stall the bucket forever.
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#perMs);
    }
    this.#last = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
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

/**
 * One {@link TokenBucket} per key (an identity key, a user): the one keyed
 * limiter the relay's features share. An entry idle long enough to have
 * refilled completely is forgotten when the map grows past `sweepAt`, which
 * changes nothing (a new bucket starts full too), so memory follows the keys
 * in use while a key cannot refill its budget early by reconnecting.
 */
export class KeyedBuckets {
  readonly #clock: Clock;
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #fullAfterMs: number;
  readonly #sweepAt: number;
  readonly #entries = new Map<string, { readonly bucket: TokenBucket; lastUsed: number }>();

  constructor(clock: Clock, burst: number, perSecond: number, sweepAt = 4096) {
    this.#clock = clock;
    this.#burst = burst;
    this.#perSecond = perSecond;
    this.#fullAfterMs = perSecond > 0 ? Math.ceil((burst / perSecond) * 1000) : Number.POSITIVE_INFINITY;
    this.#sweepAt = sweepAt;
  }

  /** Takes a token of `key`: 0 when taken, else the milliseconds until one is there (at least 1). */
  take(key: string): number {
    const now = this.#clock.now();
    if (this.#entries.size >= this.#sweepAt) this.#sweep(now);
    let entry = this.#entries.get(key);
    if (!entry) this.#entries.set(key, (entry = { bucket: new TokenBucket(this.#clock, this.#burst, this.#perSecond), lastUsed: now }));
    entry.lastUsed = now;
    return entry.bucket.take() ? 0 : Math.max(1, entry.bucket.msUntilNext());
  }

  /** Keys held now (tests and stats). */
  get size(): number {
    return this.#entries.size;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) if (now - entry.lastUsed >= this.#fullAfterMs) this.#entries.delete(key);
  }
}
