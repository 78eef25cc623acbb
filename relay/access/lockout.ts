/**
 * Brute-force protection per remote address, as Mumble does it: after
 * `maxFailures` refused sign-ins within `windowMs`, the address is refused
 * for `lockMs` (Mumble's defaults: 10 in 120 s, then 300 s). Pure over an
 * injected clock; memory is bounded by `maxTracked` addresses.
 */
import type { Clock } from '../clock.ts';

/** When an address gets locked out, and for how long. */
export interface LockoutPolicy {
  /** Refused sign-ins that trigger a lock-out. Default 10; 0 disables the lock-out. */
  readonly maxFailures: number;
  /** Window the failures must fall in, ms. Default 120 000. */
  readonly windowMs: number;
  /** Length of the lock-out, ms. Default 300 000. */
  readonly lockMs: number;
  /** Addresses tracked at most; the least recently failing are forgotten first. Default 10 000. */
  readonly maxTracked: number;
}

/** Mumble's autoban defaults. */
export const DEFAULT_LOCKOUT: LockoutPolicy = Object.freeze({ maxFailures: 10, windowMs: 120_000, lockMs: 300_000, maxTracked: 10_000 });

interface Entry {
  /** Failure times inside the window, oldest first. */
  failures: number[];
  lockedUntil: number;
}

/** Failure counts and lock-outs by address. */
export class AddressLockout {
  readonly #policy: LockoutPolicy;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock, policy: LockoutPolicy = DEFAULT_LOCKOUT) {
    this.#clock = clock;
    this.#policy = policy;
  }

  /** Unix ms until which `address` is locked out, or null when it may try. */
  lockedUntil(address: string): number | null {
    const entry = this.#entries.get(address);
    if (!entry) return null;
    const now = this.#clock.now();
    if (entry.lockedUntil > now) return entry.lockedUntil;
    return null;
  }

  /** Records a refused sign-in; returns the lock-out end when this failure triggered one. */
  recordFailure(address: string): number | null {
    const { maxFailures, windowMs, lockMs } = this.#policy;
    if (maxFailures <= 0) return null;
    const now = this.#clock.now();
    const entry = this.#entries.get(address) ?? { failures: [], lockedUntil: 0 };
    // Re-insert so Map order is least-recently-failing first (the eviction order).
    this.#entries.delete(address);
    this.#entries.set(address, entry);
    entry.failures = entry.failures.filter((t) => t > now - windowMs && t <= now);
    entry.failures.push(now);
    let locked: number | null = null;
    if (entry.failures.length >= maxFailures) {
      entry.lockedUntil = now + lockMs;
      entry.failures = [];
      locked = entry.lockedUntil;
    }
    this.#evict(now);
    return locked;
  }

  /** Addresses currently tracked (for tests and stats). */
  get tracked(): number {
    return this.#entries.size;
  }

  #evict(now: number): void {
    if (this.#entries.size <= this.#policy.maxTracked) return;
    for (const [address, entry] of this.#entries) {
      if (entry.lockedUntil <= now && entry.failures.every((t) => t <= now - this.#policy.windowMs)) this.#entries.delete(address);
    }
    // Still too many: forget the least recently failing, even if locked (bounded memory wins).
    for (const address of this.#entries.keys()) {
      if (this.#entries.size <= this.#policy.maxTracked) break;
      this.#entries.delete(address);
    }
  }
}
