import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePeerFrame, encodePeerFrame, MAX_FRAME_CHUNK } from '../../../client/files/peer-frames.ts';
import type { PeerFrame } from '../../../client/files/peer-frames.ts';

const index = fc.integer({ min: 0, max: 0xffff_fffe });
const frame: fc.Arbitrary<PeerFrame> = fc.oneof(
  index.map((i) => ({ type: 'request' as const, index: i })),
  index.map((i) => ({ type: 'missing' as const, index: i })),
  fc.tuple(index, fc.uint8Array({ maxLength: 4096 })).map(([i, bytes]) => ({ type: 'chunk' as const, index: i, bytes })),
);

describe('peer frames', () => {
  it('round-trips every frame', () => {
    fc.assert(fc.property(frame, (f) => {
      expect(decodePeerFrame(encodePeerFrame(f))).toEqual({ ok: true, frame: f });
    }));
  });

  it('rejects every truncation of a request or missing frame, and headers cut short', () => {
    fc.assert(
      fc.property(frame, (f) => {
        const bytes = encodePeerFrame(f);
        const cuts = f.type === 'chunk' ? [0, 1, 2, 3, 4] : [0, 1, 2, 3, 4];
        for (const n of cuts) expect(decodePeerFrame(bytes.subarray(0, n))).toEqual({ ok: false, code: 'bad-frame' });
      }),
    );
  });

  it('never throws on garbage and only accepts known types', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = decodePeerFrame(bytes);
        if (r.ok) expect([1, 2, 3]).toContain(bytes[0]);
      }),
    );
  });

  it('refuses frames above the size limit both ways', () => {
    expect(() => encodePeerFrame({ type: 'chunk', index: 0, bytes: new Uint8Array(MAX_FRAME_CHUNK + 1) })).toThrow(RangeError);
    const big = new Uint8Array(5 + MAX_FRAME_CHUNK + 1);
    big[0] = 2;
    expect(decodePeerFrame(big)).toEqual({ ok: false, code: 'bad-frame' });
  });
});
