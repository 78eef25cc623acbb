import { describe, expect, it } from 'vitest';
import { alignByWindows, quantile, windowDelays } from '../../bench/voice/align.ts';
import { mulberry32 } from '../../client/session/voice/seeded-random.ts';

describe('windowDelays', () => {
  it('finds a delay that changes half way, to the sample, and aligns the copy back', () => {
    const rnd = mulberry32(4);
    const ref = Float32Array.from({ length: 48_000 * 4 }, () => rnd() - 0.5);
    // First half delayed by 3000 samples, second half by 3960 (a jitter buffer held one frame).
    const deg = new Float32Array(ref.length + 12_000);
    for (let i = 0; i < ref.length; i++) deg[i + (i < 96_000 ? 3000 : 3960)] = ref[i]! * 0.5;
    const opts = { windowSamples: 24_000, hopSamples: 24_000, minLag: 0, maxLag: 9600, minRms: 0.01, minPeak: 0.5 };
    const d = windowDelays(ref, deg, opts);
    expect(d.map((w) => w.lag)).toEqual([3000, 3000, 3000, 3000, 3960, 3960, 3960, 3960]);
    expect(Math.min(...d.map((w) => w.peak))).toBeGreaterThan(0.99);
    const aligned = alignByWindows(ref.length, deg, d, 24_000);
    expect(aligned[10]).toBeCloseTo(ref[10]! * 0.5, 6);
    expect(aligned[150_000]).toBeCloseTo(ref[150_000]! * 0.5, 6);
  });

  it('skips quiet windows and windows without a match', () => {
    const rnd = mulberry32(5);
    const ref = Float32Array.from({ length: 48_000 }, (_, i) => (i < 24_000 ? 0 : rnd() - 0.5));
    const deg = Float32Array.from({ length: 60_000 }, () => rnd() - 0.5);
    const d = windowDelays(ref, deg, { windowSamples: 12_000, hopSamples: 12_000, minLag: 0, maxLag: 4800, minRms: 0.01, minPeak: 0.5 });
    expect(d).toEqual([]);
  });
});

describe('quantile', () => {
  it('interpolates between ranks', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.95)).toBeCloseTo(4.8);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
