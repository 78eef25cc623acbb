/** The relay-to-relay codecs (relay/cluster/codec.ts): round trip, truncation and garbage never throw. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REJECT_CODES } from '../../../crdt/index.ts';
import { decodeForwardedOps, decodeForwardedVerdicts, decodeLogBatch, decodePresence, encodeForwardedOps, encodeForwardedVerdicts, encodeLogBatch, encodePresence } from '../../../relay/cluster/codec.ts';

const bytes = fc.uint8Array({ maxLength: 64 });
const loggedOp = fc.record({
  body: bytes,
  signature: bytes,
  code: fc.option(fc.constantFrom(...REJECT_CODES), { nil: null }),
  reason: fc.string({ maxLength: 40 }),
  seq: fc.nat(),
  atMs: fc.nat(),
  free: fc.boolean(),
});
const logBatch = fc.record({
  ops: fc.array(loggedOp, { maxLength: 5 }),
  update: fc.option(bytes, { nil: null }),
  snapshot: fc.option(fc.record({ v2: bytes, epoch: fc.nat() }), { nil: null }),
});
const forwarded = fc.record({
  submitter: bytes,
  actors: fc.array(fc.tuple(fc.stringMatching(/^[0-9a-f]{64}$/), fc.option(fc.constantFrom('admin', 'member', 'guest'), { nil: null })), { maxLength: 3 }),
  ops: fc.array(fc.record({ body: bytes, signature: bytes }), { maxLength: 5 }),
});
const verdicts = fc.record({
  logSeq: fc.nat(),
  results: fc.array(fc.record({ opId: bytes, code: fc.nat({ max: 200 }), reason: fc.string({ maxLength: 40 }), serverSeq: fc.bigInt({ min: 0n, max: 2n ** 53n }) }), { maxLength: 5 }),
});
const presence = fc.record({
  relay: fc.stringMatching(/^[a-z0-9-]{1,16}$/),
  sessionId: fc.nat(),
  publicKey: bytes,
  displayName: fc.string({ maxLength: 32 }),
  roomId: fc.string({ maxLength: 40 }),
  muted: fc.boolean(),
  deafened: fc.boolean(),
  role: fc.nat({ max: 3 }),
});
const decoders = [decodeLogBatch, decodeForwardedOps, decodeForwardedVerdicts, decodePresence];

describe('cluster codecs', () => {
  it('round-trip every value', () => {
    fc.assert(fc.property(logBatch, (b) => {
        expect(decodeLogBatch(encodeLogBatch(b))).toEqual({ ok: true, value: b });
      }));
    fc.assert(
      fc.property(forwarded, (f) => {
        const value = { ...f, actors: new Map(f.actors.map(([k, role]) => [k, role === null ? null : { keyHex: k, role }] as const)) };
        expect(decodeForwardedOps(encodeForwardedOps(value))).toEqual({ ok: true, value });
      }),
    );
    fc.assert(fc.property(verdicts, (v) => {
        expect(decodeForwardedVerdicts(encodeForwardedVerdicts(v))).toEqual({ ok: true, value: v });
      }));
    fc.assert(fc.property(presence, (p) => {
        expect(decodePresence(encodePresence(p))).toEqual({ ok: true, value: p });
      }));
  });

  it('refuse every truncation with a code, never throwing', () => {
    fc.assert(
      fc.property(logBatch, fc.nat(), (b, cut) => {
        const data = encodeLogBatch(b);
        const r = decodeLogBatch(data.subarray(0, cut % data.byteLength));
        expect(r.ok).toBe(false);
      }),
    );
  });

  it('refuse garbage and wrong shapes with a code', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.json().map((j) => new TextEncoder().encode(j))), (data) => {
        for (const decode of decoders) {
          const r = decode(data);
          if (!r.ok) expect(typeof r.error.code).toBe('string');
        }
      }),
    );
    expect(decodeLogBatch(new TextEncoder().encode('{"v":1,"ops":[{"b":"!!","s":"","c":null,"r":"","q":0,"t":0,"f":false}],"u":null,"sn":null}')).ok).toBe(false);
    expect(decodeLogBatch(new TextEncoder().encode('{"v":2,"ops":[],"u":null,"sn":null}')).ok).toBe(false);
    expect(decodeForwardedOps(new TextEncoder().encode('{"v":1,"by":"","actors":[["k","root"]],"ops":[]}')).ok).toBe(false);
  });
});
