/**
 * KeyedBuckets, the relay's one keyed limiter (ops per identity key, chat per
 * user), on an injected clock: per-key budgets, the wait it reports, and
 * eviction that only ever forgets buckets that had refilled completely, so
 * forgetting is invisible and memory follows the keys in use.
 */
import { describe, expect, it } from 'vitest';
import { KeyedBuckets } from '../../relay/rate-limit.ts';

function clockAt(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('KeyedBuckets.take', () => {
  it('gives each key its own burst, then reports the wait until its next token', () => {
    const clock = clockAt();
    const buckets = new KeyedBuckets(clock, 3, 2);
    expect([0, 1, 2].map(() => buckets.take('a'))).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(500);
    expect(buckets.take('b')).toBe(0);
    clock.advance(500);
    expect(buckets.take('a')).toBe(0);
  });

  it('sweeps only buckets idle long enough to be full again, once the map reaches sweepAt', () => {
    const clock = clockAt();
    const buckets = new KeyedBuckets(clock, 2, 1, 3); // full again after 2 s idle
    buckets.take('old');
    buckets.take('old');
    clock.advance(1_000);
    buckets.take('recent');
    buckets.take('third');
    expect(buckets.size).toBe(3);
    clock.advance(1_000); // 'old' idle 2 s: full, forgettable; the others not
    buckets.take('fourth');
    expect(buckets.size).toBe(3); // 'old' went, 'recent', 'third' and 'fourth' are held
    // Forgetting 'old' is invisible: it had refilled, and a new bucket starts just as full.
    expect([buckets.take('old'), buckets.take('old'), buckets.take('old')]).toEqual([0, 0, 1_000]);
  });

  it('does not refill a spent key early whatever else happens (no reset on reconnect)', () => {
    const clock = clockAt();
    const buckets = new KeyedBuckets(clock, 1, 1, 1); // sweeps on every take
    expect(buckets.take('k')).toBe(0);
    for (let i = 0; i < 10; i++) buckets.take(`other-${i}`);
    expect(buckets.take('k')).toBe(1_000);
  });
});
