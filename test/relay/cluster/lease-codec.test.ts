/**
 * Room lease keys and values (relay/cluster/placement/lease-codec.ts):
 * properties. What is written reads back; anything else read from NATS is
 * refused with CLUSTER_LEASE_BAD and never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { decodeHolder, encodeHolder, leaseKey, parseLeaseKey } from '../../../relay/cluster/placement/lease-codec.ts';

const relayId = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);

describe('room lease codec', () => {
  it('round-trips every voice id and relay id; keys are valid NATS KV keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff_ffff }), relayId, (voiceId, id) => {
        const key = leaseKey(voiceId);
        expect(key).toMatch(/^[-/_=.a-zA-Z0-9]+$/);
        expect(parseLeaseKey(key)).toEqual({ ok: true, value: voiceId });
        expect(decodeHolder(encodeHolder(id))).toEqual({ ok: true, value: id });
      }),
    );
  });

  it('refuses arbitrary keys and values with CLUSTER_LEASE_BAD, never throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.uint8Array({ maxLength: 64 }), (key, value) => {
        const k = parseLeaseKey(key);
        if (k.ok) expect(leaseKey(k.value)).toBe(key);
        else expect(k.code).toBe(ErrorCode.CLUSTER_LEASE_BAD);
        const h = decodeHolder(value);
        if (h.ok) expect(encodeHolder(h.value)).toEqual(value);
        else expect(h.code).toBe(ErrorCode.CLUSTER_LEASE_BAD);
      }),
    );
    for (const key of ['room.0', 'room.01', 'room.4294967296', 'room.', 'room.1.2', 'writer', 'room.-1']) expect(parseLeaseKey(key).ok).toBe(false);
    for (const v of [new Uint8Array(), new TextEncoder().encode('a b'), new Uint8Array([0xff, 0xfe]), new TextEncoder().encode('x'.repeat(33))]) expect(decodeHolder(v).ok).toBe(false);
  });

  it('refuses to write what it could not read back', () => {
    expect(() => leaseKey(0)).toThrow(RangeError);
    expect(() => leaseKey(1.5)).toThrow(RangeError);
    expect(() => encodeHolder('a.b')).toThrow(RangeError);
  });
});
