import { describe, expect, it } from 'vitest';
import { TransmitGate } from '../../../client/audio/transmit-gate.ts';

const frame = (amp: number) => Float32Array.from({ length: 960 }, (_, i) => amp * Math.sin(i / 5));
const run = (g: TransmitGate, amp: number, frames: number) => Array.from({ length: frames }, () => g.update(frame(amp)));

describe('TransmitGate.update', () => {
  it('is always open in continuous mode and never in muted mode', () => {
    expect(run(new TransmitGate({ mode: 'continuous' }), 0, 5)).toEqual([true, true, true, true, true]);
    expect(run(new TransmitGate({ mode: 'muted' }), 0.5, 5)).toEqual([false, false, false, false, false]);
  });

  it('follows the push-to-talk key at once, without waiting for a frame', () => {
    const g = new TransmitGate({ mode: 'push-to-talk' });
    expect(g.open).toBe(false);
    g.configure({ pttDown: true });
    expect(g.open).toBe(true);
    expect(run(g, 0, 3)).toEqual([true, true, true]);
    g.configure({ pttDown: false });
    expect(g.open).toBe(false);
  });

  it('opens on loud input and closes after the hang time in voice activation', () => {
    const g = new TransmitGate({ mode: 'voice-activation', thresholdDb: -30, hangMs: 100 });
    expect(run(g, 0.001, 5).some(Boolean)).toBe(false);
    expect(run(g, 0.1, 1)).toEqual([true]);
    const after = run(g, 0.001, 20);
    const closed = after.indexOf(false);
    // 60 ms window (3 frames) + 100 ms hang (5 frames).
    expect(closed).toBeGreaterThanOrEqual(7);
    expect(closed).toBeLessThanOrEqual(9);
    expect(g.voiceActive).toBe(false);
  });

  it('applies a new threshold from the next frame', () => {
    const g = new TransmitGate({ mode: 'voice-activation', thresholdDb: -10, hangMs: 0 });
    expect(run(g, 0.05, 3).some(Boolean)).toBe(false);
    g.configure({ thresholdDb: -40 });
    expect(run(g, 0.05, 1)).toEqual([true]);
  });
});
