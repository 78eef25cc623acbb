/**
 * Bad-network simulator on the outgoing voice path: sits where the session
 * hands datagrams to the DataChannel and drops or delays them. Random loss
 * (Bernoulli, `lossPct`) and per-datagram delay `delayMs ± jitterMs`
 * (uniform), from a seeded PRNG so runs repeat; independent delays reorder
 * datagrams as a real jittery path does. Keep-alives go through the same
 * path. Driven by the developer panel and by the voice benchmark; off by
 * default (then datagrams pass straight through, no timer).
 *
 * Delayed datagrams wait in one queue ordered by due time. It is flushed
 * by a timer for the earliest one and also on every send: browsers run
 * page timers late when the main thread is busy (we measured 100–170 ms
 * spikes on a loaded machine), while the capture worklet's datagrams keep
 * arriving every 20 ms, so lateness is capped at about one frame.
 */
import { mulberry32 } from './seeded-random.ts';

/** Simulator settings. */
export interface NetSimConfig {
  /** Datagrams dropped, percent (0..100). */
  readonly lossPct: number;
  /** Mean added delay, ms (0..1000). */
  readonly delayMs: number;
  /** Half-width of the uniform delay spread, ms (0..1000); delay never goes below 0. */
  readonly jitterMs: number;
  /** PRNG seed (u32). */
  readonly seed: number;
}

/** No impairment. */
export const NET_SIM_OFF: NetSimConfig = Object.freeze({ lossPct: 0, delayMs: 0, jitterMs: 0, seed: 1 });

/** Counters since the last configure(). */
export interface NetSimStats {
  readonly passed: number;
  readonly dropped: number;
}

const clamp = (v: number, lo: number, hi: number): number => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : lo);

/** Clamps every field into range (the panel and `window.parley` are both callers). */
export function normalizeNetSim(c: Partial<NetSimConfig>): NetSimConfig {
  return {
    lossPct: clamp(c.lossPct ?? 0, 0, 100),
    delayMs: clamp(c.delayMs ?? 0, 0, 1000),
    jitterMs: clamp(c.jitterMs ?? 0, 0, 1000),
    seed: (c.seed ?? 1) >>> 0,
  };
}

interface Queued {
  readonly dueMs: number;
  readonly bytes: Uint8Array;
  readonly deliver: (bytes: Uint8Array) => void;
}

/** Seeded loss and delay for outgoing datagrams. */
export class NetworkSimulator {
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #now: () => number;
  #config: NetSimConfig = NET_SIM_OFF;
  #random: () => number = mulberry32(NET_SIM_OFF.seed);
  #queue: Queued[] = [];
  #timerDueMs = Number.POSITIVE_INFINITY;
  #passed = 0;
  #dropped = 0;

  /** `now` is a monotonic clock in ms (default `performance.now`). */
  constructor(setTimer: (fn: () => void, ms: number) => unknown, now: () => number = () => performance.now()) {
    this.#setTimer = setTimer;
    this.#now = now;
  }

  get config(): NetSimConfig {
    return this.#config;
  }

  /** Applies new settings and restarts the PRNG from the seed and the counters from zero. */
  configure(config: Partial<NetSimConfig>): void {
    this.#config = normalizeNetSim(config);
    this.#random = mulberry32(this.#config.seed);
    this.#passed = 0;
    this.#dropped = 0;
  }

  /** Sends `bytes` through the impaired path: `deliver` is called now, later, or never. */
  send(bytes: Uint8Array, deliver: (bytes: Uint8Array) => void): void {
    const c = this.#config;
    this.#flush();
    if (c.lossPct > 0 && this.#random() * 100 < c.lossPct) {
      this.#dropped++;
      return;
    }
    this.#passed++;
    if (c.delayMs === 0 && c.jitterMs === 0) {
      deliver(bytes);
      return;
    }
    const delay = Math.max(0, c.delayMs + (this.#random() * 2 - 1) * c.jitterMs);
    const item: Queued = { dueMs: this.#now() + delay, bytes, deliver };
    let i = this.#queue.length;
    while (i > 0 && this.#queue[i - 1]!.dueMs > item.dueMs) i--;
    this.#queue.splice(i, 0, item);
    this.#arm();
  }

  /** Delivers everything due, in due order. */
  #flush(): void {
    const now = this.#now();
    let n = 0;
    while (n < this.#queue.length && this.#queue[n]!.dueMs <= now) n++;
    if (n === 0) return;
    const due = this.#queue.splice(0, n);
    for (const q of due) q.deliver(q.bytes);
  }

  /** Keeps one timer pending for the earliest queued datagram. */
  #arm(): void {
    const next = this.#queue[0];
    if (!next || next.dueMs >= this.#timerDueMs) return;
    this.#timerDueMs = next.dueMs;
    this.#setTimer(() => {
      this.#timerDueMs = Number.POSITIVE_INFINITY;
      this.#flush();
      this.#arm();
    }, Math.max(0, next.dueMs - this.#now()));
  }

  stats(): NetSimStats {
    return { passed: this.#passed, dropped: this.#dropped };
  }
}
