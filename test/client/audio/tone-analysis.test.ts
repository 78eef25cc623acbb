/**
 * The tests' own audio measure (test/helpers/tone-analysis.ts): the windowed
 * tone dominance says "mostly the tone" where a playout clock is slightly off
 * or a few frames glitched, and not for noise.
 */
import { describe, expect, it } from 'vitest';
import { toneDominance, windowedToneDominance } from '../../helpers/tone-analysis.ts';

const tone = (hz: number, seconds: number): Float32Array => Float32Array.from({ length: seconds * 48_000 }, (_, i) => 0.2 * Math.sin((2 * Math.PI * hz * i) / 48_000));

describe('windowedToneDominance', () => {
  it('gives ~0.5 for a clean tone, like toneDominance', () => {
    const x = tone(440, 2);
    expect(toneDominance(x, 440)).toBeGreaterThan(0.49);
    expect(windowedToneDominance(x, 440)).toBeGreaterThan(0.49);
  });

  it('still counts a tone played 0.1 % fast, which a 2 s Goertzel bin misses', () => {
    const x = tone(440.44, 2);
    expect(toneDominance(x, 440)).toBeLessThan(0.3);
    expect(windowedToneDominance(x, 440)).toBeGreaterThan(0.45);
  });

  it('is unmoved by a few glitched windows, and skips silent ones', () => {
    const x = tone(440, 2);
    // Four 20 ms bursts of full-scale clicks and 300 ms of silence.
    for (const at of [10_000, 30_000, 50_000, 70_000]) for (let i = 0; i < 960; i++) x[at + i] = i % 2 ? 1 : -1;
    x.fill(0, 80_000, 80_000 + 14_400);
    expect(windowedToneDominance(x, 440)).toBeGreaterThan(0.45);
  });

  it('is near 0 for noise or another tone, and 0 for silence', () => {
    let seed = 7;
    const noise = Float32Array.from({ length: 96_000 }, () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.4);
    expect(windowedToneDominance(noise, 440)).toBeLessThan(0.05);
    expect(windowedToneDominance(tone(1000, 1), 440)).toBeLessThan(0.01);
    expect(windowedToneDominance(new Float32Array(48_000), 440)).toBe(0);
  });
});
