/**
 * FreeVerdicts (relay/tree/free-verdicts.ts) as properties: after any
 * sequence of verdicts from any keys, at most `perKey` per key and `total` in
 * all are kept, the newest is always kept, the stored records load back to
 * the same verdicts, and damaged records are skipped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { opHex } from '../../../crdt/index.ts';
import { FREE_VERDICTS_PREFIX, FreeVerdicts } from '../../../relay/tree/free-verdicts.ts';

const verdict = { code: 'forbidden' as const, reason: 'guests may not', seq: 0 };

describe('FreeVerdicts', () => {
  it('stays within its bounds, keeps the newest, and round-trips through its records', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(7), { maxLength: 300 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 60 }), fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }), (authors, perKey, total, garbage) => {
        const limits = { perKey, total };
        const free = new FreeVerdicts(limits);
        const disk = new Map<string, unknown>();
        const perAuthor = new Map<string, string[]>();
        authors.forEach((a, i) => {
          const opId = new Uint8Array(16);
          new DataView(opId.buffer).setUint32(0, i);
          const keyHex = `k${a}`;
          free.add(keyHex, opId, opHex(opId), verdict);
          (perAuthor.get(keyHex) ?? perAuthor.set(keyHex, []).get(keyHex)!).push(opHex(opId));
          expect(free.get(opHex(opId))).toEqual(verdict);
          if (i % 5 === 0) for (const [k, v] of free.takeEntries(i)) (v === undefined ? disk.delete(k) : disk.set(k, v));
        });
        for (const [k, v] of free.takeEntries(authors.length)) (v === undefined ? disk.delete(k) : disk.set(k, v));
        expect(free.size).toBeLessThanOrEqual(total);
        let kept = 0;
        for (const ids of perAuthor.values()) {
          const mine = ids.filter((id) => free.get(id));
          expect(mine.length).toBeLessThanOrEqual(perKey);
          // Evicted oldest first within a key: what is kept is a suffix.
          expect(mine).toEqual(ids.slice(ids.length - mine.length));
          kept += mine.length;
        }
        expect(kept).toBe(free.size);
        const rows: Array<[string, unknown]> = [...disk, ...garbage.map((g, i): [string, unknown] => [`${FREE_VERDICTS_PREFIX}bad${i}`, g])];
        const loaded = FreeVerdicts.load(rows, limits);
        expect(loaded.size).toBe(free.size);
        for (const ids of perAuthor.values()) for (const id of ids) expect(loaded.get(id)).toEqual(free.get(id));
      }),
    );
  });
});
