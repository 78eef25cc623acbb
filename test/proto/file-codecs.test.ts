/** Property tests for the file codecs: manifest, bitfield, signed descriptions (round trip, truncation, garbage). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Bitfield,
  HASH_BLOCK_CHUNKS,
  MAX_CHUNKS,
  buildHashBlocks,
  checkHashBlock,
  chooseChunkSize,
  chunkCount,
  decodeBitfield,
  decodeFileDescription,
  decodeFileManifest,
  encodeFileDescription,
  encodeFileManifest,
  hashBlockCount,
  sdpFingerprint,
  sha256,
} from '../../proto/index.ts';
import type { FileDescriptionFields, FileManifestFields } from '../../proto/index.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const name = fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f/\\]/u.test(s) && s !== '.' && s !== '..' && new TextEncoder().encode(s).byteLength <= 255);
const manifest: fc.Arbitrary<FileManifestFields> = fc
  .record({
    relayKey: bytes(32),
    fileId: bytes(16),
    authorKey: bytes(32),
    target: fc.oneof(
      fc.string({ minLength: 1, maxLength: 30 }).map((roomId) => ({ kind: 'room' as const, roomId })),
      bytes(32).map((peerKey) => ({ kind: 'direct' as const, peerKey })),
    ),
    // Up to and past 2 GB (u64 on the wire).
    size: fc.oneof(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 2 ** 31 - 5, max: 2 ** 31 + 5 }), fc.integer({ min: 1, max: 2 ** 38 })),
    name,
    type: fc.constantFrom('', 'image/png', 'application/octet-stream', 'audio/ogg; codecs=opus'),
    fileSha256: bytes(32),
  })
  .chain((f) => {
    const chunkSize = chooseChunkSize(f.size);
    const n = hashBlockCount(f.size, chunkSize);
    return fc.array(bytes(32), { minLength: n, maxLength: n }).map((hashBlockSha256) => ({ ...f, chunkSize, hashBlockSha256 }));
  });

describe('file manifest codec', () => {
  it('round-trips every manifest, including files over 2 GB', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const decoded = decodeFileManifest(encodeFileManifest(m));
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(decoded.value).toEqual(m);
      }),
    );
  });

  it('fails every truncation and every extension with a code, never throws', () => {
    fc.assert(
      fc.property(manifest, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (m, cut, extra) => {
        const body = encodeFileManifest(m);
        const short = decodeFileManifest(body.subarray(0, cut % body.byteLength));
        expect(short.ok).toBe(false);
        const long = new Uint8Array(body.byteLength + extra.byteLength);
        long.set(body);
        long.set(extra, body.byteLength);
        const decodedLong = decodeFileManifest(long);
        expect(decodedLong.ok).toBe(false);
      }),
    );
  });

  it('never throws on garbage, and anything it accepts re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (garbage) => {
        const decoded = decodeFileManifest(garbage);
        if (decoded.ok) expect(encodeFileManifest(decoded.value)).toEqual(garbage);
        else expect(decoded.error.code).toMatch(/.+/);
      }),
    );
  });

  it('chooses 256 KiB chunks up to 16 GiB and never more than the chunk cap', () => {
    expect(chooseChunkSize(2 * 1024 ** 3)).toBe(256 * 1024);
    expect(chunkCount(2 * 1024 ** 3, chooseChunkSize(2 * 1024 ** 3))).toBe(8192);
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 38 }), (size) => {
      expect(chunkCount(size, chooseChunkSize(size))).toBeLessThanOrEqual(MAX_CHUNKS);
    }));
  });

  it('accepts a hash block only when it hashes to the signed digest', async () => {
    const chunkHashes = await Promise.all(Array.from({ length: HASH_BLOCK_CHUNKS + 3 }, (_, i) => sha256(new Uint8Array([i & 255, i >> 8]))));
    const { blocks, digests } = await buildHashBlocks(chunkHashes);
    const size = (HASH_BLOCK_CHUNKS + 3) * 16 * 1024;
    const m: FileManifestFields = {
      relayKey: new Uint8Array(32), fileId: new Uint8Array(16), authorKey: new Uint8Array(32), target: { kind: 'room', roomId: 'r' },
      size, chunkSize: 16 * 1024, name: 'a.bin', type: '', fileSha256: new Uint8Array(32), hashBlockSha256: digests,
    };
    expect(blocks).toHaveLength(2);
    expect(await checkHashBlock(m, 1, blocks[1]!)).toEqual(chunkHashes.slice(HASH_BLOCK_CHUNKS));
    const bad = blocks[1]!.slice();
    bad[5]! ^= 1;
    expect(await checkHashBlock(m, 1, bad)).toBeNull();
    expect(await checkHashBlock(m, 0, blocks[1]!)).toBeNull();
    expect(await checkHashBlock(m, 2, blocks[1]!)).toBeNull();
  });
});

describe('bitfield codec', () => {
  const field = fc.integer({ min: 0, max: 3000 }).chain((size) =>
    fc.array(fc.integer({ min: 0, max: Math.max(0, size - 1) }), { maxLength: size === 0 ? 0 : 200 }).map((set) => {
      const b = new Bitfield(size);
      for (const i of set) b.set(i);
      return { size, set: new Set(set), b };
    }),
  );

  it('round-trips: same size, same chunks, same count', () => {
    fc.assert(
      fc.property(field, ({ size, set, b }) => {
        const decoded = decodeBitfield(b.toBytes(), size);
        expect(decoded.ok).toBe(true);
        if (!decoded.ok) return;
        expect([...decoded.value.indexes()]).toEqual([...set].sort((x, y) => x - y));
        expect(decoded.value.count).toBe(set.size);
        expect(decoded.value.complete).toBe(set.size === size);
      }),
    );
  });

  it('rejects a wrong length and set spare bits; never throws on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: -5, max: 600 }), (garbage, size) => {
        const decoded = decodeBitfield(garbage, size);
        if (decoded.ok) expect(decoded.value.toBytes()).toEqual(garbage);
      }),
    );
    expect(decodeBitfield(new Uint8Array([0b0000_0001]), 7)).toMatchObject({ ok: false, error: { code: 'bad-value' } });
    expect(decodeBitfield(new Uint8Array([0, 0]), 7)).toMatchObject({ ok: false, error: { code: 'bad-length' } });
    expect(decodeBitfield(new Uint8Array(0), MAX_CHUNKS + 1)).toMatchObject({ ok: false, error: { code: 'bad-value' } });
  });

  it('set and clear keep the count and the bytes equal to a model set (clear is how a failed store gives a chunk back)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 700 }).chain((size) => fc.tuple(fc.constant(size), fc.array(fc.tuple(fc.boolean(), fc.nat(size - 1)), { maxLength: 300 }))), ([size, ops]) => {
        const b = new Bitfield(size);
        const model = new Set<number>();
        for (const [on, i] of ops) {
          expect(on ? b.set(i) : b.clear(i)).toBe(on ? !model.has(i) : model.has(i));
          if (on) model.add(i);
          else model.delete(i);
        }
        expect(b.count).toBe(model.size);
        expect(b.complete).toBe(model.size === size);
        const decoded = decodeBitfield(b.toBytes(), size);
        expect(decoded.ok && [...decoded.value.indexes()]).toEqual([...model].sort((x, y) => x - y));
      }),
    );
    expect(() => new Bitfield(4).clear(4)).toThrow(RangeError);
    expect(() => new Bitfield(4).clear(-1)).toThrow(RangeError);
  });

  it('a full field has every bit and the MSB-first order', () => {
    const b = new Bitfield(10, true);
    expect(b.complete).toBe(true);
    expect(b.toBytes()).toEqual(new Uint8Array([0xff, 0b1100_0000]));
  });
});

describe('signed file description codec', () => {
  const desc: fc.Arbitrary<FileDescriptionFields> = fc.record({
    relayKey: bytes(32), fileId: bytes(16), fromKey: bytes(32), toKey: bytes(32),
    kind: fc.constantFrom(1 as const, 2 as const), fingerprint: bytes(32), sdp: fc.string({ maxLength: 300 }),
  });

  it('round-trips; truncations and garbage fail with a code', () => {
    fc.assert(
      fc.property(desc, fc.nat(), (d, cut) => {
        const body = encodeFileDescription(d);
        const decoded = decodeFileDescription(body);
        expect(decoded.ok && decoded.value).toEqual({ ...d, sdp: new TextDecoder().decode(new TextEncoder().encode(d.sdp)) });
        expect(decodeFileDescription(body.subarray(0, cut % body.byteLength)).ok).toBe(false);
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (g) => {
      expect(() => decodeFileDescription(g)).not.toThrow();
    }));
  });

  it('reads the one SHA-256 fingerprint of an SDP, and refuses none or two', () => {
    const fp = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');
    expect(sdpFingerprint(`v=0\r\na=fingerprint:sha-256 ${fp}\r\n`)).toEqual(Uint8Array.from({ length: 32 }, (_, i) => i));
    expect(sdpFingerprint('v=0\r\n')).toBeNull();
    const other = fp.replace(/^00/, 'FF');
    expect(sdpFingerprint(`a=fingerprint:sha-256 ${fp}\r\na=fingerprint:sha-256 ${other}\r\n`)).toBeNull();
  });
});
