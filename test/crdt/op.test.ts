import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeOpBody, encodeOpBody, MAX_OP_BODY_BYTES, OP_HEADER_BYTES } from '../../crdt/index.ts';
import type { OpBody, OpIntent } from '../../crdt/index.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const str = fc.string({ maxLength: 40, unit: 'grapheme' });
const u32 = fc.nat({ max: 0xffff_ffff });
const intent: fc.Arbitrary<OpIntent> = fc.oneof(
  fc.record({ kind: fc.constant('room.create' as const), args: fc.record({ roomId: str, parentId: str, name: str, index: u32, description: str, userLimit: u32 }) }),
  fc.record({ kind: fc.constant('room.rename' as const), args: fc.record({ roomId: str, name: str }) }),
  fc.record({ kind: fc.constant('room.move' as const), args: fc.record({ roomId: str, parentId: str, index: u32 }) }),
  fc.record({ kind: fc.constant('room.delete' as const), args: fc.record({ roomId: str }) }),
  fc.record({ kind: fc.constant('room.describe' as const), args: fc.record({ roomId: str, description: str, userLimit: u32 }) }),
  fc.record({ kind: fc.constant('member.join' as const), args: fc.record({ roomId: str }) }),
  fc.record({ kind: fc.constant('acl.rule.put' as const), args: fc.record({ roomId: str, rule: fc.string({ maxLength: 400, unit: 'grapheme' }) }) }),
  fc.record({ kind: fc.constant('acl.rule.delete' as const), args: fc.record({ roomId: str, ruleId: str }) }),
  fc.record({ kind: fc.constant('acl.group.put' as const), args: fc.record({ roomId: str, group: fc.string({ maxLength: 400, unit: 'grapheme' }) }) }),
  fc.record({ kind: fc.constant('acl.group.delete' as const), args: fc.record({ roomId: str, name: str }) }),
  fc.record({ kind: fc.constant('acl.inherit' as const), args: fc.record({ roomId: str, inherit: u32 }) }),
);
const body: fc.Arbitrary<OpBody> = fc
  .tuple(intent, bytes(32), bytes(16), bytes(32), fc.integer({ min: 1, max: 0xffff_ffff }), fc.nat({ max: Number.MAX_SAFE_INTEGER }))
  .map(([i, relayKey, opId, author, seq, clientTimeMs]) => ({ ...i, relayKey, opId, author, seq, clientTimeMs }) as OpBody);

describe('op body encoding', () => {
  it('round-trips every op exactly', () => {
    fc.assert(
      fc.property(body, (op) => {
        const enc = encodeOpBody(op);
        const dec = decodeOpBody(enc);
        expect(dec.ok).toBe(true);
        if (dec.ok) {
          expect(dec.value).toEqual(op);
          expect(encodeOpBody(dec.value)).toEqual(enc);
        }
      }),
    );
  });

  it('never throws on arbitrary bytes, and accepts only canonical encodings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), (raw) => {
        const dec = decodeOpBody(raw);
        if (dec.ok) expect(encodeOpBody(dec.value)).toEqual(raw);
      }),
    );
  });

  it('refuses truncation, trailing bytes, a foreign domain, an unknown kind and oversize', () => {
    fc.assert(
      fc.property(body, fc.nat(), (op, cut) => {
        const enc = encodeOpBody(op);
        expect(decodeOpBody(enc.subarray(0, cut % enc.byteLength)).ok).toBe(false);
        expect(decodeOpBody(new Uint8Array([...enc, 0])).ok).toBe(false);
      }),
    );
    const enc = encodeOpBody({ kind: 'room.delete', args: { roomId: 'x' }, relayKey: new Uint8Array(32), opId: new Uint8Array(16), author: new Uint8Array(32), seq: 1, clientTimeMs: 0 });
    const foreign = enc.slice();
    foreign[0] = 0x50;
    expect(decodeOpBody(foreign)).toMatchObject({ ok: false, error: { code: 'bad-value' } });
    const kind = enc.slice();
    kind[OP_HEADER_BYTES - 1] = 99;
    expect(decodeOpBody(kind)).toMatchObject({ ok: false, error: { code: 'unknown-kind' } });
    expect(decodeOpBody(new Uint8Array(MAX_OP_BODY_BYTES + 1))).toMatchObject({ ok: false, error: { code: 'too-large' } });
    const badUtf8 = new Uint8Array([...enc.subarray(0, enc.byteLength - 1), 0xff]);
    expect(decodeOpBody(badUtf8)).toMatchObject({ ok: false, error: { code: 'bad-value' } });
  });

  it('matches the documented byte layout (PROTOCOL.md example)', () => {
    const enc = encodeOpBody({ kind: 'room.rename', args: { roomId: 'lobby', name: 'Hall' }, relayKey: new Uint8Array(32).fill(0x11), opId: new Uint8Array(16).fill(0x22), author: new Uint8Array(32).fill(0x33), seq: 7, clientTimeMs: 1000 });
    const hex = Buffer.from(enc).toString('hex');
    expect(hex).toBe(
      Buffer.from('parley-op-v1\0').toString('hex') + '11'.repeat(32) + '22'.repeat(16) + '33'.repeat(32) + '00000007' + '00000000000003e8' + '02' + '0005' + Buffer.from('lobby').toString('hex') + '0004' + Buffer.from('Hall').toString('hex'),
    );
  });
});
