/** The temp bucket's codecs (relay/cluster/temp-codec.ts): round trip, garbage and truncation never throw, bad shapes are refused. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTempEdit, decodeTempRoom, encodeTempEdit, encodeTempRoom } from '../../../relay/cluster/temp-codec.ts';
import { TEMP_VOICE_BASE } from '../../../relay/temp-rooms/index.ts';

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,30}[A-Za-z0-9]$/);
const room = fc.record({
  id,
  name,
  parent: fc.string({ maxLength: 40 }),
  makerHex: fc.stringMatching(/^[0-9a-f]{64}$/),
  voiceId: fc.integer({ min: TEMP_VOICE_BASE, max: 0x7fff_ffff }),
  userLimit: fc.nat({ max: 10_000 }),
});
const edit = fc.record({ roomId: id, name, userLimit: fc.nat({ max: 10_000 }) });
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

describe('temp bucket codecs', () => {
  it('round-trip every value', () => {
    fc.assert(fc.property(room, (r) => {
      expect(decodeTempRoom(encodeTempRoom(r))).toEqual({ ok: true, value: r });
    }));
    fc.assert(fc.property(edit, (e) => {
      expect(decodeTempEdit(encodeTempEdit(e))).toEqual({ ok: true, value: e });
    }));
  });

  it('never throw on garbage or truncated messages', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      expect(typeof decodeTempRoom(data).ok).toBe('boolean');
      expect(typeof decodeTempEdit(data).ok).toBe('boolean');
    }));
    fc.assert(fc.property(room, fc.nat(), (r, cut) => {
      const data = encodeTempRoom(r);
      expect(decodeTempRoom(data.subarray(0, cut % data.byteLength)).ok).toBe(false);
    }));
  });

  it('refuse a voice id outside the temporary range, a bad maker, id, name or limit', () => {
    const good = { v: 1, id: 'tmp-1', n: 'Huddle', p: 'lobby', m: 'a'.repeat(64), vo: TEMP_VOICE_BASE, l: 0 };
    expect(decodeTempRoom(enc(good)).ok).toBe(true);
    for (const bad of [{ vo: 5 }, { vo: 2 ** 31 }, { m: 'xyz' }, { id: 'a.b' }, { id: '' }, { n: '   ' }, { l: 10_001 }, { l: -1 }, { v: 2 }]) {
      expect(decodeTempRoom(enc({ ...good, ...bad })).ok).toBe(false);
    }
    expect(decodeTempEdit(enc({ v: 1, id: 'tmp-1', n: '', l: 0 })).ok).toBe(false);
  });
});
