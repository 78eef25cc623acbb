/**
 * The relay-link loss report codec (relay/cluster/link-loss.ts), a trust
 * boundary: counts round-trip modulo 2^32; any other bytes are refused with
 * a typed problem, never a throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLossReport, encodeLossReport, LOSS_REPORT_BYTES, LOSS_REPORT_KIND } from '../../../relay/cluster/link-loss.ts';

describe('relay link loss reports', () => {
  it('a count round-trips modulo 2^32', () => {
    fc.assert(
      fc.property(fc.nat(), (n) => {
        const bytes = encodeLossReport(n);
        expect(bytes.byteLength).toBe(LOSS_REPORT_BYTES);
        expect(decodeLossReport(bytes)).toEqual({ ok: true, received: n >>> 0 });
      }),
      { numRuns: 500 },
    );
    expect(decodeLossReport(encodeLossReport(2 ** 32 + 5))).toEqual({ ok: true, received: 5 });
  });

  it('any other bytes: refused with its reason, never a throw', () => {
    const shaped = fc.uint8Array({ maxLength: 12 }).map((b) => Uint8Array.of(LOSS_REPORT_KIND, ...b));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 12 }), shaped), (bytes) => {
        const r = decodeLossReport(bytes);
        expect(r.ok).toBe(bytes.byteLength === LOSS_REPORT_BYTES && bytes[0] === LOSS_REPORT_KIND);
        if (!r.ok) expect(r.problem).toBe('bad-report');
      }),
      { numRuns: 2_000 },
    );
  });
});
