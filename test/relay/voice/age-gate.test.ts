/**
 * AgeGate: the per-sender judgement of how late a voice datagram is, against
 * the relay's clock (a plain number here: the gate is pure).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgeGate, REBASE_AFTER_MS } from '../../../relay/voice/age-gate.ts';

const TS_PER_FRAME = 960;

describe('AgeGate.stale', () => {
  it('keeps a sender at real-time pace with jitter below the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 - 1000 * TS_PER_FRAME }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.array(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 300 }),
        (ts0, now0, jitters) => {
          const gate = new AgeGate(60);
          return jitters.every((jitter, i) => !gate.stale(ts0 + i * TS_PER_FRAME, now0 + i * 20 + jitter));
        },
      ),
    );
  });

  it('drops the backlog a stall leaves behind and forwards what arrives on time after it', () => {
    const gate = new AgeGate(60);
    expect(gate.stale(0, 1000)).toBe(false);
    expect(gate.stale(TS_PER_FRAME, 1020)).toBe(false);
    // The relay stalls 210 ms; ten queued datagrams come out at once.
    const backlog = Array.from({ length: 10 }, (_, i) => gate.stale((2 + i) * TS_PER_FRAME, 1230));
    // Those up to 60 ms late are still useful; the older ones are not.
    expect(backlog).toEqual([true, true, true, true, true, true, true, false, false, false]);
    expect(gate.stale(12 * TS_PER_FRAME, 1240)).toBe(false);
  });

  it('follows a sender clock step after a stale streak of REBASE_AFTER_MS, at real-time pace', () => {
    const gate = new AgeGate(60);
    expect(gate.stale(0, 0)).toBe(false);
    // The sender's capture clock stalled 300 ms: from now on its stamps lag by 300 ms.
    const verdicts: boolean[] = [];
    for (let i = 1; i <= 20; i++) verdicts.push(gate.stale(i * TS_PER_FRAME, 300 + i * 20));
    const kept = verdicts.indexOf(false);
    expect(kept).toBeGreaterThan(0);
    expect((kept - 1) * 20).toBeGreaterThanOrEqual(REBASE_AFTER_MS - 20);
    expect(verdicts.slice(kept).every((v) => !v)).toBe(true);
  });

  it('accepts a stamp that wrapped at 2^32 after a short streak rather than dropping the sender forever', () => {
    const gate = new AgeGate(60);
    const near = 2 ** 32 - 2 * TS_PER_FRAME;
    expect(gate.stale(near, 0)).toBe(false);
    let t = 20;
    let ts = (near + TS_PER_FRAME) >>> 0;
    expect(gate.stale(ts, t)).toBe(false);
    let dropped = 0;
    for (let i = 0; i < 50; i++) {
      t += 20;
      ts = (ts + TS_PER_FRAME) >>> 0;
      if (gate.stale(ts, t)) dropped++;
    }
    // After the wrap the stamps look 89,478 s "late": a streak, then a new baseline.
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThanOrEqual(REBASE_AFTER_MS / 20 + 1);
    expect(gate.stale((ts + TS_PER_FRAME) >>> 0, t + 20)).toBe(false);
  });

  it('lets a slow sender clock drift without drops', () => {
    const gate = new AgeGate(60);
    // 500 ppm slow: stamps advance 959.52 samples per 20 ms of relay time, for 10 minutes.
    let drops = 0;
    for (let i = 0; i < 30_000; i++) if (gate.stale(Math.round(i * 959.52), i * 20)) drops++;
    expect(drops).toBe(0);
  });

  it('never drops when disabled with 0', () => {
    const gate = new AgeGate(0);
    expect(gate.stale(0, 0)).toBe(false);
    expect(gate.stale(0, 10_000)).toBe(false);
  });
});
