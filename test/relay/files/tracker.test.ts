/**
 * The tracker's choice of peers (issue 16), as pure state: rarest first,
 * and the file's author after every other holder of a chunk, so once others
 * hold a chunk the sender's uplink is left for what only it has.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bitfield } from '../../../proto/index.ts';
import type { FileManifestFields } from '../../../proto/index.ts';
import { FileTracker } from '../../../relay/files/tracker.ts';

const CHUNKS = 8;
const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const manifest: FileManifestFields = {
  relayKey: key(0),
  fileId: new Uint8Array(16),
  authorKey: key(1),
  target: { kind: 'room', roomId: 'lobby' },
  size: CHUNKS * 16 * 1024,
  chunkSize: 16 * 1024,
  name: 'x.bin',
  type: '',
  fileSha256: new Uint8Array(32),
  hashBlockSha256: [new Uint8Array(32)],
};
const limits = { maxFiles: 10, maxHoldersPerFile: 64, maxFilesPerSession: 10 };
const bits = (chunks: Iterable<number>): Bitfield => {
  const b = new Bitfield(CHUNKS);
  for (const i of chunks) b.set(i);
  return b;
};

describe('FileTracker.pickPeers', () => {
  it('names another holder of a chunk before the author, even when the author was named less', () => {
    const t = new FileTracker(limits);
    t.announce('f', manifest, 1, key(1), new Bitfield(CHUNKS, true));
    t.announce('f', manifest, 2, key(2), new Bitfield(CHUNKS, true));
    t.announce('f', manifest, 3, key(3), bits([]));
    const file = t.file('f')!;
    file.holders.get(2)!.named = 5;
    expect(t.pickPeers(file, 3, 1).map((h) => h.sessionId)).toEqual([2]);
  });

  it('still names the author first for a chunk only it has (rarest first wins)', () => {
    const t = new FileTracker(limits);
    t.announce('f', manifest, 1, key(1), new Bitfield(CHUNKS, true));
    t.announce('f', manifest, 2, key(2), bits([0, 1, 2, 3, 4, 5, 6]));
    t.announce('f', manifest, 3, key(3), bits([0, 1, 2, 3, 4, 5]));
    const file = t.file('f')!;
    expect(t.pickPeers(file, 3, 1).map((h) => h.sessionId)).toEqual([1]);
    expect(t.pickPeers(file, 3, 2).map((h) => h.sessionId)).toEqual([1, 2]);
  });

  it('names only holders of something the asker lacks, at most `max`, never the asker, the author last among equals', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(CHUNKS - 1), { maxLength: CHUNKS }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4 }), (holdings, max) => {
        const t = new FileTracker(limits);
        t.announce('f', manifest, 1, key(1), new Bitfield(CHUNKS, true));
        holdings.forEach((h, i) => t.announce('f', manifest, i + 2, key(i + 2), bits(h)));
        const file = t.file('f')!;
        const asker = 2;
        const mine = file.holders.get(asker)!.bits;
        const picked = t.pickPeers(file, asker, max);
        expect(picked.length).toBeLessThanOrEqual(max);
        for (const h of picked) {
          expect(h.sessionId).not.toBe(asker);
          expect([...h.bits.indexes()].some((i) => !mine.has(i))).toBe(true);
        }
        // The author is picked over a useful holder left out only when some chunk the asker lacks is the author's alone.
        const others = [...file.holders.values()].filter((h) => h.sessionId !== 1 && h.sessionId !== asker);
        const leftOut = others.some((h) => !picked.includes(h) && [...h.bits.indexes()].some((i) => !mine.has(i)));
        if (picked.some((h) => h.sessionId === 1) && leftOut) {
          const authorsAlone = Array.from({ length: CHUNKS }, (_, i) => i).some((i) => !mine.has(i) && others.every((h) => !h.bits.has(i)));
          expect(authorsAlone).toBe(true);
        }
      }),
    );
  });
});
