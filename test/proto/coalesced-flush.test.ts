/**
 * CoalescedFlush (proto/coalesced-flush.ts), the one rate bound behind the
 * swarm's `have` messages, its tracker announces and the page's file updates
 * (client/session/files-link.ts): runs at most once per interval, never
 * drops the last ask, and stops when closed. On a virtual clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoalescedFlush } from '../../proto/coalesced-flush.ts';
import { VirtualClock } from '../helpers/virtual-clock.ts';

function rig(intervalMs: number) {
  const clock = new VirtualClock(1_000);
  const runs: number[] = [];
  const flush = new CoalescedFlush(clock, intervalMs, () => runs.push(clock.now()));
  return { clock, runs, flush };
}

describe('CoalescedFlush', () => {
  it('runs the first ask at once and merges the asks of one interval into one run at its end', () => {
    const { clock, runs, flush } = rig(100);
    flush.ask();
    expect(runs).toEqual([1_000]);
    for (let i = 0; i < 10; i++) {
      clock.advance(5);
      flush.ask();
    }
    expect(runs).toEqual([1_000]);
    clock.advance(100);
    expect(runs).toEqual([1_000, 1_100]);
    // A quiet spell: the next ask runs at once again.
    clock.advance(500);
    flush.ask();
    expect(runs).toEqual([1_000, 1_100, 1_650]);
  });

  it('now() runs at once and cancels the pending run; close() stops everything', () => {
    const { clock, runs, flush } = rig(100);
    flush.ask();
    clock.advance(10);
    flush.ask();
    flush.now();
    expect(runs).toEqual([1_000, 1_010]);
    clock.advance(200);
    expect(runs).toEqual([1_000, 1_010]);
    clock.advance(10);
    flush.ask();
    clock.advance(10);
    flush.ask();
    flush.close();
    clock.advance(1_000);
    flush.ask();
    flush.now();
    expect(runs).toEqual([1_000, 1_010, 1_220]);
    expect(clock.pending).toBe(0);
  });

  it('for any asks: runs are an interval apart, and every ask is followed by a run within one interval', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }), (interval, gaps) => {
        const { clock, runs, flush } = rig(interval);
        const asks: number[] = [];
        for (const gap of gaps) {
          clock.advance(gap);
          asks.push(clock.now());
          flush.ask();
        }
        clock.advance(interval);
        for (let i = 1; i < runs.length; i++) expect(runs[i]! - runs[i - 1]!).toBeGreaterThanOrEqual(interval);
        for (const at of asks) expect(runs.some((r) => r >= at && r <= at + interval)).toBe(true);
        expect(clock.pending).toBe(0);
      }),
    );
  });
});
