import { describe, expect, it } from 'vitest';
import { AdaptiveTarget } from '../../../client/audio/delay-estimator.ts';

/** Feeds one packet per 20 ms with `extra(i)` ms of delay; returns the target after each packet. */
function run(t: AdaptiveTarget, frames: number, extra: (i: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < frames; i++) {
    const arrival = i * 20 + 30 + extra(i);
    t.estimator.add(arrival, i * 20);
    out.push(t.update(i * 20 + 30));
  }
  return out;
}

describe('AdaptiveTarget.update', () => {
  it('rises at once on a stall and falls back no faster than 20 ms per second', () => {
    const t = new AdaptiveTarget();
    // 2 s clean, a 200 ms stall (10 packets held and released together), then 12 s clean.
    const targets = run(t, 800, (i) => (i >= 100 && i < 110 ? (110 - i) * 20 : 0));
    expect(Math.max(...targets.slice(0, 100))).toBe(20);
    expect(targets[110]).toBeGreaterThan(100); // q95 of the window + one frame
    for (let i = 111; i < 800; i++) expect(targets[i - 1]! - targets[i]!).toBeLessThanOrEqual(20 * 0.02 + 1e-9);
    expect(targets[300]).toBeGreaterThan(70); // 2 s after the stall left the window: still well above 20
    expect(targets[799]).toBe(20); // back down after ~10 s
  });
});
