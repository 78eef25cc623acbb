/** The state log's codecs (relay/cluster/state-codec.ts): round trip, truncation and garbage never throw, bad shapes are refused. */
import fc from 'fast-check';
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AdminRequestSchema, ChatAction, ChatItemSchema, ChatMessageSchema, PermissionDenialSchema } from '../../../proto/index.ts';
import type { AccessChange } from '../../../relay/access/index.ts';
import {
  decodeStateAnswer,
  decodeStateEntry,
  decodeStateReply,
  decodeStateRequest,
  encodeStateAnswer,
  encodeStateEntry,
  encodeStateReply,
  encodeStateRequest,
} from '../../../relay/cluster/state-codec.ts';
import type { StateEntry, StateRequest } from '../../../relay/cluster/state-codec.ts';

const bytes = fc.uint8Array({ maxLength: 48 });
const keyHex = fc.stringMatching(/^[0-9a-f]{64}$/);
const count = fc.nat({ max: 2 ** 40 });
const member = fc.record({ sessionId: fc.nat(), publicKey: bytes, displayName: fc.string({ maxLength: 32 }), roomId: fc.string({ maxLength: 40 }) });
const item = fc.record({ id: bytes, text: fc.string({ maxLength: 40 }), signature: bytes }).map((i) => create(ChatItemSchema, { ...i, action: ChatAction.POST, clientTimeMs: 1n }));
const hexOf = (max: number) => fc.stringMatching(new RegExp(`^([0-9a-f]{2}){1,${max}}$`));
const storedHash = fc.option(fc.record({ salt: hexOf(32), hash: hexOf(64) }), { nil: null });
const groupKey = fc.string({ maxLength: 200 });
const request: fc.Arbitrary<StateRequest> = fc.oneof(
  fc.record({ kind: fc.constant('room-password' as const), member, roomId: fc.string({ maxLength: 40 }), group: fc.string({ maxLength: 64 }), hash: storedHash }),
  fc.record({ kind: fc.constant('room-grant' as const), member, groupKey, salt: hexOf(32) }),
  fc.record({ kind: fc.constant('room-invite' as const), member, invite: bytes }),
  fc.record({ kind: fc.constant('admit' as const), publicKey: bytes, invite: bytes }),
  fc.record({ kind: fc.constant('chat' as const), member, item }),
  fc.record({ kind: fc.constant('user' as const), publicKey: bytes, displayName: fc.string({ maxLength: 32 }) }),
  fc.record({ kind: fc.constant('admin' as const), member, request: fc.nat().map((requestId) => create(AdminRequestSchema, { requestId, action: { case: 'liftBan', value: { publicKey: new Uint8Array(32) } } })) }),
);
const change: fc.Arbitrary<AccessChange> = fc.oneof(
  fc.record({ kind: fc.constant('role' as const), keyHex, record: fc.option(fc.record({ role: fc.constantFrom('admin' as const, 'member' as const), grantedAtMs: count, grantedBy: fc.string({ maxLength: 20 }) }), { nil: null }) }),
  fc.record({ kind: fc.constant('ban' as const), keyHex, record: fc.option(fc.record({ untilMs: count, reason: fc.string({ maxLength: 20 }), bannedAtMs: count, bannedBy: fc.string({ maxLength: 20 }) }), { nil: null }) }),
  fc.record({
    kind: fc.constant('invite' as const),
    idHex: fc.stringMatching(/^[0-9a-f]{32}$/),
    record: fc.record({ role: fc.constantFrom('admin' as const, 'member' as const), expiresAtMs: count, maxUses: fc.nat(), issuerHex: keyHex, uses: fc.nat(), revoked: fc.boolean(), createdAtMs: count }),
  }),
);
const message = item.map((post) => create(ChatMessageSchema, { seq: 3n, serverTimeMs: 5n, authorName: 'Ann', post }));
const entry: fc.Arbitrary<StateEntry> = fc.oneof(
  fc.record({ kind: fc.constant('token' as const), change: fc.record({ kind: fc.constant('password' as const), groupKey, hash: storedHash }) }),
  fc.record({
    kind: fc.constant('token' as const),
    change: fc.record({ kind: fc.constant('grant' as const), keyHex, groupKey, invite: fc.option(fc.record({ idHex: hexOf(16), uses: fc.nat() }), { nil: null }) }),
  }),
  fc.record({ kind: fc.constant('access' as const), changes: fc.array(change, { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('user' as const), publicKey: bytes, displayName: fc.string({ maxLength: 32 }), atMs: count }),
  fc.record({ kind: fc.constant('chat' as const), change: fc.record({ kind: fc.constant('post' as const), conv: fc.string({ maxLength: 40 }), author: keyHex, message }) }),
  fc.record({ kind: fc.constant('chat' as const), change: fc.record({ kind: fc.constant('change' as const), conv: fc.string({ maxLength: 40 }), author: keyHex, seq: fc.nat(), itemId: bytes, message }) }),
);
const answer = fc.record(
  {
    code: fc.nat({ max: 200 }),
    detail: fc.string({ maxLength: 40 }),
    seq: fc.nat(),
    untilMs: count,
    denial: fc.option(fc.string({ maxLength: 20 }).map((roomId) => create(PermissionDenialSchema, { roomId })), { nil: null }),
    retryAfterMs: fc.integer({ min: 1, max: 2 ** 31 }),
    roomId: fc.string({ minLength: 1, maxLength: 40 }),
  },
  { requiredKeys: ['code', 'detail', 'seq', 'untilMs', 'denial'] },
);
const decoders = [decodeStateRequest, decodeStateEntry, decodeStateAnswer, decodeStateReply];

describe('state log codecs', () => {
  it('round-trip every value', () => {
    fc.assert(fc.property(request, (r) => {
      expect(decodeStateRequest(encodeStateRequest(r))).toEqual({ ok: true, value: r });
    }));
    fc.assert(fc.property(entry, (e) => {
      expect(decodeStateEntry(encodeStateEntry(e))).toEqual({ ok: true, value: e });
    }));
    fc.assert(fc.property(answer, (a) => {
      expect(decodeStateAnswer(encodeStateAnswer(a))).toEqual({ ok: true, value: a });
    }));
    fc.assert(fc.property(fc.option(fc.record({ seq: fc.nat(), reply: bytes }), { nil: null }), (r) => {
      expect(decodeStateReply(encodeStateReply(r))).toEqual({ ok: true, value: r });
    }));
  });

  it('never throw on garbage or truncated messages', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      for (const decode of decoders) expect(decode(data).ok === true || decode(data).ok === false).toBe(true);
    }));
    fc.assert(fc.property(entry, fc.nat(), (e, cut) => {
      const data = encodeStateEntry(e);
      const r = decodeStateEntry(data.subarray(0, cut % data.byteLength));
      expect(r.ok).toBe(false);
    }));
  });

  it('refuse wrong shapes: unknown kinds, empty or malformed access changes, bad protobuf bytes', () => {
    const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
    expect(decodeStateEntry(enc({ v: 1, k: 'access', ch: [] })).ok).toBe(false);
    expect(decodeStateEntry(enc({ v: 1, k: 'access', ch: [{ kind: 'role', id: 'XYZ', record: null }] })).ok).toBe(false);
    expect(decodeStateEntry(enc({ v: 1, k: 'access', ch: [{ kind: 'ban', id: 'ab', record: { untilMs: -1 } }] })).ok).toBe(false);
    expect(decodeStateEntry(enc({ v: 1, k: 'nope' })).ok).toBe(false);
    expect(decodeStateRequest(enc({ v: 1, k: 'chat', m: { s: 1, k: '', n: '', room: '' }, item: '/w==' })).ok).toBe(false);
    expect(decodeStateRequest(enc({ v: 2, k: 'admit', key: '', inv: '' })).ok).toBe(false);
    // Token groups: a hash or salt that is not hex, a grant with a negative use count, an unknown change kind.
    const m = { s: 1, k: '', n: '', room: '' };
    expect(decodeStateRequest(enc({ v: 1, k: 'rpw', m, room: 'r', g: 'g', h: { s: 'zz', h: 'ab' } })).ok).toBe(false);
    expect(decodeStateRequest(enc({ v: 1, k: 'rgrant', m, g: 'r/g', s: 'not-hex' })).ok).toBe(false);
    expect(decodeStateEntry(enc({ v: 1, k: 'token', c: { t: 'grant', key: 'ab', g: 'r/g', inv: { id: 'ab', n: -1 } } })).ok).toBe(false);
    expect(decodeStateEntry(enc({ v: 1, k: 'token', c: { t: 'nope', g: 'r/g' } })).ok).toBe(false);
  });
});
