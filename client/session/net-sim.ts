/**
 * Bad-network simulator on the outgoing voice path: sits where the session
 * hands datagrams to the DataChannel and drops or delays them. Random loss
 * (Bernoulli, `lossPct`) and per-datagram delay `delayMs ± jitterMs`
 * (uniform), from a seeded PRNG so runs repeat; independent delays reorder
 * datagrams as a real jittery path does. Keep-alives go through the same
 * path. Driven by the developer panel and by the voice benchmark; off by
 * default (then datagrams pass straight through, no timer).
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

/** Seeded loss and delay for outgoing datagrams. */
export class NetworkSimulator {
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  #config: NetSimConfig = NET_SIM_OFF;
  #random: () => number = mulberry32(NET_SIM_OFF.seed);
  #passed = 0;
  #dropped = 0;

  constructor(setTimer: (fn: () => void, ms: number) => unknown) {
    this.#setTimer = setTimer;
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
    this.#setTimer(() => deliver(bytes), delay);
  }

  stats(): NetSimStats {
    return { passed: this.#passed, dropped: this.#dropped };
  }
}
