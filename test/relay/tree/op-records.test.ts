/**
 * The per-batch audit and verdict layouts (relay/tree/op-records.ts): what is
 * written reads back the same, and bytes from a damaged disk decode to null
 * instead of throwing.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { REJECT_CODES } from '../../../crdt/index.ts';
import { decodeAuditBatch, decodeVerdictBatch, encodeAuditBatch, encodeVerdictBatch } from '../../../relay/tree/op-records.ts';
import { shouldCompact, COMPACT_MAX_RECORDS, COMPACT_MIN_BYTES } from '../../../relay/tree/index.ts';

const audit = fc.record({
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  atMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  body: fc.uint8Array({ maxLength: 600 }),
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
});
const verdict = fc.record({
  opId: fc.uint8Array({ maxLength: 32 }),
  verdict: fc.record({
    code: fc.option(fc.constantFrom(...REJECT_CODES), { nil: null }),
    reason: fc.string({ maxLength: 200 }),
    seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  }),
});

describe('audit batch layout', () => {
  it('round-trips any batch', () => {
    fc.assert(fc.property(fc.array(audit, { maxLength: 20 }), (records) => {
      expect(decodeAuditBatch(encodeAuditBatch(records))).toEqual(records);
    }));
  });

  it('never throws on arbitrary or truncated bytes, and refuses truncation', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const out = decodeAuditBatch(bytes);
      expect(out === null || Array.isArray(out)).toBe(true);
    }));
    fc.assert(fc.property(fc.array(audit, { minLength: 1, maxLength: 5 }), fc.nat(), (records, cut) => {
      const bytes = encodeAuditBatch(records);
      expect(decodeAuditBatch(bytes.subarray(0, cut % bytes.byteLength))).toBeNull();
    }));
  });
});

describe('verdict batch layout', () => {
  it('round-trips any batch', () => {
    fc.assert(fc.property(fc.array(verdict, { maxLength: 20 }), (records) => {
      expect(decodeVerdictBatch(encodeVerdictBatch(1_700_000_000_123, records))).toEqual({ atMs: 1_700_000_000_123, records });
    }));
  });

  it('never throws on arbitrary or truncated bytes, and refuses an unknown code', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const out = decodeVerdictBatch(bytes);
      expect(out === null || Array.isArray(out)).toBe(true);
    }));
    fc.assert(fc.property(fc.array(verdict, { minLength: 1, maxLength: 5 }), fc.nat(), (records, cut) => {
      const bytes = encodeVerdictBatch(5, records);
      expect(decodeVerdictBatch(bytes.subarray(0, cut % bytes.byteLength))).toBeNull();
    }));
    const bogus = encodeVerdictBatch(5, [{ opId: new Uint8Array(16), verdict: { code: 'cycle', reason: '', seq: 0 } }]);
    bogus.set(new TextEncoder().encode('cyclo'), 13 + 1 + 16 + 9);
    expect(decodeVerdictBatch(bogus)).toBeNull();
  });
});

describe('shouldCompact', () => {
  it('waits until the updates outweigh the snapshot, with a floor and a record cap', () => {
    expect(shouldCompact({ records: 10, bytes: COMPACT_MIN_BYTES - 1, snapshotBytes: 1000 })).toBe(false);
    expect(shouldCompact({ records: 10, bytes: COMPACT_MIN_BYTES, snapshotBytes: 1000 })).toBe(true);
    expect(shouldCompact({ records: 10, bytes: 150_000, snapshotBytes: 200_000 })).toBe(false);
    expect(shouldCompact({ records: 10, bytes: 200_000, snapshotBytes: 200_000 })).toBe(true);
    expect(shouldCompact({ records: COMPACT_MAX_RECORDS, bytes: 1, snapshotBytes: 200_000 })).toBe(true);
  });
});
