import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeFileWire, encodeFileWire, MAX_PIECE_BYTES } from '../../../client/files/file-wire.ts';

const fileId = fc.uint8Array({ minLength: 16, maxLength: 16 });
const chunk = fc.integer({ min: 0, max: 65_535 });

describe('FileWire decoding (client limits)', () => {
  it('round-trips requests and pieces', () => {
    fc.assert(
      fc.property(fileId, chunk, fc.uint8Array({ minLength: 1, maxLength: 2048 }), (id, c, data) => {
        const r = decodeFileWire(encodeFileWire({ msg: { case: 'piece', value: { fileId: id, chunk: c, offset: 0, data } } }));
        expect(r.ok && r.msg.case === 'piece' && r.msg.value.chunk === c && Buffer.from(r.msg.value.data).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });

  it('never throws on garbage or truncation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodeFileWire(bytes);
      }),
    );
    const whole = encodeFileWire({ msg: { case: 'request', value: { fileId: new Uint8Array(16).fill(1), chunk: 5 } } });
    for (let n = 0; n < whole.length; n++) expect(decodeFileWire(whole.subarray(0, n)).ok).toBe(false);
  });

  it('refuses a wrong file id length, an oversized piece and a chunk index past the limit', () => {
    expect(decodeFileWire(encodeFileWire({ msg: { case: 'request', value: { fileId: new Uint8Array(3), chunk: 1 } } })).ok).toBe(false);
    expect(decodeFileWire(encodeFileWire({ msg: { case: 'piece', value: { fileId: new Uint8Array(16), chunk: 1, offset: 0, data: new Uint8Array(MAX_PIECE_BYTES + 1) } } })).ok).toBe(false);
    expect(decodeFileWire(encodeFileWire({ msg: { case: 'request', value: { fileId: new Uint8Array(16), chunk: 70_000 } } })).ok).toBe(false);
  });
});
