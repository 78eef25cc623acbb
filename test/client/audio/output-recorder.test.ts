import { describe, expect, it } from 'vitest';
import { OutputRecorder } from '../../../client/audio/output-recorder.ts';

const quantum = (start: number) => Float32Array.from({ length: 128 }, (_, i) => start + i);

describe('OutputRecorder.capture', () => {
  it('returns exactly the requested samples, in order, across quanta', () => {
    const r = new OutputRecorder();
    r.request(1, 300);
    expect(r.capture(quantum(0))).toEqual([]);
    expect(r.capture(quantum(128))).toEqual([]);
    const done = r.capture(quantum(256));
    expect(done).toHaveLength(1);
    expect(done[0]!.id).toBe(1);
    expect(Array.from(done[0]!.samples)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(r.active).toBe(false);
  });

  it('serves concurrent recordings independently and cancels the rest', () => {
    const r = new OutputRecorder();
    r.request(1, 128);
    r.request(2, 1000);
    expect(r.capture(quantum(0)).map((d) => d.id)).toEqual([1]);
    expect(r.cancelAll()).toEqual([2]);
    expect(r.active).toBe(false);
  });
});
