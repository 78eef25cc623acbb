import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerMatches, isLoopback } from '../../../relay/ops/index.ts';

const token = fc.stringMatching(/^[\x21-\x7e]{16,40}$/);

describe('bearerMatches()', () => {
  it('accepts exactly `Bearer <token>` and refuses any other header (property)', () => {
    fc.assert(
      fc.property(token, fc.string(), (t, other) => {
        expect(bearerMatches(`Bearer ${t}`, t)).toBe(true);
        // Random text matches only when it is the scheme (any case) and the exact token.
        expect(bearerMatches(other, t)).toBe(/^bearer /i.test(other.trim()) && other.trim().slice(7) === t);
        expect(bearerMatches(`Bearer ${t}`.slice(0, -1), t)).toBe(false);
        expect(bearerMatches(undefined, t)).toBe(false);
      }),
    );
  });
});

describe('isLoopback()', () => {
  it('is true for 127/8 and ::1 only', () => {
    expect(['127.0.0.1', '127.0.0.2', '127.255.0.9', '::1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['10.0.0.1', '203.0.113.7', '::', 'fe80::1', 'unknown', '128.0.0.1'].map(isLoopback)).toEqual([false, false, false, false, false, false]);
  });
});
