/**
 * Per-room permissions in a real relay with the default rules (no ACL on any
 * room, today's behaviour): every session is told its permissions, nobody is
 * suppressed, and the moderation points refuse members with
 * PERMISSION_DENIED naming the permission, the room and the deciding step
 * (the built-in defaults), changing nothing, while admins pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { has, PERMISSIONS } from '../../../perms/index.ts';
import { adminRequest, makeInvite } from '../../helpers/invites.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { ConnectOptions, TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

let started: StartedRelay;
let admin: TestClient;
let member: TestClient;
let other: TestClient;
let address = 1;
const nextAddress = (): string => `10.2.0.${address++}`;

function connect(options: Omit<ConnectOptions, 'name'> & { name?: string }): Promise<TestClient> {
  return connectClient(started.relay.wsUrl, { name: 'User', forwardedFor: nextAddress(), ...options });
}

async function undisturbed(): Promise<void> {
  await Promise.all([admin.ping(), member.ping(), other.ping()]);
}

beforeAll(async () => {
  started = await startRelay({ trustProxy: true, lockout: { maxFailures: 3 }, limits: { pingIntervalMs: 3_600_000 } });
  admin = await connect({ name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() });
  await admin.next('adminState');
  member = await connect({ name: 'Member', invite: makeInvite(admin.key, started.relay.publicKey) });
  other = await connect({ name: 'Other', invite: makeInvite(admin.key, started.relay.publicKey) });
});

afterAll(async () => {
  await Promise.all([admin?.close(), member?.close(), other?.close()]);
  await started?.cleanup();
});

describe('default rules', () => {
  it('tells each session its permissions in its room: members get the default set, admins every permission', async () => {
    const mine = await member.next('myPermissions');
    expect(mine.roomId).toBe(member.authOk.roomId);
    const names = PERMISSIONS.filter((p) => has(mine.permissions, p));
    expect(names).toEqual(['see', 'enter', 'speak', 'whisper', 'text', 'share-files']);
    const admins = await admin.next('myPermissions');
    expect(admins.permissions).toBe((1 << PERMISSIONS.length) - 1);
  });

  it('nobody is suppressed by default (User.suppressed is false in the roster)', () => {
    expect(other.roster.every((u) => u.suppressed === false)).toBe(true);
  });

  it('a member may not move another: PERMISSION_DENIED for move-others where the target is, by the defaults; the target stays', async () => {
    const result = await adminRequest(member, { case: 'moveUser', value: { sessionId: other.sessionId, roomId: 'quiet' } });
    expect(result.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(result.denial).toMatchObject({ permission: 'move-others', roomId: other.authOk.roomId, ruleId: '', roomPath: '/Lobby' });
    expect(result.denial?.why).toMatch(/^default/);
    await undisturbed();
    const seen = await adminRequest(admin, { case: 'moveUser', value: { sessionId: 999_999, roomId: 'quiet' } });
    expect(seen.code).toBe(ErrorCode.UNKNOWN_USER);
  });

  it('an admin moves another: everyone sees the target in the new room', async () => {
    const moved = other.next('userUpdated', (u) => u.user?.sessionId === other.sessionId && u.user.roomId === 'quiet');
    const seenByMember = member.next('userUpdated', (u) => u.user?.sessionId === other.sessionId && u.user.roomId === 'quiet');
    const result = await adminRequest(admin, { case: 'moveUser', value: { sessionId: other.sessionId, roomId: 'quiet' } });
    expect(result.code).toBe(ErrorCode.UNSPECIFIED);
    await Promise.all([moved, seenByMember]);
    const back = await adminRequest(admin, { case: 'moveUser', value: { sessionId: other.sessionId, roomId: 'no-such-room' } });
    expect(back.code).toBe(ErrorCode.UNKNOWN_ROOM);
  });

  it('kick, ban and invites are decided at the root: a member is refused with the root in the denial', async () => {
    const kick = await adminRequest(member, { case: 'kick', value: { sessionId: other.sessionId, reason: '' } });
    expect(kick.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(kick.denial).toMatchObject({ permission: 'kick', roomId: 'root', roomPath: '/' });
    const revoke = await adminRequest(member, { case: 'revokeInvite', value: { inviteId: new Uint8Array(16) } });
    expect(revoke.denial).toMatchObject({ permission: 'invite', roomId: 'root' });
    expect(other.socket.isOpen).toBe(true);
    await undisturbed();
  });

  it('setting roles stays with admins (FORBIDDEN, not a rule)', async () => {
    const r = await adminRequest(member, { case: 'setRole', value: { publicKey: new Uint8Array(32), role: 3 } });
    expect(r.code).toBe(ErrorCode.FORBIDDEN);
  });

  it('a member may not set a room password: PERMISSION_DENIED for edit-perms', async () => {
    member.send({ case: 'setRoomPassword', value: { requestId: 7, roomId: 'quiet', group: 'pw', password: 'secret' } });
    const r = await member.next('permsResult', (x) => x.requestId === 7);
    expect(r.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(r.denial).toMatchObject({ permission: 'edit-perms', roomId: 'quiet' });
    admin.send({ case: 'setRoomPassword', value: { requestId: 8, roomId: 'quiet', group: 'pw', password: 'secret' } });
    const a = await admin.next('permsResult', (x) => x.requestId === 8);
    // No password group "pw" on the room: nothing to protect.
    expect(a.code).toBe(ErrorCode.BAD_REQUEST);
  });
});
