import { describe, expect, it } from 'vitest';
import { FrameAccumulator } from '../../../client/audio/frame-accumulator.ts';

describe('FrameAccumulator.push', () => {
  it('re-blocks 128-sample quanta into contiguous 960-sample frames', () => {
    const acc = new FrameAccumulator(960);
    const frames: number[][] = [];
    let n = 0;
    for (let q = 0; q < 30; q++) {
      const quantum = Float32Array.from({ length: 128 }, () => n++);
      acc.push(quantum, 128, (f) => frames.push(Array.from(f)));
    }
    expect(frames).toHaveLength(4); // 3840 samples
    expect(frames.flat()).toEqual(Array.from({ length: 3840 }, (_, i) => i));
  });

  it('treats a missing input as zeros', () => {
    const acc = new FrameAccumulator(256);
    const frames: Float32Array[] = [];
    acc.push(Float32Array.from({ length: 128 }, () => 1), 128, (f) => frames.push(Float32Array.from(f)));
    acc.push(undefined, 128, (f) => frames.push(Float32Array.from(f)));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.slice(0, 128).every((v) => v === 1)).toBe(true);
    expect(frames[0]!.slice(128).every((v) => v === 0)).toBe(true);
  });
});
