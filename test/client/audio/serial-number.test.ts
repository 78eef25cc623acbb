import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SerialUnwrapper, serialDiff } from '../../../client/audio/serial-number.ts';

describe('serialDiff', () => {
  it('measures across the 2^32 wrap', () => {
    expect(serialDiff(2, 0xfffffffe)).toBe(4);
    expect(serialDiff(0xfffffffe, 2)).toBe(-4);
    expect(serialDiff(5, 5)).toBe(0);
  });
});

describe('SerialUnwrapper.unwrap', () => {
  it('turns any wrapping sequence with small steps into a monotone line', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 200 }), (start, steps) => {
        const u = new SerialUnwrapper();
        let raw = start;
        let prev = u.unwrap(raw);
        for (const s of steps) {
          raw = (raw + s) >>> 0;
          const ext = u.unwrap(raw);
          expect(ext - prev).toBe(s);
          prev = ext;
        }
      }),
    );
  });

  it('places a slightly older value just below the newest', () => {
    const u = new SerialUnwrapper();
    u.unwrap(0xfffffff0);
    const newest = u.unwrap(3);
    expect(u.unwrap(0xfffffffe)).toBe(newest - 5);
    expect(u.unwrap(4)).toBe(newest + 1);
  });
});
