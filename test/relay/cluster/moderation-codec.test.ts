/**
 * The codec of kicks, moves and probes between relays
 * (relay/cluster/moderation-codec.ts): requests and answers round-trip;
 * garbage, truncations and wrong shapes are refused without throwing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { decodeModerationAnswer, decodeModerationRequest, encodeModerationAnswer, encodeModerationRequest, MAX_KICK_TEXT, MODERATION_CODES } from '../../../relay/cluster/moderation-codec.ts';
import type { ModerationRequest } from '../../../relay/cluster/moderation-codec.ts';

const target = { sessionId: fc.nat(), publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }) };
const request: fc.Arbitrary<ModerationRequest> = fc.oneof(
  fc.record({ kind: fc.constant('kick' as const), ...target, text: fc.string({ maxLength: 200 }).map((r) => `kicked: ${r}`) }),
  fc.record({ kind: fc.constant('move' as const), ...target, roomId: fc.string({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('probe' as const), ...target }),
);
const bytesOf = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o));

describe('moderation between relays: codec', () => {
  it('a request round-trips', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(decodeModerationRequest(encodeModerationRequest(r))).toEqual({ ok: true, value: r });
      }),
      { numRuns: 200 },
    );
  });

  it('the longest kick text an admin can give (200 code points outside the BMP) fits', () => {
    const r: ModerationRequest = { kind: 'kick', sessionId: 3, publicKey: new Uint8Array(32).fill(1), text: `kicked: ${'😀'.repeat(200)}` };
    expect(r.text.length).toBeLessThanOrEqual(MAX_KICK_TEXT);
    expect(decodeModerationRequest(encodeModerationRequest(r))).toEqual({ ok: true, value: r });
  });

  it('an answer round-trips; a code outside the holder codes is refused', () => {
    for (const c of MODERATION_CODES) expect(decodeModerationAnswer(encodeModerationAnswer(c))).toEqual({ ok: true, value: c });
    expect(decodeModerationAnswer(encodeModerationAnswer(ErrorCode.KICKED)).ok).toBe(false);
  });

  it('arbitrary bytes and any truncation never throw, and are never taken as a request', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
        expect(() => decodeModerationRequest(b)).not.toThrow();
        expect(() => decodeModerationAnswer(b)).not.toThrow();
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(request, fc.nat(), (r, cut) => {
        const full = encodeModerationRequest(r);
        const part = full.slice(0, cut % full.byteLength);
        expect(decodeModerationRequest(part).ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('wrong shapes are refused with a reason', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (j) => {
        const d = decodeModerationRequest(bytesOf(j));
        // Any JSON that is not a well-formed request of version 1.
        if (d.ok) expect(['kick', 'move', 'probe']).toContain(d.value.kind);
      }),
      { numRuns: 300 },
    );
    const key = Buffer.alloc(32, 7).toString('base64');
    const bad = [
      { v: 1, k: 'kick', s: 1, p: key },
      { v: 1, k: 'kick', s: 1, p: key, t: 'x'.repeat(MAX_KICK_TEXT + 1) },
      { v: 1, k: 'move', s: -1, p: key, r: 'a' },
      { v: 1, k: 'probe', s: 1, p: Buffer.alloc(31).toString('base64') },
      { v: 1, k: 'ban', s: 1, p: key },
      { v: 2, k: 'probe', s: 1, p: key },
      { v: 1, k: 'probe', s: 1.5, p: key },
    ];
    for (const b of bad) expect(decodeModerationRequest(bytesOf(b)).ok).toBe(false);
    expect(decodeModerationRequest(bytesOf({ v: 1, k: 'probe', s: 1, p: key })).ok).toBe(true);
  });
});
