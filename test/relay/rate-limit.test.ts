import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../relay/index.ts';

describe('TokenBucket.take', () => {
  it('allows a burst, then refills at the configured rate on the injected clock', () => {
    let now = 0;
    const bucket = new TokenBucket({ now: () => now }, 3, 10);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // one token at 10/s
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000; // never more than the burst
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it('does not mint tokens when the clock steps backwards', () => {
    let now = 1000;
    const bucket = new TokenBucket({ now: () => now }, 1, 1);
    expect(bucket.take()).toBe(true);
    now = 0;
    expect(bucket.take()).toBe(false);
  });
});
