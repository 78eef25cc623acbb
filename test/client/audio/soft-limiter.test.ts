import { describe, expect, it } from 'vitest';
import { SoftLimiter, softClip } from '../../../client/audio/soft-limiter.ts';

const tone = (amp: number, hz: number, n = 960, phase = 0) =>
  Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / 48_000 + phase));
const peak = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('softClip', () => {
  it('is the identity below the knee and stays below 1 above it', () => {
    expect(softClip(0.5, 0.8)).toBe(0.5);
    expect(softClip(-0.8, 0.8)).toBe(-0.8);
    expect(softClip(3, 0.8)).toBeLessThan(1);
    expect(softClip(-3, 0.8)).toBeGreaterThan(-1);
    expect(softClip(0.9, 0.8)).toBeGreaterThan(softClip(0.85, 0.8));
  });
});

describe('SoftLimiter.process', () => {
  it('leaves a quiet mix untouched', () => {
    const l = new SoftLimiter();
    const x = tone(0.3, 440);
    const y = Float32Array.from(x);
    l.process(y);
    expect(Array.from(y)).toEqual(Array.from(x));
    expect(l.gain).toBe(1);
  });

  it('keeps three full-scale voices summed below 1 without flat-topping', () => {
    const l = new SoftLimiter();
    for (let f = 0; f < 50; f++) {
      const mix = new Float32Array(960);
      for (const hz of [220, 330, 523]) {
        const t = tone(0.9, hz, 960, (f * 960 * 2 * Math.PI * hz) / 48_000);
        for (let i = 0; i < 960; i++) mix[i]! += t[i]!;
      }
      l.process(mix);
      expect(peak(mix)).toBeLessThan(1);
      // A hard clip would produce runs of identical samples at the rail.
      let run = 0;
      let maxRun = 0;
      for (let i = 1; i < 960; i++) {
        run = Math.abs(mix[i]!) > 0.85 && mix[i] === mix[i - 1] ? run + 1 : 0;
        maxRun = Math.max(maxRun, run);
      }
      expect(maxRun).toBeLessThan(2);
    }
    expect(l.gain).toBeLessThan(0.5);
  });

  it('releases the gain back towards 1 when the mix gets quiet', () => {
    const l = new SoftLimiter({ releaseMs: 100 });
    l.process(tone(2, 440));
    const reduced = l.gain;
    for (let f = 0; f < 50; f++) l.process(tone(0.1, 440));
    expect(reduced).toBeLessThan(0.5);
    expect(l.gain).toBeGreaterThan(0.99);
  });
});
