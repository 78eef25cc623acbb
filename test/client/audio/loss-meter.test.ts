import { describe, expect, it } from 'vitest';
import { LossMeter } from '../../../client/audio/loss-meter.ts';

describe('LossMeter.take', () => {
  it('reports the lost fraction per interval', () => {
    const m = new LossMeter();
    for (let s = 100; s < 200; s++) if (s % 10 !== 0) m.onPacket(s);
    expect(m.take()).toEqual({ expected: 99, received: 90, fraction: 9 / 99 });
    for (let s = 200; s < 300; s++) m.onPacket(s);
    expect(m.take()).toMatchObject({ expected: 100, received: 100, fraction: 0 });
  });

  it('does not count a DTX pause (no seq advance) or reordering as loss', () => {
    const m = new LossMeter();
    m.onPacket(5);
    m.take();
    expect(m.take()).toEqual({ expected: 0, received: 0, fraction: 0 });
    for (const s of [7, 6, 9, 8]) m.onPacket(s);
    expect(m.take()).toMatchObject({ expected: 4, received: 4, fraction: 0 });
  });

  it('works across the u32 wrap and never reports negative loss for duplicates', () => {
    const m = new LossMeter();
    for (const s of [2 ** 32 - 2, 2 ** 32 - 1, 0, 0, 1]) m.onPacket(s);
    expect(m.take()).toMatchObject({ expected: 4, fraction: 0 });
  });
});
