/** Invite layout, link fragments and base64url: round trips, fixed offsets, and random input never throwing. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeInvite,
  encodeInvite,
  fromBase64Url,
  INVITE_BYTES,
  inviteFragment,
  inviteSigningBytes,
  parseInviteFragment,
  Role,
  toBase64Url,
} from '../../proto/index.ts';
import type { Invite } from '../../proto/index.ts';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const invite: fc.Arbitrary<Invite> = fc.record({
  relayPublicKey: key,
  id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  role: fc.constantFrom(Role.MEMBER as const, Role.ADMIN as const),
  expiresAtMs: fc.maxSafeNat(),
  maxUses: fc.integer({ min: 0, max: 0xffff_ffff }),
  issuerKey: key,
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
});

describe('invite codec', () => {
  it('decodeInvite(encodeInvite(x)) is x, and the encoding is 158 bytes', () => {
    fc.assert(
      fc.property(invite, (i) => {
        const bytes = encodeInvite(i);
        expect(bytes.byteLength).toBe(INVITE_BYTES);
        const back = decodeInvite(bytes);
        expect(back).toEqual({ ok: true, value: i });
      }),
    );
  });

  it('puts each field at its documented offset and signs domain prefix + the first 94 bytes', () => {
    const i: Invite = {
      relayPublicKey: new Uint8Array(32).fill(0xaa),
      id: new Uint8Array(16).fill(0xbb),
      role: Role.ADMIN,
      expiresAtMs: 0x0102030405,
      maxUses: 7,
      issuerKey: new Uint8Array(32).fill(0xcc),
      signature: new Uint8Array(64).fill(0xdd),
    };
    const b = encodeInvite(i);
    expect(b[0]).toBe(1);
    expect(b.subarray(1, 33).every((x) => x === 0xaa)).toBe(true);
    expect(b.subarray(33, 49).every((x) => x === 0xbb)).toBe(true);
    expect(b[49]).toBe(3);
    expect([...b.subarray(50, 58)]).toEqual([0, 0, 0, 1, 2, 3, 4, 5]);
    expect([...b.subarray(58, 62)]).toEqual([0, 0, 0, 7]);
    expect(b.subarray(62, 94).every((x) => x === 0xcc)).toBe(true);
    expect(b.subarray(94).every((x) => x === 0xdd)).toBe(true);
    const signed = inviteSigningBytes(i);
    expect(new TextDecoder().decode(signed.subarray(0, 17))).toBe('parley-invite-v1\0');
    expect(signed.subarray(17)).toEqual(b.subarray(0, 94));
  });

  it('decodeInvite never throws on random bytes and accepts only well-formed ones', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: INVITE_BYTES, maxLength: INVITE_BYTES })), (bytes) => {
        const r = decodeInvite(bytes);
        if (r.ok) {
          expect(bytes.byteLength).toBe(INVITE_BYTES);
          expect(bytes[0]).toBe(1);
          expect([Role.MEMBER, Role.ADMIN]).toContain(r.value.role);
          expect(encodeInvite(r.value)).toEqual(bytes);
        } else {
          expect(['bad-length', 'bad-value']).toContain(r.error.code);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a wrong format byte and an unknown role', () => {
    const b = encodeInvite({
      relayPublicKey: new Uint8Array(32),
      id: new Uint8Array(16),
      role: Role.MEMBER,
      expiresAtMs: 0,
      maxUses: 0,
      issuerKey: new Uint8Array(32),
      signature: new Uint8Array(64),
    });
    const wrongVersion = b.slice();
    wrongVersion[0] = 2;
    expect(decodeInvite(wrongVersion)).toMatchObject({ ok: false, error: { code: 'bad-value' } });
    for (const role of [0, 1, 4, 255]) {
      const c = b.slice();
      c[49] = role;
      expect(decodeInvite(c)).toMatchObject({ ok: false, error: { code: 'bad-value' } });
    }
  });
});

describe('invite links', () => {
  it('parseInviteFragment finds the bytes inviteFragment wrote, with or without #, among other params', () => {
    fc.assert(
      fc.property(invite, (i) => {
        const bytes = encodeInvite(i);
        const frag = inviteFragment(bytes);
        expect(frag.startsWith('#invite=')).toBe(true);
        expect(parseInviteFragment(frag)).toEqual({ ok: true, value: bytes });
        expect(parseInviteFragment(`x=1&${frag.slice(1)}`)).toEqual({ ok: true, value: bytes });
        expect(parseInviteFragment(`${frag}.`)).toEqual({ ok: true, value: bytes });
      }),
      { numRuns: 200 },
    );
  });

  it('parseInviteFragment never throws: null without invite=, a typed failure for junk', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseInviteFragment(s);
        if (r === null) return;
        if (r.ok) expect(r.value.byteLength).toBe(INVITE_BYTES);
        else expect(['malformed', 'bad-length']).toContain(r.error.code);
      }),
      { numRuns: 2000 },
    );
    expect(parseInviteFragment('#room=lobby')).toBeNull();
    expect(parseInviteFragment('#invite=@@@')).toMatchObject({ ok: false, error: { code: 'malformed' } });
    expect(parseInviteFragment('#invite=AAAA')).toMatchObject({ ok: false, error: { code: 'bad-length' } });
  });
});

describe('base64url', () => {
  it('round-trips any bytes and matches Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const t = toBase64Url(b);
        expect(t).toBe(Buffer.from(b).toString('base64url'));
        expect(fromBase64Url(t)).toEqual(b);
      }),
    );
  });

  it('accepts only the canonical spelling: no padding, no foreign characters, zero trailing bits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (s) => {
        const b = fromBase64Url(s);
        if (b !== null) expect(toBase64Url(b)).toBe(s);
      }),
      { numRuns: 3000 },
    );
    expect(fromBase64Url('AA==')).toBeNull();
    expect(fromBase64Url('AB')).toBeNull();
    expect(fromBase64Url('A')).toBeNull();
    expect(fromBase64Url('+/')).toBeNull();
  });
});
