/**
 * The relay's injected time source. It lives apart from `options.ts` so that the modules
 * `options.ts` builds on (the lock-out policy, for one) can take a clock without importing
 * the options back. `options.ts` re-exports it for embedders.
 */

/** Source of wall-clock milliseconds; injected so tests and limits agree on time. */
export interface Clock {
  now(): number;
  /**
   * Optional timers on the same clock (a test's virtual clock: test/helpers/virtual-clock.ts).
   * Loops that take them (the TURN refresh) use them when given, real timers otherwise.
   */
  setTimer?(fn: () => void, ms: number): unknown;
  clearTimer?(handle: unknown): void;
}
