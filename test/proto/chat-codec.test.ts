/** Property tests for the chat codec: signing bytes, item checks, text rules, and the protobuf round trip. */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as ed from '@noble/ed25519';
import {
  CHAT_ID_BYTES,
  ChatAction,
  ErrorCode,
  MAX_CHAT_CHARS,
  chatCharCount,
  chatSigningBytes,
  chatTextProblem,
  checkChatItem,
  decodeChatSigningBytes,
  decodeEnvelope,
  encodeEnvelope,
  normalizeChatText,
} from '../../proto/index.ts';
import type { ChatSigningFields } from '../../proto/index.ts';
import { verifyEd25519 as nodeVerify } from '../../relay/access/ed25519.ts';
import { verifyEd25519 as nobleVerify } from '../../keys/index.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const roomId = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => {
  const n = new TextEncoder().encode(s).byteLength;
  return n >= 1 && n <= 128;
});
const fields: fc.Arbitrary<ChatSigningFields> = fc.record({
  relayKey: bytes(32),
  action: fc.constantFrom(1 as const, 2 as const, 3 as const),
  id: bytes(CHAT_ID_BYTES),
  authorKey: bytes(32),
  target: fc.oneof(
    roomId.map((id) => ({ kind: 'room' as const, roomId: id })),
    bytes(32).map((peerKey) => ({ kind: 'direct' as const, peerKey })),
  ),
  clientTimeMs: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  refId: bytes(CHAT_ID_BYTES),
  text: fc.string({ unit: 'binary', maxLength: 200 }),
});

describe('chatSigningBytes', () => {
  it('decodes back to exactly its fields (so no two messages share bytes)', () => {
    fc.assert(
      fc.property(fields, (f) => {
        const decoded = decodeChatSigningBytes(chatSigningBytes(f));
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(decoded.value).toEqual(f);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a leading U+FEFF in the room id and the text (seed -1505610440 found it dropped)', () => {
    const f = { relayKey: new Uint8Array(32), action: 1 as const, id: new Uint8Array(CHAT_ID_BYTES), authorKey: new Uint8Array(32), target: { kind: 'room' as const, roomId: '\uFEFF\u0000' }, clientTimeMs: 0n, refId: new Uint8Array(CHAT_ID_BYTES), text: '\uFEFFhi' };
    const decoded = decodeChatSigningBytes(chatSigningBytes(f));
    expect(decoded.ok && decoded.value).toEqual(f);
  });

  it('differs whenever any field differs', () => {
    fc.assert(
      fc.property(fields, fields, (x, y) => {
        const same = Buffer.from(chatSigningBytes(x)).equals(Buffer.from(chatSigningBytes(y)));
        expect(same).toBe(JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v)) === JSON.stringify(y, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v)));
      }),
    );
  });

  it('starts with the domain string and has the documented length', () => {
    const f: ChatSigningFields = {
      relayKey: new Uint8Array(32), action: 1, id: new Uint8Array(16), authorKey: new Uint8Array(32),
      target: { kind: 'room', roomId: 'lobby' }, clientTimeMs: 1n, refId: new Uint8Array(16), text: 'hé',
    };
    const b = chatSigningBytes(f);
    expect(new TextDecoder().decode(b.subarray(0, 15))).toBe('parley-chat-v1\0');
    expect(b.byteLength).toBe(127 + 5 + 3);
  });

  it('decoding never throws on arbitrary bytes, and truncations of valid bytes are rejected', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
      expect(typeof decodeChatSigningBytes(b).ok).toBe('boolean');
    }));
    fc.assert(
      fc.property(fields, fc.nat(), (f, cut) => {
        const b = chatSigningBytes(f);
        const n = cut % b.byteLength;
        expect(decodeChatSigningBytes(b.subarray(0, n)).ok).toBe(false);
      }),
    );
  });

  it('verifies alike with node:crypto (relay) and @noble/ed25519 (browser); one flipped bit fails both', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
    await fc.assert(
      fc.asyncProperty(fields, fc.nat(), async (f, flip) => {
        const message = chatSigningBytes({ ...f, authorKey: raw });
        const signature = new Uint8Array(sign(null, message, privateKey));
        expect(nodeVerify(raw, message, signature)).toBe(true);
        expect(await nobleVerify(raw, message, signature)).toBe(true);
        const tampered = message.slice();
        tampered[flip % tampered.byteLength]! ^= 1 << (flip % 8);
        expect(nodeVerify(raw, tampered, signature)).toBe(false);
        expect(await nobleVerify(raw, tampered, signature)).toBe(false);
      }),
      { numRuns: 30 },
    );
    // And a noble signature verifies on the relay side.
    const secret = ed.utils.randomSecretKey();
    const pub = await ed.getPublicKeyAsync(secret);
    const msg = chatSigningBytes({ relayKey: new Uint8Array(32), action: 1, id: new Uint8Array(16), authorKey: pub, target: { kind: 'room', roomId: 'lobby' }, clientTimeMs: 5n, refId: new Uint8Array(16), text: 'x' });
    expect(nodeVerify(pub, msg, await ed.signAsync(msg, secret))).toBe(true);
  });
});

describe('chat text rules', () => {
  it('normalizeChatText output is always sendable or empty, and idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const n = normalizeChatText(s);
        expect(normalizeChatText(n)).toBe(n);
        const problem = chatTextProblem(n);
        expect(problem === null || problem === 'empty').toBe(true);
        expect(new TextDecoder().decode(new TextEncoder().encode(n))).toBe(n);
      }),
    );
  });

  it('counts code points: 5000 emoji pass, 5001 characters do not', () => {
    expect(chatCharCount('😀a')).toBe(2);
    expect(chatTextProblem('😀'.repeat(MAX_CHAT_CHARS))).toBeNull();
    expect(chatTextProblem('a'.repeat(MAX_CHAT_CHARS + 1))).toBe('too-long');
    expect(chatTextProblem('line\nbreak\ttab')).toBeNull();
    expect(chatTextProblem('nul\u0000')).toBe('control-character');
    expect(normalizeChatText(' a\r\nb\u0007 ')).toBe('a\nb');
  });
});

describe('checkChatItem', () => {
  const valid = {
    action: ChatAction.POST, id: new Uint8Array(16), authorKey: new Uint8Array(32), signature: new Uint8Array(64),
    target: { to: { case: 'roomId' as const, value: 'lobby' } }, clientTimeMs: 1n, refId: new Uint8Array(0), text: 'hi',
  };
  const envelope = (item: typeof valid) => {
    const d = decodeEnvelope(encodeEnvelope({ case: 'chatSend', value: { item } }));
    if (!d.ok || d.value.msg.case !== 'chatSend') throw new Error('round trip failed');
    return d.value.msg.value.item;
  };

  it('accepts a well-formed item after a protobuf round trip', () => {
    const check = checkChatItem(envelope(valid), new Uint8Array(32));
    expect(check.ok).toBe(true);
  });

  it('never throws and returns BAD_REQUEST or TOO_LARGE for any decodable garbage', () => {
    fc.assert(
      fc.property(
        fc.record({
          action: fc.integer({ min: 0, max: 5 }),
          id: fc.uint8Array({ maxLength: 20 }),
          authorKey: fc.uint8Array({ maxLength: 40 }),
          signature: fc.uint8Array({ maxLength: 70 }),
          target: fc.oneof(
            fc.constant(undefined),
            fc.string({ maxLength: 150 }).map((value) => ({ to: { case: 'roomId' as const, value } })),
            fc.uint8Array({ maxLength: 40 }).map((value) => ({ to: { case: 'peerKey' as const, value } })),
          ),
          clientTimeMs: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          refId: fc.uint8Array({ maxLength: 20 }),
          text: fc.string({ maxLength: 50 }),
        }),
        (raw) => {
          const item = envelope(raw as unknown as typeof valid);
          const check = checkChatItem(item, new Uint8Array(32));
          if (!check.ok) expect([ErrorCode.BAD_REQUEST, ErrorCode.TOO_LARGE]).toContain(check.code);
          else expect(() => chatSigningBytes(check.fields)).not.toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });
});
