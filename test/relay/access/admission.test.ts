/**
 * The admission decision and handshake parsing, as properties: random or
 * mutated invites and random clientAuth fields never throw, never grant a
 * role they should not, and always come back with a known refusal code.
 */
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create } from '@bufbuild/protobuf';
import { ClientAuthSchema, ErrorCode, PROTOCOL_VERSION, Role } from '../../../proto/index.ts';
import { AccessRecords, applyAdmission, decideAdmission } from '../../../relay/access/index.ts';
import type { AdmissionContext, GuestPolicy } from '../../../relay/access/index.ts';
import { verifyClientAuth } from '../../../relay/access/auth.ts';
import { hashPassword } from '../../../relay/access/password.ts';
import { Store } from '../../../relay/storage/store.ts';
import { makeInvite } from '../../helpers/invites.ts';
import { generateKey, rawPublicKeyOf, signAuth } from '../../helpers/relay-client.ts';
import { makeDataDir } from '../../helpers/start-relay.ts';

const relayKey = rawPublicKeyOf(generateKey());
const adminKey = generateKey();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
let dir: string;
let store: Store;
let records: AccessRecords;
const NOW = 1_800_000_000_000;

const ctx = (guests: GuestPolicy = 'deny'): AdmissionContext => ({ relayPublicKey: relayKey, guests, records, now: NOW });

beforeAll(async () => {
  dir = await makeDataDir();
  store = await Store.open(dir, (e) => {
    throw e;
  });
  records = await AccessRecords.open(store);
  await records.setRole(hex(rawPublicKeyOf(adminKey)), 'admin', 'test', NOW);
});

afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const INVITE_CODES = [ErrorCode.INVITE_INVALID, ErrorCode.INVITE_EXPIRED, ErrorCode.INVITE_USED_UP, ErrorCode.INVITE_REVOKED, ErrorCode.NOT_INVITED];

describe('decideAdmission', () => {
  it('a valid invite grants its role once per use; the decision alone writes nothing', async () => {
    const invite = makeInvite(adminKey, relayKey, { role: Role.MEMBER, maxUses: 1, expiresAtMs: NOW + 1 });
    const key = rawPublicKeyOf(generateKey());
    const decision = decideAdmission(key, invite, ctx());
    expect(decision).toMatchObject({ ok: true, role: Role.MEMBER });
    expect(records.role(hex(key))).toBeUndefined();
    await applyAdmission(key, decision, records, NOW);
    expect(records.role(hex(key))?.role).toBe('member');
    expect(decideAdmission(rawPublicKeyOf(generateKey()), invite, ctx())).toMatchObject({ ok: false, code: ErrorCode.INVITE_USED_UP });
    // The member it made comes back without the invite, and re-presenting it changes nothing.
    expect(decideAdmission(key, new Uint8Array(0), ctx())).toMatchObject({ ok: true, role: Role.MEMBER });
    expect(decideAdmission(key, invite, ctx())).toMatchObject({ ok: true, role: Role.MEMBER });
  });

  it('guest policy: deny refuses with NOT_INVITED, allow admits as guest, auto admits only without admins', () => {
    const key = rawPublicKeyOf(generateKey());
    expect(decideAdmission(key, new Uint8Array(0), ctx('deny'))).toMatchObject({ ok: false, code: ErrorCode.NOT_INVITED });
    expect(decideAdmission(key, new Uint8Array(0), ctx('allow'))).toMatchObject({ ok: true, role: Role.GUEST });
    expect(decideAdmission(key, new Uint8Array(0), ctx('auto'))).toMatchObject({ ok: false, code: ErrorCode.NOT_INVITED });
  });

  it('any one-bit change to a valid invite is refused with an invite code, never admitted', () => {
    const invite = makeInvite(adminKey, relayKey, { role: Role.ADMIN });
    fc.assert(
      fc.property(fc.nat(invite.byteLength * 8 - 1), (bit) => {
        const mutated = invite.slice();
        mutated[bit >> 3]! ^= 1 << (bit & 7);
        const r = decideAdmission(rawPublicKeyOf(generateKey()), mutated, ctx('allow'));
        expect(r.ok).toBe(false);
        if (!r.ok) expect(INVITE_CODES).toContain(r.code);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on random invite bytes, and refuses them with a known code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom<GuestPolicy>('auto', 'allow', 'deny'), (bytes, guests) => {
        const r = decideAdmission(rawPublicKeyOf(generateKey()), bytes, ctx(guests));
        if (bytes.byteLength === 0) return;
        expect(r.ok).toBe(false);
        if (!r.ok) expect(INVITE_CODES).toContain(r.code);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('verifyClientAuth under random fields', () => {
  it('never throws and refuses with a handshake code unless the signature is real', async () => {
    const passwordHash = await hashPassword('pw');
    const nonce = new Uint8Array(randomBytes(32));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          protocolVersion: fc.oneof(fc.constant(PROTOCOL_VERSION), fc.nat()),
          publicKey: fc.uint8Array({ maxLength: 40 }),
          displayName: fc.string({ maxLength: 40 }),
          password: fc.string({ maxLength: 20 }),
          signature: fc.uint8Array({ maxLength: 70 }),
          invite: fc.uint8Array({ maxLength: 170 }),
        }),
        async (fields) => {
          const r = await verifyClientAuth(create(ClientAuthSchema, fields), { protocolVersion: PROTOCOL_VERSION, relayPublicKey: relayKey, nonce, passwordHash });
          expect(r.ok).toBe(false);
          if (!r.ok) expect([ErrorCode.PROTOCOL_VERSION, ErrorCode.BAD_REQUEST, ErrorCode.BAD_SIGNATURE]).toContain(r.code);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a real signature with random names and passwords gets a verdict, never an exception', async () => {
    const passwordHash = await hashPassword('pw');
    const key = generateKey();
    const nonce = new Uint8Array(randomBytes(32));
    const signature = signAuth(key, relayKey, nonce);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.oneof(fc.constant('pw'), fc.string({ maxLength: 10 })), async (displayName, password) => {
        const auth = create(ClientAuthSchema, { protocolVersion: PROTOCOL_VERSION, publicKey: rawPublicKeyOf(key), displayName, password, signature });
        const r = await verifyClientAuth(auth, { protocolVersion: PROTOCOL_VERSION, relayPublicKey: relayKey, nonce, passwordHash });
        if (r.ok) expect(password).toBe('pw');
        else expect([ErrorCode.BAD_REQUEST, ErrorCode.WRONG_PASSWORD]).toContain(r.code);
      }),
      { numRuns: 12 },
    );
  });
});
