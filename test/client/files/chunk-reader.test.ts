/**
 * chunkReader (client/files/chunk-reader.ts): whatever the sizes, the chunks
 * in order are the file; a chunk not yet released is never overwritten by a
 * later read (buffers are reused only after release); without a byte stream
 * it falls back to slices with the same result.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chunkReader } from '../../../client/files/chunk-reader.ts';
import { FileError } from '../../../client/files/file-errors.ts';

/** A Blob whose stream is not a byte stream (as in engines without BYOB readers for Blobs). */
function sliceOnly(blob: Blob): Blob {
  // Only what chunkReader uses of a Blob.
  return { size: blob.size, slice: (a?: number, b?: number) => blob.slice(a, b), stream: () => new ReadableStream({ start: (c) => c.close() }) } as unknown as Blob;
}

describe('chunkReader', () => {
  it('returns the file in order, chunk by chunk, with buffers reused only after release (both paths)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 5000 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), async (bytes, chunkSize, keep, byob) => {
        const blob = new Blob([bytes]);
        const reader = chunkReader(byob ? blob : sliceOnly(blob), chunkSize);
        const count = Math.ceil(bytes.length / chunkSize);
        const held: { chunk: Uint8Array; copy: Uint8Array }[] = [];
        const out: number[] = [];
        for (let i = 0; i < count; i++) {
          const chunk = await reader.next();
          expect(chunk.byteLength).toBe(Math.min(chunkSize, bytes.length - i * chunkSize));
          out.push(...chunk);
          held.push({ chunk, copy: chunk.slice() });
          // Up to `keep` chunks stay unreleased (writes in flight): later reads must not touch them.
          while (held.length > keep) {
            const h = held.shift()!;
            expect(h.chunk).toEqual(h.copy);
            reader.release(h.chunk);
          }
        }
        for (const h of held) expect(h.chunk).toEqual(h.copy);
        reader.close();
        expect(Uint8Array.from(out)).toEqual(bytes);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects when the file ends early instead of returning a short chunk', async () => {
    const blob = new Blob([new Uint8Array(10)]);
    // A file that says it is longer than what its stream gives (changed on disk after it was picked).
    const liar = { size: 20, stream: () => blob.stream(), slice: (a?: number, b?: number) => blob.slice(a, b) } as unknown as Blob;
    await expect(chunkReader(liar, 16).next()).rejects.toThrow(/ended after 10 of 20 bytes/);
    // The same through slices.
    const sliced = { size: 20, stream: () => new ReadableStream({ start: (c) => c.close() }), slice: (a?: number, b?: number) => blob.slice(a, b) } as unknown as Blob;
    const slices = chunkReader(sliced, 16);
    await expect(slices.next()).rejects.toThrow(/ended after 10 of 20 bytes/);
    await expect(chunkReader(liar, 16).next()).rejects.toBeInstanceOf(FileError);
  });
});
