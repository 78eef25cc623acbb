import { describe, expect, it } from 'vitest';
import { ActivityDetector, energy } from '../../../client/audio/voice-activity.ts';

const block = (amp: number) => Float32Array.from({ length: 960 }, (_, i) => amp * Math.sin(i / 7));
const feed = (d: ActivityDetector, b: Float32Array) => d.update(energy(b), b.length);

describe('ActivityDetector.update', () => {
  it('turns on for a signal above the threshold', () => {
    const d = new ActivityDetector();
    expect(feed(d, block(0))).toBe(false);
    expect(feed(d, block(0.1))).toBe(true);
  });

  it('stays on for the hang time after the signal stops, then turns off', () => {
    const d = new ActivityDetector({ hangMs: 300, windowMs: 100 });
    for (let i = 0; i < 10; i++) feed(d, block(0.1));
    const states: boolean[] = [];
    for (let i = 0; i < 30; i++) states.push(feed(d, block(0)));
    // The 100 ms window still holds loud blocks for 4 more frames, then 300 ms (15 frames) of hang.
    const firstOff = states.indexOf(false);
    expect(firstOff).toBeGreaterThanOrEqual(15);
    expect(firstOff).toBeLessThanOrEqual(20);
    expect(states.slice(firstOff).every((s) => !s)).toBe(true);
  });

  it('ignores noise below the threshold (-50 dBFS default)', () => {
    const d = new ActivityDetector();
    for (let i = 0; i < 20; i++) expect(feed(d, block(0.002))).toBe(false);
  });

  it('bridges one quiet frame between loud ones through the window', () => {
    const d = new ActivityDetector({ hangMs: 0 });
    feed(d, block(0.05));
    expect(feed(d, block(0))).toBe(true);
  });
});
