/**
 * The relay fallback link: chunk and hash-block requests become
 * FileRelayWant; pieces come back as FileWire frames (a hash block whole);
 * a chunk the relay refuses for its budget is asked again when another
 * carried chunk lands, and rejected when nothing else is in flight.
 */
import { describe, expect, it } from 'vitest';
import { decodeFileWire, encodeFileWire, relayLink } from '../../../client/files/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import type { EnvelopeInit } from '../../../proto/index.ts';

const CHUNK = 1024;
const manifest = { fileId: new Uint8Array(16).fill(7), size: 3 * CHUNK + 10, chunkSize: CHUNK };

function rig() {
  const sent: EnvelopeInit[] = [];
  const frames: ReturnType<typeof decodeFileWire>[] = [];
  const link = relayLink(manifest, (m) => (sent.push(m), true));
  link.onFrame = (f) => frames.push(decodeFileWire(f));
  const request = (chunk: number) => link.send(encodeFileWire({ msg: { case: 'request', value: { fileId: manifest.fileId, chunk } } }));
  const wants = () =>
    sent.flatMap((m) => {
      if (m?.case !== 'fileRelayWant') return [];
      const v = m.value as { chunk: number; hashBlock?: boolean };
      return [{ chunk: v.chunk, hashBlock: v.hashBlock ?? false }];
    });
  const settle = () => new Promise<void>((r) => queueMicrotask(r));
  return { link, frames, request, wants, settle };
}

describe('relayLink', () => {
  it('a refused chunk is asked again once another carried chunk has landed', async () => {
    const r = rig();
    await r.request(0);
    await r.request(1);
    r.link.refused(1, ErrorCode.RATE_LIMITED);
    await r.settle();
    expect(r.frames).toEqual([]);
    expect(r.wants()).toEqual([{ chunk: 0, hashBlock: false }, { chunk: 1, hashBlock: false }]);
    r.link.deliver({ $typeName: 'parley.v1.FileRelayPiece', fileId: manifest.fileId, chunk: 0, offset: 0, data: new Uint8Array(CHUNK), hashBlock: false });
    expect(r.wants()).toEqual([{ chunk: 0, hashBlock: false }, { chunk: 1, hashBlock: false }, { chunk: 1, hashBlock: false }]);
    expect(r.frames.map((f) => f.ok && f.msg.case)).toEqual(['piece']);
  });

  it('refused with nothing else in flight, or with the fallback off: a reject', async () => {
    const r = rig();
    await r.request(2);
    r.link.refused(2, ErrorCode.RATE_LIMITED);
    await r.request(3);
    r.link.refused(3, ErrorCode.FILE_FALLBACK_OFF);
    await r.settle();
    expect(r.frames.map((f) => (f.ok && f.msg.case === 'reject' ? f.msg.value.chunk : null))).toEqual([2, 3]);
  });

  it('a hash block is asked with hashBlock set and handed on whole once all its pieces came', async () => {
    const r = rig();
    await r.link.send(encodeFileWire({ msg: { case: 'hashRequest', value: { fileId: manifest.fileId, block: 0 } } }));
    expect(r.wants()).toEqual([{ chunk: 0, hashBlock: true }]);
    const data = new Uint8Array(4 * 32).map((_, i) => i);
    r.link.deliver({ $typeName: 'parley.v1.FileRelayPiece', fileId: manifest.fileId, chunk: 0, offset: 0, data: data.subarray(0, 100), hashBlock: true });
    expect(r.frames).toEqual([]);
    // Out of order: ignored.
    r.link.deliver({ $typeName: 'parley.v1.FileRelayPiece', fileId: manifest.fileId, chunk: 0, offset: 101, data: data.subarray(101), hashBlock: true });
    r.link.deliver({ $typeName: 'parley.v1.FileRelayPiece', fileId: manifest.fileId, chunk: 0, offset: 100, data: data.subarray(100), hashBlock: true });
    const f = r.frames[0]!;
    expect(f.ok && f.msg.case === 'hashBlock' && [...f.msg.value.data]).toEqual([...data]);
  });
});
