/** The state log's batch frame (relay/cluster/state-batch.ts): round trip, a lone entry is itself, garbage and truncation never throw. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchFrameBytes, decodeStateBatch, encodeStateBatch } from '../../../relay/cluster/state-batch.ts';

const entry = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => {
  // Entries are state-codec JSON: never starting with the batch mark.
  if (b[0] === 0) b[0] = 0x7b;
  return b;
});

describe('state-log batch frame', () => {
  it('round-trips any list of entries, in order, within the size it promises', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 40 }), (entries) => {
        const frame = encodeStateBatch(entries);
        expect(frame.byteLength).toBeLessThanOrEqual(batchFrameBytes(entries.reduce((n, e) => n + e.byteLength, 0), entries.length));
        const decoded = decodeStateBatch(frame);
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(decoded.value.map((e) => [...e])).toEqual(entries.map((e) => [...e]));
      }),
    );
  });

  it('writes one entry as itself (readable by relays without batches) and reads an old entry as a batch of one', () => {
    const json = new TextEncoder().encode('{"v":1,"k":"user"}');
    expect(encodeStateBatch([json])).toBe(json);
    const decoded = decodeStateBatch(json);
    expect(decoded.ok && decoded.value).toEqual([json]);
  });

  it('never throws on garbage or a truncated frame, and refuses empty and bad frames with a code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodeStateBatch(bytes);
        decodeStateBatch(Uint8Array.from([0, 1, ...bytes]));
      }),
    );
    fc.assert(
      fc.property(fc.array(entry, { minLength: 2, maxLength: 10 }), fc.nat(), (entries, cut) => {
        const frame = encodeStateBatch(entries);
        const at = 2 + (cut % (frame.byteLength - 2));
        const decoded = decodeStateBatch(frame.subarray(0, at));
        if (at === 2) expect(decoded.ok).toBe(false);
        // A cut on an entry boundary is a shorter valid batch; anywhere else it is refused.
        if (decoded.ok) expect(decoded.value.length).toBeLessThan(entries.length);
      }),
    );
    expect(decodeStateBatch(new Uint8Array()).ok).toBe(false);
    expect(decodeStateBatch(Uint8Array.from([0])).ok).toBe(false);
    const wrongVersion = decodeStateBatch(Uint8Array.from([0, 2, 1, 65]));
    expect(!wrongVersion.ok && wrongVersion.error.code).toBe('bad-value');
    const emptyEntry = decodeStateBatch(Uint8Array.from([0, 1, 0]));
    expect(!emptyEntry.ok && emptyEntry.error.code).toBe('bad-value');
    const longLength = decodeStateBatch(Uint8Array.from([0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(!longLength.ok && longLength.error.code).toBe('bad-value');
    const short = decodeStateBatch(Uint8Array.from([0, 1, 5, 65]));
    expect(!short.ok && short.error.code).toBe('bad-length');
  });
});
