/**
 * The benchmark's STOI against properties every STOI implementation has:
 * 1 for a signal against itself, level-invariant, falling with added noise,
 * near 0 for unrelated signals. Speech-like input: seeded broadband noise
 * under a random syllable envelope.
 */
import { describe, expect, it } from 'vitest';
import { stoi } from '../../bench/voice/stoi.ts';
import { mulberry32 } from '../../client/session/voice/seeded-random.ts';

function speechLike(seconds: number, seed: number): Float32Array {
  // Broadband noise under a syllable-like envelope of random lengths and levels,
  // with pauses: every STOI band carries a speech-like modulation.
  const rnd = mulberry32(seed);
  const out = new Float32Array(seconds * 16_000);
  let i = 0;
  while (i < out.length) {
    const len = Math.floor((0.08 + rnd() * 0.25) * 16_000);
    const amp = rnd() < 0.2 ? 0 : 0.1 + rnd() * 0.4;
    for (let k = 0; k < len && i < out.length; k++, i++) out[i] = amp * Math.sin((Math.PI * k) / len) * (rnd() - 0.5);
  }
  return out;
}

function withNoise(x: Float32Array, snrDb: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const p = x.reduce((a, v) => a + v * v, 0) / x.length;
  const amp = Math.sqrt(p / 10 ** (snrDb / 10)) * Math.sqrt(12);
  return x.map((v) => v + (rnd() - 0.5) * amp);
}

describe('stoi', () => {
  const clean = speechLike(4, 1);

  it('is 1 for the signal against itself and ignores overall level', () => {
    expect(stoi(clean, clean, 16_000)).toBeCloseTo(1, 3);
    expect(stoi(clean, clean.map((v) => v * 0.1), 16_000)).toBeCloseTo(1, 3);
  });

  it('falls monotonically as noise rises', () => {
    const scores = [20, 5, -5, -15].map((snr) => stoi(clean, withNoise(clean, snr, 9), 16_000));
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThan(scores[i - 1]!);
    expect(scores[0]!).toBeGreaterThan(0.9);
    expect(scores[3]!).toBeLessThan(0.6);
  });

  it('is low for an unrelated signal', () => {
    expect(stoi(clean, speechLike(4, 2), 16_000)).toBeLessThan(0.3);
  });
});
