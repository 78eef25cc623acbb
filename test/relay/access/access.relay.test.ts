/**
 * Access control against a real relay on port 0: the bootstrap admin invite,
 * signed invites (good, expired, used up, forged, revoked, for another relay,
 * from a non-admin), members-only admission, roles restored on reconnect,
 * kick, timed and permanent bans, rename, role changes. The clock is injected
 * so expiry is tested without waiting; `trustProxy` lets each test come from
 * its own address. After every refusal the admin and a member are still served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, Role, inviteSigningBytes, decodeInvite } from '../../../proto/index.ts';
import { closeCodeFor } from '../../../relay/index.ts';
import { adminRequest, makeInvite } from '../../helpers/invites.ts';
import { connectClient, generateKey, rawPublicKeyOf, RelayRefusedError } from '../../helpers/relay-client.ts';
import type { ConnectOptions, TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import { connectRefused } from '../../helpers/relay-fixture.ts';

let now = Date.UTC(2026, 10, 20, 12, 0, 0);
const clock = { now: () => now };
let started: StartedRelay;
let admin: TestClient;
let member: TestClient;
let address = 1;
/** A fresh pretend client address per connection, so lock-outs stay out of these tests. */
const nextAddress = (): string => `10.1.0.${address++}`;

function connect(options: Omit<ConnectOptions, 'name'> & { name?: string }): Promise<TestClient> {
  return connectClient(started.relay.wsUrl, { name: 'User', forwardedFor: nextAddress(), ...options });
}

function refused(options: Omit<ConnectOptions, 'name'> & { name?: string }): Promise<RelayRefusedError> {
  return connectRefused(started.relay.wsUrl, { name: 'User', forwardedFor: nextAddress(), ...options });
}

/** The admin and the member are still connected and served. */
async function expectOthersUndisturbed(): Promise<void> {
  await Promise.all([admin.ping(), member.ping()]);
  expect(admin.socket.isOpen && member.socket.isOpen).toBe(true);
}

beforeAll(async () => {
  started = await startRelay({ clock, trustProxy: true, limits: { pingIntervalMs: 3_600_000 } });
  expect(started.relay.bootstrapInvite).toBeDefined();
  admin = await connect({ name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() });
  await admin.next('adminState');
  const invite = makeInvite(admin.key, started.relay.publicKey, { expiresAtMs: now + 60_000 });
  member = await connect({ name: 'Member', invite });
});

afterAll(async () => {
  await Promise.all([admin?.close(), member?.close()]);
  await started?.cleanup();
});

describe('bootstrap and members-only admission', () => {
  it('the bootstrap invite made the first user admin, and an invite made the second a member', () => {
    expect(admin.authOk.role).toBe(Role.ADMIN);
    expect(member.authOk.role).toBe(Role.MEMBER);
    expect(admin.roster.find((u) => u.sessionId === admin.sessionId)?.role).toBe(Role.ADMIN);
  });

  it('the bootstrap invite is void once an admin exists: INVITE_INVALID', async () => {
    const err = await refused({ invite: started.relay.bootstrapInvite! });
    expect(err.code).toBe(ErrorCode.INVITE_INVALID);
    expect(err.close?.code).toBe(closeCodeFor(ErrorCode.INVITE_INVALID));
    await expectOthersUndisturbed();
  });

  it('refuses an unknown key without an invite with NOT_INVITED', async () => {
    const err = await refused({});
    expect(err.code).toBe(ErrorCode.NOT_INVITED);
    await expectOthersUndisturbed();
  });

  it('restores the role and the room of a key on reconnect, without the invite', async () => {
    const key = generateKey();
    const first = await connect({ key, invite: makeInvite(admin.key, started.relay.publicKey) });
    expect(first.authOk.role).toBe(Role.MEMBER);
    await first.join('quiet');
    await first.close();
    const again = await connect({ key, name: 'Back again' });
    expect(again.authOk.role).toBe(Role.MEMBER);
    expect(again.authOk.roomId).toBe('quiet');
    await again.close();
  });
});

describe('signed invites', () => {
  it('refuses an expired invite with INVITE_EXPIRED and its end time', async () => {
    const expiresAtMs = now + 5_000;
    const invite = makeInvite(admin.key, started.relay.publicKey, { expiresAtMs });
    now += 10_000;
    const err = await refused({ invite });
    expect(err.code).toBe(ErrorCode.INVITE_EXPIRED);
    await expectOthersUndisturbed();
  });

  it('counts uses: the second key on a one-use invite gets INVITE_USED_UP', async () => {
    const invite = makeInvite(admin.key, started.relay.publicKey, { maxUses: 1 });
    const stateSeen = admin.next('adminState', (s) => s.invites.some((i) => i.uses === 1 && i.maxUses === 1));
    const first = await connect({ invite });
    expect(first.authOk.role).toBe(Role.MEMBER);
    // Admins see the use counted.
    await stateSeen;
    const err = await refused({ invite });
    expect(err.code).toBe(ErrorCode.INVITE_USED_UP);
    await first.close();
    await expectOthersUndisturbed();
  });

  it('refuses a forged invite (role byte changed after signing) with INVITE_INVALID', async () => {
    const invite = makeInvite(admin.key, started.relay.publicKey, { role: Role.MEMBER });
    invite[49] = Role.ADMIN;
    const err = await refused({ invite });
    expect(err.code).toBe(ErrorCode.INVITE_INVALID);
    await expectOthersUndisturbed();
  });

  it('refuses an invite signed by a key that is not an admin, and one for another relay', async () => {
    const byMember = makeInvite(member.key, started.relay.publicKey);
    expect((await refused({ invite: byMember })).code).toBe(ErrorCode.INVITE_INVALID);
    const elsewhere = makeInvite(admin.key, rawPublicKeyOf(generateKey()));
    expect((await refused({ invite: elsewhere })).code).toBe(ErrorCode.INVITE_INVALID);
    expect((await refused({ invite: new Uint8Array(40) })).code).toBe(ErrorCode.INVITE_INVALID);
    await expectOthersUndisturbed();
  });

  it('lists a registered invite and refuses it with INVITE_REVOKED once revoked', async () => {
    const invite = makeInvite(admin.key, started.relay.publicKey, { maxUses: 5 });
    const id = decodeInvite(invite);
    if (!id.ok) throw new Error('bad test invite');
    const listed = admin.next('adminState', (s) => s.invites.some((i) => Buffer.compare(i.id, id.value.id) === 0 && !i.revoked));
    expect((await adminRequest(admin, { case: 'registerInvite', value: { invite } })).code).toBe(ErrorCode.UNSPECIFIED);
    const entry = (await listed).invites.find((i) => Buffer.compare(i.id, id.value.id) === 0)!;
    expect(entry).toMatchObject({ role: Role.MEMBER, maxUses: 5, uses: 0 });
    expect((await adminRequest(admin, { case: 'revokeInvite', value: { inviteId: id.value.id } })).code).toBe(ErrorCode.UNSPECIFIED);
    const err = await refused({ invite });
    expect(err.code).toBe(ErrorCode.INVITE_REVOKED);
    await expectOthersUndisturbed();
  });

  it('refuses to register an invite the admin did not sign', async () => {
    const other = makeInvite(generateKey(), started.relay.publicKey);
    const result = await adminRequest(admin, { case: 'registerInvite', value: { invite: other } });
    expect(result.code).toBe(ErrorCode.INVITE_INVALID);
    // Sanity: the signing bytes start with the domain prefix.
    const decoded = decodeInvite(other);
    expect(decoded.ok && new TextDecoder().decode(inviteSigningBytes(decoded.value).subarray(0, 17))).toBe('parley-invite-v1\0');
  });
});

describe('admin actions', () => {
  it('refuses admin requests from a member with PERMISSION_DENIED (ban, decided at the root by the defaults) and changes nothing', async () => {
    const result = await adminRequest(member, { case: 'ban', value: { publicKey: rawPublicKeyOf(admin.key), durationMs: 0n } });
    expect(result.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(result.denial).toMatchObject({ permission: 'ban', roomId: 'root', ruleId: '' });
    await expectOthersUndisturbed();
  });

  it('kick disconnects the user with KICKED and tells the others; the user may come back', async () => {
    const key = generateKey();
    const victim = await connect({ key, invite: makeInvite(admin.key, started.relay.publicKey), name: 'Noisy' });
    const left = member.next('userLeft', (l) => l.sessionId === victim.sessionId);
    const result = await adminRequest(admin, { case: 'kick', value: { sessionId: victim.sessionId, reason: 'too loud' } });
    expect(result.code).toBe(ErrorCode.UNSPECIFIED);
    const error = await victim.next('error');
    expect(error.code).toBe(ErrorCode.KICKED);
    expect(error.message).toContain('too loud');
    expect((await victim.socket.closed).code).toBe(closeCodeFor(ErrorCode.KICKED));
    await left;
    const back = await connect({ key });
    expect(back.authOk.role).toBe(Role.MEMBER);
    await back.close();
    await expectOthersUndisturbed();
  });

  it('a timed ban disconnects the key, refuses it with BANNED until the end, is listed, and ends by itself', async () => {
    const key = generateKey();
    const victim = await connect({ key, invite: makeInvite(admin.key, started.relay.publicKey), name: 'Troll' });
    const listed = admin.next('adminState', (s) => s.bans.some((b) => Buffer.compare(b.publicKey, rawPublicKeyOf(key)) === 0));
    const result = await adminRequest(admin, { case: 'ban', value: { publicKey: rawPublicKeyOf(key), durationMs: 60_000n, reason: 'spam' } });
    expect(result.code).toBe(ErrorCode.UNSPECIFIED);
    const kicked = await victim.next('error');
    expect(kicked.code).toBe(ErrorCode.BANNED);
    expect(Number(kicked.untilMs)).toBe(now + 60_000);
    const ban = (await listed).bans.find((b) => Buffer.compare(b.publicKey, rawPublicKeyOf(key)) === 0)!;
    expect(ban).toMatchObject({ displayName: 'Troll', reason: 'spam', untilMs: BigInt(now + 60_000) });

    const err = await refused({ key });
    expect(err.code).toBe(ErrorCode.BANNED);
    expect(err.close?.code).toBe(closeCodeFor(ErrorCode.BANNED));
    now += 61_000;
    const back = await connect({ key });
    expect(back.authOk.role).toBe(Role.MEMBER);
    await back.close();
    await expectOthersUndisturbed();
  });

  it('a permanent ban holds until lifted', async () => {
    const key = generateKey();
    const victim = await connect({ key, invite: makeInvite(admin.key, started.relay.publicKey) });
    await adminRequest(admin, { case: 'ban', value: { publicKey: rawPublicKeyOf(key), durationMs: 0n } });
    expect(Number((await victim.next('error')).untilMs)).toBe(0);
    now += 365 * 24 * 3600 * 1000;
    expect((await refused({ key })).code).toBe(ErrorCode.BANNED);
    // A banned key cannot come back with a fresh invite either.
    expect((await refused({ key, invite: makeInvite(admin.key, started.relay.publicKey, { expiresAtMs: now + 1000 }) })).code).toBe(ErrorCode.BANNED);
    expect((await adminRequest(admin, { case: 'liftBan', value: { publicKey: rawPublicKeyOf(key) } })).code).toBe(ErrorCode.UNSPECIFIED);
    const back = await connect({ key });
    await back.close();
    expect((await adminRequest(admin, { case: 'liftBan', value: { publicKey: rawPublicKeyOf(key) } })).code).toBe(ErrorCode.UNKNOWN_USER);
  });

  it('refuses to ban or demote oneself, and validates keys and reasons', async () => {
    const self = rawPublicKeyOf(admin.key);
    expect((await adminRequest(admin, { case: 'ban', value: { publicKey: self } })).code).toBe(ErrorCode.BAD_REQUEST);
    expect((await adminRequest(admin, { case: 'setRole', value: { publicKey: self, role: Role.MEMBER } })).code).toBe(ErrorCode.BAD_REQUEST);
    expect((await adminRequest(admin, { case: 'ban', value: { publicKey: new Uint8Array(5) } })).code).toBe(ErrorCode.BAD_REQUEST);
    expect((await adminRequest(admin, { case: 'kick', value: { sessionId: member.sessionId, reason: 'x'.repeat(201) } })).code).toBe(ErrorCode.BAD_REQUEST);
    expect((await adminRequest(admin, { case: 'kick', value: { sessionId: 999_999 } })).code).toBe(ErrorCode.UNKNOWN_USER);
    await expectOthersUndisturbed();
  });

  it('promoting a member to admin updates everyone and sends them the admin view', async () => {
    const key = generateKey();
    const promoted = await connect({ key, invite: makeInvite(admin.key, started.relay.publicKey) });
    const seen = member.next('userUpdated', (u) => u.user?.sessionId === promoted.sessionId && u.user.role === Role.ADMIN);
    expect((await adminRequest(admin, { case: 'setRole', value: { publicKey: rawPublicKeyOf(key), role: Role.ADMIN } })).code).toBe(ErrorCode.UNSPECIFIED);
    await seen;
    await promoted.next('adminState');
    // The new admin can now issue invites the relay accepts.
    const invite = makeInvite(key, started.relay.publicKey);
    const newcomer = await connect({ invite });
    expect(newcomer.authOk.role).toBe(Role.MEMBER);
    await Promise.all([newcomer.close(), promoted.close()]);
  });
});

describe('display name', () => {
  it('setDisplayName renames live: everyone gets userUpdated, and a bad name is refused without closing', async () => {
    const seen = admin.next('userUpdated', (u) => u.user?.sessionId === member.sessionId && u.user.displayName === 'Renamed');
    member.send({ case: 'setDisplayName', value: { displayName: '  Renamed ' } });
    await seen;
    await member.next('userUpdated', (u) => u.user?.sessionId === member.sessionId && u.user.displayName === 'Renamed');
    member.send({ case: 'setDisplayName', value: { displayName: 'a\u0000b' } });
    const err = await member.next('error', (e) => e.context === 'set_display_name');
    expect(err.code).toBe(ErrorCode.BAD_REQUEST);
    await expectOthersUndisturbed();
  });
});
