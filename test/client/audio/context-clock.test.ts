import { describe, expect, it } from 'vitest';
import { ContextClock } from '../../../client/audio/context-clock.ts';

describe('ContextClock.toWallMs', () => {
  it('is null before any observation', () => {
    expect(new ContextClock().toWallMs(5)).toBeNull();
  });

  it('maps with the smallest observed offset (the reading taken right after a render)', () => {
    const c = new ContextClock();
    // True render instant: wall = context + 1000. Readings come 0..8 ms late.
    for (let i = 0; i < 200; i++) c.observe(i * 10, i * 10 + 1000 + ((i * 7) % 9));
    expect(c.toWallMs(5000)).toBe(6000);
  });

  it('forgets offsets older than ten seconds, so drift cannot go stale', () => {
    const c = new ContextClock();
    c.observe(0, 900); // offset 900, an early outlier
    for (let t = 20_000; t < 30_000; t += 100) c.observe(t, t + 1000);
    expect(c.toWallMs(40_000)).toBe(41_000);
  });
});
