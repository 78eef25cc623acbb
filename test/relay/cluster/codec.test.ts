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
  actors: fc.array(
    fc.tuple(
      fc.stringMatching(/^[0-9a-f]{64}$/),
      fc.option(
        fc.record({
          role: fc.constantFrom('admin' as const, 'member' as const, 'guest' as const),
          roomId: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
          groups: fc.uniqueArray(fc.string({ maxLength: 60 }), { maxLength: 4 }),
        }),
        { nil: null },
      ),
    ),
    { maxLength: 3 },
  ),
  ops: fc.array(fc.record({ body: bytes, signature: bytes }), { maxLength: 5 }),
});
const verdicts = fc.record({
  logSeq: fc.nat(),
  results: fc.array(
    fc.record(
      {
        opId: bytes,
        code: fc.nat({ max: 200 }),
        reason: fc.string({ maxLength: 40 }),
        serverSeq: fc.bigInt({ min: 0n, max: 2n ** 53n }),
        denial: fc.record({ permission: fc.string({ maxLength: 16 }), roomId: fc.string({ maxLength: 40 }), ruleId: fc.string({ maxLength: 16 }) }),
      },
      { requiredKeys: ['opId', 'code', 'reason', 'serverSeq'] },
    ),
    { maxLength: 5 },
  ),
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
        const value = { ...f, actors: new Map(f.actors.map(([k, a]) => [k, a === null ? null : { keyHex: k, role: a.role, roomId: a.roomId, passwordGroups: new Set(a.groups) }] as const)) };
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
    const tooMany = JSON.stringify({ v: 1, by: '', actors: [['k', 'member', null, Array.from({ length: 257 }, (_, i) => `r/${i}`)]], ops: [] });
    expect(decodeForwardedOps(new TextEncoder().encode(tooMany)).ok).toBe(false);
    expect(decodeForwardedOps(new TextEncoder().encode('{"v":1,"by":"","actors":[["k","member",7,[]]],"ops":[]}')).ok).toBe(false);
    expect(decodeForwardedOps(new TextEncoder().encode('{"v":1,"by":"","actors":[["k","member","room",[3]]],"ops":[]}')).ok).toBe(false);
  });

  it('read the two-entry actors of a relay from before rooms and password groups were forwarded', () => {
    const old = decodeForwardedOps(new TextEncoder().encode('{"v":1,"by":"","actors":[["k","member"],["u",null]],"ops":[]}'));
    expect(old.ok && [...old.value.actors]).toEqual([['k', { keyHex: 'k', role: 'member' }], ['u', null]]);
  });
});
