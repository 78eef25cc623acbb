import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { ClientAuthSchema, ErrorCode, PROTOCOL_VERSION } from '../../../proto/index.ts';
import { verifyClientAuth } from '../../../relay/access/auth.ts';
import type { AuthContext } from '../../../relay/access/auth.ts';
import { normalizeDisplayName } from '../../../relay/presence/display-name.ts';
import { hashPassword, verifyPassword } from '../../../relay/access/password.ts';
import { generateKey, rawPublicKeyOf, signAuth } from '../../helpers/relay-client.ts';

const relayPublicKey = rawPublicKeyOf(generateKey());

function context(passwordHash?: AuthContext['passwordHash']): AuthContext {
  return { protocolVersion: PROTOCOL_VERSION, relayPublicKey, nonce: randomBytes(32), passwordHash };
}

function auth(ctx: AuthContext, fields: { name?: string; password?: string } = {}) {
  const key = generateKey();
  return create(ClientAuthSchema, {
    protocolVersion: PROTOCOL_VERSION,
    publicKey: rawPublicKeyOf(key),
    displayName: fields.name ?? 'Ana',
    password: fields.password ?? '',
    signature: signAuth(key, ctx.relayPublicKey, ctx.nonce),
  });
}

describe('verifyClientAuth', () => {
  it('accepts a valid signature and returns the trimmed name and the key', async () => {
    const ctx = context();
    const msg = auth(ctx, { name: '  Ana ' });
    const r = await verifyClientAuth(msg, ctx);
    expect(r).toEqual({ ok: true, identity: { publicKey: msg.publicKey, displayName: 'Ana' } });
  });

  it('refuses with BAD_SIGNATURE when one signature byte is flipped', async () => {
    const ctx = context();
    const msg = auth(ctx);
    msg.signature[10]! ^= 1;
    expect(await verifyClientAuth(msg, ctx)).toMatchObject({ ok: false, code: ErrorCode.BAD_SIGNATURE });
  });

  it('refuses with BAD_SIGNATURE for a key that is not a curve point', async () => {
    const ctx = context();
    const msg = auth(ctx);
    // y = 2 is canonical but has no x on the curve.
    msg.publicKey = new Uint8Array(32);
    msg.publicKey[0] = 2;
    expect(await verifyClientAuth(msg, ctx)).toMatchObject({ ok: false, code: ErrorCode.BAD_SIGNATURE });
  });

  it('refuses a non-canonical or small-order key with BAD_REQUEST before the signature (keys/public-key.ts)', async () => {
    const ctx = context();
    const msg = auth(ctx);
    msg.publicKey = new Uint8Array(32).fill(0xff);
    expect(await verifyClientAuth(msg, ctx)).toMatchObject({ ok: false, code: ErrorCode.BAD_REQUEST });
    msg.publicKey = new Uint8Array(32);
    msg.publicKey[0] = 1;
    expect(await verifyClientAuth(msg, ctx)).toMatchObject({ ok: false, code: ErrorCode.BAD_REQUEST, detail: 'public key not acceptable [fault:small-order]' });
  });

  it('checks the password only with a valid signature, and refuses a wrong one with WRONG_PASSWORD', async () => {
    const ctx = context(await hashPassword('s3cret'));
    expect(await verifyClientAuth(auth(ctx, { password: 's3cret' }), ctx)).toMatchObject({ ok: true });
    expect(await verifyClientAuth(auth(ctx, { password: 's3cret ' }), ctx)).toMatchObject({ ok: false, code: ErrorCode.WRONG_PASSWORD });
    const badSig = auth(ctx, { password: 'wrong' });
    badSig.signature[0]! ^= 1;
    expect(await verifyClientAuth(badSig, ctx)).toMatchObject({ ok: false, code: ErrorCode.BAD_SIGNATURE });
  });

  it('ignores an offered password when the relay has none', async () => {
    const ctx = context();
    expect(await verifyClientAuth(auth(ctx, { password: 'anything' }), ctx)).toMatchObject({ ok: true });
  });
});

describe('password hashing', () => {
  it('keeps no clear text and verifies only the same password', async () => {
    const h = await hashPassword('pässword');
    expect(Buffer.from(h.hash).toString('utf8')).not.toContain('pässword');
    expect(await verifyPassword(h, 'pässword')).toBe(true);
    // NFC and NFD spellings of the same text are the same password.
    expect(await verifyPassword(h, 'pa\u0308ssword')).toBe(true);
    expect(await verifyPassword(h, 'password')).toBe(false);
    expect(await verifyPassword(h, 'x'.repeat(5000))).toBe(false);
  });

  it('salts: the same password hashes differently twice', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(a.hash).not.toEqual(b.hash);
  });
});

describe('normalizeDisplayName', () => {
  it.each([
    [' Ana ', 'Ana'],
    ['Zoë', 'Zoë'],
    ['x'.repeat(32), 'x'.repeat(32)],
    ['🎧'.repeat(32), '🎧'.repeat(32)],
  ])('accepts %j as %j', (raw, want) => {
    expect(normalizeDisplayName(raw)).toBe(want);
  });

  it.each(['', ' ', 'x'.repeat(33), 'a\tb', 'a\u0000', 'a\u2028b', '\u202Eevil', 'a\u0085b'])('refuses %j', (raw) => {
    expect(normalizeDisplayName(raw)).toBeNull();
  });
});
