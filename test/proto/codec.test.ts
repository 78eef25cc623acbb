import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { EnvelopeInit } from '../../proto/index.ts';
import {
  decodeEnvelope,
  encodeEnvelope,
  ErrorCode,
  MAX_CONTROL_FRAME_BYTES,
  Role,
  authTranscript,
} from '../../proto/index.ts';

describe('encodeEnvelope/decodeEnvelope', () => {
  it('round-trips every message kind', () => {
    const cases = [
      { case: 'serverHello', value: { protocolVersion: 1, relayPublicKey: new Uint8Array(32).fill(7), nonce: new Uint8Array(32).fill(9), serverName: 'Org', passwordRequired: true } },
      { case: 'clientAuth', value: { protocolVersion: 1, publicKey: new Uint8Array(32).fill(1), displayName: 'Ana', password: 'pw', signature: new Uint8Array(64).fill(2) } },
      { case: 'authOk', value: { sessionId: 5, role: Role.MEMBER, roomId: 'lobby' } },
      { case: 'presencePage', value: { users: [{ sessionId: 5, displayName: 'Ana', roomId: 'lobby', muted: true }], last: true } },
      { case: 'crdtSync', value: { doc: 'tree', data: new Uint8Array([1, 2, 3]), part: 1, parts: 3 } },
      { case: 'chatSummary', value: { heads: [{ lastSeq: 4n, peerName: 'Bo' }], last: true } },
      { case: 'error', value: { code: ErrorCode.WRONG_PASSWORD, message: 'nope', context: 'client_auth', untilMs: 12n } },
      { case: 'joinRoom', value: { roomId: 'quiet' } },
      { case: 'setSelfState', value: { muted: true, deafened: false } },
      { case: 'userJoined', value: { user: { sessionId: 2, displayName: 'Bo' } } },
      { case: 'userLeft', value: { sessionId: 2 } },
      { case: 'userUpdated', value: { user: { sessionId: 2, roomId: 'quiet' } } },
      { case: 'rtcSignal', value: { signal: { case: 'description', value: { type: 'offer', sdp: 'v=0' } } } },
      { case: 'rtcSignal', value: { signal: { case: 'candidate', value: { candidate: 'candidate:1', mid: '0' } } } },
      { case: 'voiceReady', value: { sessionId: 3 } },
      { case: 'ping', value: { nonce: 42n } },
      { case: 'pong', value: { nonce: 42n } },
    ] as EnvelopeInit[];
    for (const msg of cases) {
      if (!msg) continue;
      const decoded = decodeEnvelope(encodeEnvelope(msg));
      expect(decoded.ok, msg.case).toBe(true);
      if (!decoded.ok) continue;
      expect(decoded.value.msg.case).toBe(msg.case);
      expect(decoded.value.msg.value).toMatchObject(msg.value as object);
    }
  });

  it('rejects an empty frame with code empty', () => {
    const r = decodeEnvelope(new Uint8Array(0));
    expect(r.ok ? null : r.error.code).toBe('empty');
  });

  it('rejects an oversized frame with code too-large', () => {
    const r = decodeEnvelope(new Uint8Array(MAX_CONTROL_FRAME_BYTES + 1));
    expect(r.ok ? null : r.error.code).toBe('too-large');
  });

  it('reports unknown-message for a valid envelope with an unknown field number', () => {
    // field 999, varint 1: tag = (999 << 3) | 0 = 7992 -> varint b8 3e
    const r = decodeEnvelope(Uint8Array.of(0xb8, 0x3e, 0x01));
    expect(r.ok ? null : r.error.code).toBe('unknown-message');
  });

  it('reports malformed for truncated bytes', () => {
    const full = encodeEnvelope({ case: 'joinRoom', value: { roomId: 'lobby' } });
    const r = decodeEnvelope(full.subarray(0, full.length - 2));
    expect(r.ok ? null : r.error.code).toBe('malformed');
  });

  it('never throws on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 2048 }), (bytes) => {
        const r = decodeEnvelope(bytes);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws on mutated valid frames (property)', () => {
    const base = encodeEnvelope({ case: 'clientAuth', value: { protocolVersion: 1, publicKey: new Uint8Array(32), displayName: 'x', signature: new Uint8Array(64) } });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (edits) => {
        const b = base.slice();
        for (const [i, v] of edits) b[i] = v;
        const r = decodeEnvelope(b);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('authTranscript', () => {
  it('binds domain, relay key, nonce and version in a fixed layout', () => {
    const t = authTranscript(new Uint8Array(32).fill(0xaa), new Uint8Array(32).fill(0xbb), 1);
    expect(new TextDecoder().decode(t.subarray(0, 15))).toBe('parley-auth-v1\0');
    expect(t.length).toBe(15 + 32 + 32 + 4);
    expect(t[15]).toBe(0xaa);
    expect(t[47]).toBe(0xbb);
    expect([...t.subarray(79)]).toEqual([0, 0, 0, 1]);
  });

  it('throws TypeError on a short key', () => {
    expect(() => authTranscript(new Uint8Array(31), new Uint8Array(32), 1)).toThrow(TypeError);
  });
});
