import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bundleBytes,
  DatagramKind,
  decodeDownlink,
  decodeUplink,
  encodeBundle,
  encodeForwarded,
  encodeKeepalive,
  encodeVoice,
  forwardVoice,
  isForwarded,
  isUplinkVoice,
  MAX_BUNDLE_BYTES,
  peekForwardedRoom,
  peekForwardedSender,
  setForwardedSender,
  peekKind,
  peekUplinkTs,
  MAX_UPLINK_BYTES,
  splitDownlink,
  VoiceFlags,
} from '../../proto/index.ts';

/** Any forwarded voice packet with an Opus payload of 1..`maxPayload` bytes. */
function forwardedPacket(maxPayload: number) {
  return fc.record({
    sender: fc.nat({ max: 0xffffffff }),
    room: fc.nat({ max: 0xffffffff }),
    seq: fc.nat({ max: 0xffffffff }),
    ts: fc.nat({ max: 0xffffffff }),
    flags: fc.nat({ max: 255 }),
    payload: fc.uint8Array({ minLength: 1, maxLength: maxPayload }),
  });
}

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

  it('the allocation-free peeks accept exactly what the decoders accept as voice, and read the same fields (property)', () => {
    const voiceOrNoise = fc.oneof(
      fc.uint8Array({ maxLength: 1400 }),
      fc.record({ seq: fc.nat({ max: 0xffffffff }), ts: fc.nat({ max: 0xffffffff }), flags: fc.nat({ max: 255 }), payload: fc.uint8Array({ maxLength: 1300 }) }).map(encodeVoice),
      forwardedPacket(1275).map(encodeForwarded),
    );
    fc.assert(
      fc.property(voiceOrNoise, (b) => {
        const up = decodeUplink(b);
        expect(isUplinkVoice(b)).toBe(up.ok && up.value.kind === 'voice');
        if (up.ok && up.value.kind === 'voice') expect(peekUplinkTs(b)).toBe(up.value.ts);
        const down = decodeDownlink(b);
        expect(isForwarded(b)).toBe(down.ok);
        if (down.ok) {
          expect(peekForwardedSender(b)).toBe(down.value.sender);
          expect(peekForwardedRoom(b)).toBe(down.value.room);
        }
        expect(peekKind(b)).toBe(b.byteLength === 0 ? -1 : b[0]);
      }),
      { numRuns: 5000 },
    );
  });

  it('setForwardedSender changes the sender and nothing else (property)', () => {
    fc.assert(
      fc.property(forwardedPacket(1275), fc.nat({ max: 0xffffffff }), (p, sender) => {
        const b = encodeForwarded(p);
        setForwardedSender(b, sender);
        const before = decodeDownlink(encodeForwarded(p));
        expect(before.ok).toBe(true);
        expect(decodeDownlink(b)).toEqual({ ok: true, value: { ...(before.ok ? before.value : {}), sender } });
      }),
      { numRuns: 500 },
    );
  });

  it('downlink round-trips any packet (property)', () => {
    fc.assert(
      fc.property(
        forwardedPacket(1275),
        (p) => {
          expect(decodeDownlink(encodeForwarded(p))).toEqual({ ok: true, value: p });
        },
      ),
    );
  });
});

const forwarded = forwardedPacket(120).map(encodeForwarded);

describe('bundle datagrams', () => {
  it('round-trip any 2..8 forwarded datagrams, in order (property)', () => {
    fc.assert(
      fc.property(fc.array(forwarded, { minLength: 2, maxLength: 8 }), (parts) => {
        const bundle = encodeBundle(parts);
        expect(bundle[0]).toBe(DatagramKind.Bundle);
        expect(bundle.byteLength).toBe(bundleBytes(parts));
        const split = splitDownlink(bundle);
        expect(split.ok).toBe(true);
        if (split.ok) expect(split.value.map((p) => [...p])).toEqual(parts.map((p) => [...p]));
      }),
    );
  });

  it('a plain forwarded datagram splits into itself', () => {
    const one = encodeForwarded({ sender: 1, room: 2, seq: 3, ts: 4, flags: 0, payload: Uint8Array.of(9) });
    expect(splitDownlink(one)).toEqual({ ok: true, value: [one] });
  });

  it('refuses truncated bundles, a count under 2, trailing bytes and bad entries with codes', () => {
    const a = encodeForwarded({ sender: 1, room: 2, seq: 3, ts: 4, flags: 0, payload: Uint8Array.of(9, 9) });
    const good = encodeBundle([a, a]);
    for (let cut = 1; cut < good.byteLength; cut++) {
      const r = splitDownlink(good.subarray(0, cut));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('bad-length');
    }
    const one = good.slice();
    one[1] = 1;
    expect(splitDownlink(one)).toMatchObject({ ok: false, error: { code: 'bad-length' } });
    expect(splitDownlink(Uint8Array.of(...good, 0))).toMatchObject({ ok: false, error: { code: 'bad-length' } });
    // An entry that is not a forwarded voice datagram.
    const inner = good.slice();
    inner[4] = DatagramKind.Voice;
    expect(splitDownlink(inner)).toMatchObject({ ok: false, error: { code: 'unknown-kind' } });
    expect(splitDownlink(new Uint8Array(MAX_BUNDLE_BYTES + 1).fill(DatagramKind.Bundle, 0, 1))).toMatchObject({ ok: false, error: { code: 'too-large' } });
    expect(splitDownlink(new Uint8Array(0))).toMatchObject({ ok: false, error: { code: 'empty' } });
    expect(splitDownlink(Uint8Array.of(0x7f))).toMatchObject({ ok: false, error: { code: 'unknown-kind' } });
    expect(() => encodeBundle([a])).toThrow(RangeError);
  });

  it('splitDownlink never throws on random bytes, bundle-shaped or not (property)', () => {
    const bundleish = fc.uint8Array({ maxLength: 1200 }).map((b) => (b.byteLength > 0 ? Uint8Array.of(DatagramKind.Bundle, ...b.subarray(1)) : b));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1400 }), bundleish), (b) => {
        const r = splitDownlink(b);
        if (r.ok) for (const p of r.value) expect(decodeDownlink(p).ok).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
