import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeDownlink,
  decodeUplink,
  encodeForwarded,
  encodeKeepalive,
  encodeVoice,
  forwardVoice,
  MAX_UPLINK_BYTES,
  VoiceFlags,
} from '../../proto/index.ts';

describe('voice datagrams', () => {
  it('round-trips an uplink voice packet', () => {
    const payload = Uint8Array.of(0x78, 1, 2, 3);
    const r = decodeUplink(encodeVoice({ seq: 0xfffffffe, ts: 960 * 7, flags: VoiceFlags.Marker, payload }));
    expect(r).toEqual({ ok: true, value: { kind: 'voice', seq: 0xfffffffe, ts: 6720, flags: 1, payload } });
  });

  it('decodes the keep-alive', () => {
    expect(decodeUplink(encodeKeepalive())).toEqual({ ok: true, value: { kind: 'keepalive' } });
  });

  it('forwardVoice stamps sender and room and keeps the rest byte for byte', () => {
    const up = encodeVoice({ seq: 9, ts: 8640, flags: VoiceFlags.End, payload: Uint8Array.of(5, 6) });
    const down = decodeDownlink(forwardVoice(up, 77, 3));
    expect(down).toEqual({ ok: true, value: { sender: 77, room: 3, seq: 9, ts: 8640, flags: 2, payload: Uint8Array.of(5, 6) } });
  });

  it('rejects oversize, empty, unknown kind and header-only voice with codes', () => {
    const code = (b: Uint8Array) => {
      const r = decodeUplink(b);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code(new Uint8Array(MAX_UPLINK_BYTES + 1).fill(1))).toBe('too-large');
    expect(code(new Uint8Array(0))).toBe('empty');
    expect(code(Uint8Array.of(9, 0, 0))).toBe('unknown-kind');
    expect(code(encodeVoice({ seq: 1, ts: 1, flags: 0, payload: new Uint8Array(0) }))).toBe('bad-length');
    expect(code(Uint8Array.of(0, 0))).toBe('bad-length');
  });

  it('uplink and downlink decoders never throw on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), (b) => {
        expect(typeof decodeUplink(b).ok).toBe('boolean');
        expect(typeof decodeDownlink(b).ok).toBe('boolean');
      }),
      { numRuns: 10000 },
    );
  });

  it('downlink round-trips any packet (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          sender: fc.nat({ max: 0xffffffff }),
          room: fc.nat({ max: 0xffffffff }),
          seq: fc.nat({ max: 0xffffffff }),
          ts: fc.nat({ max: 0xffffffff }),
          flags: fc.nat({ max: 255 }),
          payload: fc.uint8Array({ minLength: 1, maxLength: 1275 }),
        }),
        (p) => {
          expect(decodeDownlink(encodeForwarded(p))).toEqual({ ok: true, value: p });
        },
      ),
    );
  });
});
