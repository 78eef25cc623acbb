/**
 * When to retry after losing the relay. Exponential backoff with jitter,
 * capped, never giving up on its own (the user can always press Disconnect).
 */

/** Context handed to a policy for each retry decision. */
export interface ReconnectContext {
  /** 0 for the first retry after a loss. */
  readonly attempt: number;
}

/** Returns the delay before the next attempt in ms, or null to stop. */
export interface ReconnectPolicy {
  nextDelayMs(ctx: ReconnectContext): number | null;
}

/** 500 ms, 1 s, 2 s, 4 s ... up to `maxMs` (default 10 s), ±20 % jitter. */
export function exponentialBackoff(options: { baseMs?: number; maxMs?: number; random?: () => number } = {}): ReconnectPolicy {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 10_000;
  const random = options.random ?? Math.random;
  return {
    nextDelayMs({ attempt }) {
      const d = Math.min(max, base * 2 ** Math.min(attempt, 16));
      return Math.round(d * (0.8 + 0.4 * random()));
    },
  };
}
