/** Room invite layout and link fragments (proto/room-invite.ts): round trips, fixed offsets, and random or cut input never throwing. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRoomInvite,
  encodeRoomInvite,
  inviteSigningBytes,
  MAX_ROOM_INVITE_BYTES,
  parseRoomInviteFragment,
  Role,
  roomInviteFragment,
  roomInviteSigningBytes,
} from '../../proto/index.ts';
import type { RoomInvite } from '../../proto/index.ts';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const roomId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/);
// Group names of 1..32 characters of any script (perms/ limits them to 32), so up to 128 UTF-8 bytes.
const group = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 32 }).filter((g) => new TextEncoder().encode(g).byteLength <= 128);
const invite: fc.Arbitrary<RoomInvite> = fc.record({
  relayPublicKey: key,
  id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  expiresAtMs: fc.maxSafeNat(),
  maxUses: fc.integer({ min: 0, max: 0xffff_ffff }),
  issuerKey: key,
  roomId,
  group,
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
});

describe('room invite codec', () => {
  it('decodeRoomInvite(encodeRoomInvite(x)) is x, within the documented size', () => {
    fc.assert(
      fc.property(invite, (i) => {
        const bytes = encodeRoomInvite(i);
        expect(bytes.byteLength).toBe(95 + i.roomId.length + new TextEncoder().encode(i.group).byteLength + 64);
        expect(bytes.byteLength).toBeLessThanOrEqual(MAX_ROOM_INVITE_BYTES);
        expect(decodeRoomInvite(bytes)).toEqual({ ok: true, value: i });
      }),
    );
  });

  it('puts each field at its documented offset and signs the domain prefix + every byte before the signature', () => {
    const i: RoomInvite = {
      relayPublicKey: new Uint8Array(32).fill(0xaa),
      id: new Uint8Array(16).fill(0xbb),
      expiresAtMs: 0x0102030405,
      maxUses: 7,
      issuerKey: new Uint8Array(32).fill(0xcc),
      roomId: 'ops',
      group: 'guests-in',
      signature: new Uint8Array(64).fill(0xdd),
    };
    const b = encodeRoomInvite(i);
    expect(b[0]).toBe(1);
    expect(b.subarray(1, 33).every((x) => x === 0xaa)).toBe(true);
    expect(b.subarray(33, 49).every((x) => x === 0xbb)).toBe(true);
    expect(Buffer.from(b.subarray(49, 57)).toString('hex')).toBe('0000000102030405');
    expect(Buffer.from(b.subarray(57, 61)).toString('hex')).toBe('00000007');
    expect(b.subarray(61, 93).every((x) => x === 0xcc)).toBe(true);
    expect(b[93]).toBe(3);
    expect(Buffer.from(b.subarray(94, 97)).toString()).toBe('ops');
    expect(b[97]).toBe(9);
    expect(Buffer.from(b.subarray(98, 107)).toString()).toBe('guests-in');
    expect(b.subarray(107).every((x) => x === 0xdd)).toBe(true);
    const signed = roomInviteSigningBytes(i);
    expect(Buffer.from(signed.subarray(0, 22)).toString()).toBe('parley-room-invite-v1\0');
    expect(Buffer.from(signed.subarray(22))).toEqual(Buffer.from(b.subarray(0, 107)));
    // Never the bytes an organisation invite signs: the domains differ.
    const org = inviteSigningBytes({ relayPublicKey: i.relayPublicKey, id: i.id, role: Role.MEMBER, expiresAtMs: 0, maxUses: 0, issuerKey: i.issuerKey });
    expect(Buffer.from(org.subarray(0, 22)).equals(Buffer.from(signed.subarray(0, 22)))).toBe(false);
  });

  it('refuses every truncation and extension with a code, never throwing', () => {
    fc.assert(
      fc.property(invite, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (i, cut, extra) => {
        const bytes = encodeRoomInvite(i);
        expect(decodeRoomInvite(bytes.subarray(0, cut % bytes.byteLength)).ok).toBe(false);
        const longer = new Uint8Array([...bytes, ...extra]);
        expect(decodeRoomInvite(longer).ok).toBe(false);
      }),
    );
  });

  it('answers random bytes and single-byte corruptions with a result, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        const r = decodeRoomInvite(b);
        if (!r.ok) expect(typeof r.error.code).toBe('string');
      }),
    );
    fc.assert(
      fc.property(invite, fc.nat(), fc.integer({ min: 1, max: 255 }), (i, at, flip) => {
        const bytes = encodeRoomInvite(i);
        bytes[at % bytes.byteLength] ^= flip;
        const r = decodeRoomInvite(bytes);
        // Either refused, or it parses to something else (then the signature check refuses it).
        if (r.ok) expect(r.value).not.toEqual(i);
      }),
    );
  });

  it('round-trips through a link fragment, and refuses fragments that are not one', () => {
    fc.assert(
      fc.property(invite, (i) => {
        const bytes = encodeRoomInvite(i);
        const found = parseRoomInviteFragment(roomInviteFragment(bytes));
        expect(found).toEqual({ ok: true, value: bytes });
      }),
    );
    expect(parseRoomInviteFragment('#invite=abc')).toBeNull();
    expect(parseRoomInviteFragment('#room-invite=***')?.ok).toBe(false);
    expect(parseRoomInviteFragment(`#room-invite=${'A'.repeat(600)}`)?.ok).toBe(false);
  });

  it('encoding refuses out-of-range fields (caller bugs) with a TypeError', () => {
    const base: RoomInvite = { relayPublicKey: new Uint8Array(32), id: new Uint8Array(16), expiresAtMs: 0, maxUses: 0, issuerKey: new Uint8Array(32), roomId: 'a', group: 'g', signature: new Uint8Array(64) };
    expect(() => encodeRoomInvite({ ...base, roomId: 'Not valid' })).toThrow(TypeError);
    expect(() => encodeRoomInvite({ ...base, group: '' })).toThrow(TypeError);
    expect(() => encodeRoomInvite({ ...base, maxUses: -1 })).toThrow(TypeError);
    expect(() => encodeRoomInvite({ ...base, signature: new Uint8Array(3) })).toThrow(TypeError);
  });
});
