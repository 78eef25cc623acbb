import { describe, expect, it } from 'vitest';
import { LevelMeter, levelFromRms, rms, rmsToDbfs } from '../../../client/audio/level-meter.ts';

const sine = (amp: number, n = 960, hz = 440) => Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / 48_000));

describe('levelFromRms', () => {
  it('maps -60 dBFS and below to 0 and 0 dBFS and above to 1', () => {
    expect(levelFromRms(0)).toBe(0);
    expect(levelFromRms(10 ** (-60 / 20))).toBe(0);
    expect(levelFromRms(10 ** (-80 / 20))).toBe(0);
    expect(levelFromRms(1)).toBe(1);
    expect(levelFromRms(2)).toBe(1);
  });

  it('is linear in dB in between', () => {
    expect(levelFromRms(10 ** (-30 / 20))).toBeCloseTo(0.5, 6);
    expect(levelFromRms(10 ** (-15 / 20))).toBeCloseTo(0.75, 6);
    expect(levelFromRms(10 ** (-20 / 20), -40)).toBeCloseTo(0.5, 6);
  });
});

describe('rms', () => {
  it('of a full-scale sine is 1/sqrt(2), about -3 dBFS', () => {
    const r = rms(sine(1, 48_000));
    expect(r).toBeCloseTo(Math.SQRT1_2, 3);
    expect(rmsToDbfs(r)).toBeCloseTo(-3.01, 1);
  });

  it('of silence or an empty range is 0', () => {
    expect(rms(new Float32Array(128))).toBe(0);
    expect(rms(sine(1), 5, 5)).toBe(0);
    expect(rmsToDbfs(0)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('LevelMeter', () => {
  it('takeRms() returns the RMS over all blocks since the last take, then resets', () => {
    const m = new LevelMeter();
    m.add(sine(0.5));
    m.add(new Float32Array(960));
    expect(m.takeRms()).toBeCloseTo(0.25, 2);
    expect(m.takeRms()).toBe(0);
  });
});
