/**
 * The clock a swarm member runs on, injected (issue 16): tests and the
 * browser pass their own, and nothing in files/ reads the wall clock.
 */

/** Time and one-shot timers. */
export interface SwarmClock {
  /** Milliseconds, monotonic enough for spacing messages. */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** The host's clock (`Date.now`, `setTimeout`); adapters pass it unless a test injects another. */
export function systemClock(): SwarmClock {
  return {
    now: () => Date.now(),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
}
