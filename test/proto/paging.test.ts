/**
 * The byte pager (proto/paging.ts) and the sync chunker (proto/sync-chunks.ts):
 * round trips, bounds, truncation, out-of-order and garbage chunks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SYNC_PARTS, pageBySize, repeatedFieldBytes, splitSync, SyncAssembler, varintBytes } from '../../proto/index.ts';
import type { SyncChunk } from '../../proto/index.ts';

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

describe('pageBySize', () => {
  it('keeps every item in order, each page within the bound, and no page could take the next one (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 200 }), fc.integer({ min: 300, max: 5000 }), (sizes, max) => {
        const pages = pageBySize(sizes, (s) => s, max);
        expect(pages.flat()).toEqual(sizes);
        expect(pages.length).toBeGreaterThanOrEqual(1);
        for (const p of pages) expect(p.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(max);
        for (let i = 0; i + 1 < pages.length; i++) expect(pages[i]!.reduce((a, b) => a + b, 0) + pages[i + 1]![0]!).toBeGreaterThan(max);
      }),
    );
  });

  it('an empty list is one empty page; an item over the bound gets a page of its own', () => {
    expect(pageBySize([], () => 1, 10)).toEqual([[]]);
    expect(pageBySize([3, 50, 3], (s) => s, 10)).toEqual([[3], [50], [3]]);
    expect(() => pageBySize([1], () => 1, 0)).toThrow(RangeError);
  });

  it('sizes a repeated field element as tag + length varint + bytes', () => {
    expect([0, 127, 128, 16_383, 16_384].map(varintBytes)).toEqual([1, 1, 2, 2, 3]);
    expect(repeatedFieldBytes(200)).toBe(203);
  });
});

describe('splitSync and SyncAssembler', () => {
  it('round trip: any message split at any chunk size joins back to the same bytes (property)', () => {
    fc.assert(
      fc.property(bytes(5000), fc.integer({ min: 1, max: 1200 }), (data, max) => {
        const chunks = splitSync(data, max);
        for (const c of chunks) expect(c.data.byteLength).toBeLessThanOrEqual(max);
        const a = new SyncAssembler();
        const results = chunks.map((c) => a.push(c));
        expect(results.slice(0, -1).every((r) => r.kind === 'partial')).toBe(true);
        const last = results.at(-1)!;
        expect(last.kind).toBe('whole');
        expect(last.kind === 'whole' && [...last.data]).toEqual([...data]);
        expect(a.pending).toBe(false);
      }),
    );
  });

  it('a message that fits is one unchunked frame (parts 0)', () => {
    expect(splitSync(new Uint8Array(10), 10)).toEqual([{ part: 0, parts: 0, data: new Uint8Array(10) }]);
  });

  it('truncation: a message missing its tail is never applied, and the next message starts clean (property)', () => {
    fc.assert(
      fc.property(bytes(3000), fc.integer({ min: 1, max: 400 }), fc.nat(), (data, max, cut) => {
        const chunks = splitSync(data, max);
        fc.pre(chunks.length > 1);
        const a = new SyncAssembler();
        const kept = chunks.slice(0, 1 + (cut % (chunks.length - 1)));
        expect(kept.map((c) => a.push(c).kind).every((k) => k === 'partial')).toBe(true);
        // A new message while the old one is incomplete: refused with a code, and the partial is gone.
        expect(a.push({ part: 0, parts: 0, data: new Uint8Array([1, 2]) })).toEqual({ kind: 'rejected', code: 'out-of-order' });
        expect(a.pending).toBe(false);
        expect(a.push({ part: 0, parts: 0, data: new Uint8Array([7]) })).toEqual({ kind: 'whole', data: new Uint8Array([7]) });
      }),
    );
  });

  it('out of order: swapped, repeated or skipped chunks are refused with out-of-order (property)', () => {
    fc.assert(
      fc.property(bytes(3000), fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (data, max, x, y) => {
        const chunks = splitSync(data, max);
        fc.pre(chunks.length > 2);
        const i = x % chunks.length;
        const j = y % chunks.length;
        fc.pre(i !== j);
        const order = chunks.map((_, k) => k);
        [order[i], order[j]] = [order[j]!, order[i]!];
        const a = new SyncAssembler();
        const results = order.map((k) => a.push(chunks[k]!));
        expect(results.some((r) => r.kind === 'rejected' && r.code === 'out-of-order')).toBe(true);
        expect(results.some((r) => r.kind === 'whole')).toBe(false);
      }),
    );
  });

  it('garbage chunk numbering never throws and never yields a message that was not sent whole (property)', () => {
    const chunk = fc.record({ part: fc.nat({ max: 10_000 }), parts: fc.nat({ max: 10_000 }), data: bytes(64) });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 30 }), (chunks: SyncChunk[]) => {
        const a = new SyncAssembler(1000);
        for (const c of chunks) {
          const r = a.push(c);
          if (r.kind === 'rejected') expect(['out-of-order', 'bad-parts', 'too-large']).toContain(r.code);
          if (r.kind === 'whole') expect(r.data.byteLength).toBeLessThanOrEqual(1000);
        }
      }),
    );
  });

  it('refuses bad counts and messages over the bound with codes', () => {
    const a = new SyncAssembler(100);
    expect(a.push({ part: 3, parts: 3, data: new Uint8Array(1) })).toEqual({ kind: 'rejected', code: 'bad-parts' });
    expect(a.push({ part: 0, parts: MAX_SYNC_PARTS + 1, data: new Uint8Array(1) })).toEqual({ kind: 'rejected', code: 'bad-parts' });
    expect(a.push({ part: 0, parts: 3, data: new Uint8Array(10) })).toEqual({ kind: 'partial' });
    expect(a.push({ part: 1, parts: 4, data: new Uint8Array(10) })).toEqual({ kind: 'rejected', code: 'bad-parts' });
    expect(a.push({ part: 0, parts: 2, data: new Uint8Array(60) })).toEqual({ kind: 'partial' });
    expect(a.push({ part: 1, parts: 2, data: new Uint8Array(60) })).toEqual({ kind: 'rejected', code: 'too-large' });
    expect(a.push({ part: 0, parts: 0, data: new Uint8Array(101) })).toEqual({ kind: 'rejected', code: 'too-large' });
    expect(a.pending).toBe(false);
  });
});
