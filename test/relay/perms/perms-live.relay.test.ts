/**
 * Per-room permissions enforced live by a real relay: rules are real signed
 * ACL ops from an admin; the people affected are real signed-in members.
 * Every refusal names the permission, the room and the deciding rule, changes
 * nothing and leaves the others served; a rule change re-evaluates people
 * already in the room (moved out when `enter` goes, suppressed when `speak`
 * goes, everyone told), and a role change does too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGroup, encodeRule, has, setOf } from '../../../perms/index.ts';
import type { GroupDef, Rule } from '../../../perms/index.ts';
import { ErrorCode, Role } from '../../../proto/index.ts';
import { chat, room } from '../../helpers/chat.ts';
import { adminRequest, makeInvite } from '../../helpers/invites.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { ConnectOptions, TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

let started: StartedRelay;
let admin: TestClient;
let ops: OpClient;
let member: TestClient;
let other: TestClient;
let address = 1;
const nextAddress = (): string => `10.3.0.${address++}`;

function connect(options: Omit<ConnectOptions, 'name'> & { name?: string }): Promise<TestClient> {
  return connectClient(started.relay.wsUrl, { name: 'User', forwardedFor: nextAddress(), ...options });
}

function rule(id: string, partial: Partial<Rule>): Rule {
  return { id, label: id, who: { kind: 'members' }, where: 'anywhere', allow: 0, deny: 0, here: true, subs: true, ...partial };
}

async function putRule(roomId: string, r: Rule): Promise<void> {
  const result = await ops.run({ kind: 'acl.rule.put', args: { roomId, rule: encodeRule(r) } });
  expect(result.code).toBe(ErrorCode.UNSPECIFIED);
}

async function deleteRule(roomId: string, ruleId: string): Promise<void> {
  const result = await ops.run({ kind: 'acl.rule.delete', args: { roomId, ruleId } });
  expect(result.code).toBe(ErrorCode.UNSPECIFIED);
}

async function putGroup(roomId: string, g: GroupDef): Promise<void> {
  const result = await ops.run({ kind: 'acl.group.put', args: { roomId, group: encodeGroup(g) } });
  expect(result.code).toBe(ErrorCode.UNSPECIFIED);
}

async function undisturbed(): Promise<void> {
  await Promise.all([admin.ping(), member.ping(), other.ping()]);
}

/** The user as `watcher` last saw it in a userUpdated matching `pred`. */
function seen(watcher: TestClient, who: TestClient, pred: (u: { roomId: string; suppressed: boolean }) => boolean) {
  return watcher.next('userUpdated', (u) => u.user?.sessionId === who.sessionId && pred(u.user));
}

beforeAll(async () => {
  started = await startRelay({ trustProxy: true, lockout: { maxFailures: 3 }, limits: { pingIntervalMs: 3_600_000 } });
  admin = await connect({ name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() });
  await admin.next('adminState');
  ops = new OpClient(admin);
  member = await connect({ name: 'Member', invite: makeInvite(admin.key, started.relay.publicKey) });
  other = await connect({ name: 'Other', invite: makeInvite(admin.key, started.relay.publicKey) });
});

afterAll(async () => {
  await Promise.all([admin?.close(), member?.close(), other?.close()]);
  await started?.cleanup();
});

describe('entering', () => {
  it('JoinRoom into a room whose rule denies enter: PERMISSION_DENIED with the rule; the member stays, others served', async () => {
    await putRule('quiet', rule('noEnterM', { label: 'members: keep out', deny: setOf('enter') }));
    member.send({ case: 'joinRoom', value: { roomId: 'quiet' } });
    const err = await member.next('error', (e) => e.context === 'join_room');
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.denial).toMatchObject({ permission: 'enter', roomId: 'quiet', ruleId: 'noEnterM', ruleRoomId: 'quiet', ruleLabel: 'members: keep out', roomPath: '/Quiet room' });
    await undisturbed();
    expect(started.relay.stats().frames['permission-denied']).toBeGreaterThanOrEqual(1);
    // The admin still enters (admins hold everything).
    await admin.join('quiet');
    await admin.join('lobby');
    await deleteRule('quiet', 'noEnterM');
  });

  it('a room one may not see answers UNKNOWN_ROOM, as if it did not exist', async () => {
    await putRule('quiet', rule('noSeeMem', { deny: setOf('see') }));
    member.send({ case: 'joinRoom', value: { roomId: 'quiet' } });
    const err = await member.next('error', (e) => e.context === 'join_room');
    expect(err.code).toBe(ErrorCode.UNKNOWN_ROOM);
    expect(err.denial).toBeUndefined();
    await deleteRule('quiet', 'noSeeMem');
  });

  it('a rule taking enter from people already in the room moves them to the nearest ancestor they may enter; everyone sees it', async () => {
    await member.join('quiet');
    const movedSeenByOther = seen(other, member, (u) => u.roomId === 'root');
    const told = member.next('myPermissions', (p) => p.roomId === 'root');
    await putRule('quiet', rule('evictMem', { deny: setOf('enter') }));
    await Promise.all([movedSeenByOther, told]);
    await undisturbed();
    await deleteRule('quiet', 'evictMem');
    await member.join('lobby');
  });
});

describe('speaking', () => {
  it('a rule taking speak suppresses people already in the room (everyone sees suppressed); removing it lifts it', async () => {
    const on = seen(other, member, (u) => u.suppressed);
    const mine = member.next('myPermissions', (p) => p.roomId === 'lobby' && !has(p.permissions, 'speak'));
    await putRule('lobby', rule('muteMem1', { label: 'members listen', deny: setOf('speak') }));
    await Promise.all([on, mine]);
    // Self-mute is separate from suppression.
    expect((await on).user?.muted).toBe(false);
    const off = seen(other, member, (u) => !u.suppressed);
    await deleteRule('lobby', 'muteMem1');
    await off;
  });

  it('a role change re-evaluates: a suppressed member promoted to admin may speak', async () => {
    const key = generateKey();
    const promoted = await connect({ name: 'Promoted', key, invite: makeInvite(admin.key, started.relay.publicKey) });
    try {
      const on = seen(other, promoted, (u) => u.suppressed);
      await putRule('lobby', rule('muteMem2', { deny: setOf('speak') }));
      await on;
      const off = seen(other, promoted, (u) => !u.suppressed);
      const r = await adminRequest(admin, { case: 'setRole', value: { publicKey: rawPublicKeyOf(key), role: Role.ADMIN } });
      expect(r.code).toBe(ErrorCode.UNSPECIFIED);
      await off;
      await deleteRule('lobby', 'muteMem2');
    } finally {
      await promoted.close();
    }
  });
});

describe('room chat', () => {
  it('posting where text is denied: CHAT_FORBIDDEN with the deciding rule; nothing stored', async () => {
    await putRule('lobby', rule('noTextMe', { deny: setOf('text') }));
    const { ack } = await chat(member, { target: room('lobby'), text: 'should not land' });
    expect(ack.code).toBe(ErrorCode.CHAT_FORBIDDEN);
    expect(ack.denial).toMatchObject({ permission: 'text', roomId: 'lobby', ruleId: 'noTextMe' });
    const { ack: fromAdmin } = await chat(admin, { target: room('lobby'), text: 'admins may' });
    expect(fromAdmin.code).toBe(ErrorCode.UNSPECIFIED);
    await deleteRule('lobby', 'noTextMe');
    const { ack: again } = await chat(member, { target: room('lobby'), text: 'now it lands' });
    expect(again.code).toBe(ErrorCode.UNSPECIFIED);
  });
});

describe('moderation', () => {
  it('a rule granting move-others lets a member move someone; without it the refusal names the rule', async () => {
    await putRule('root', rule('moverDen', { who: { kind: 'key', keyHex: Buffer.from(rawPublicKeyOf(member.key)).toString('hex') }, deny: setOf('move-others') }));
    const refused = await adminRequest(member, { case: 'moveUser', value: { sessionId: other.sessionId, roomId: 'quiet' } });
    expect(refused.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(refused.denial).toMatchObject({ permission: 'move-others', roomId: 'lobby', ruleId: 'moverDen', ruleRoomId: 'root' });
    await deleteRule('root', 'moverDen');
    await putRule('root', rule('moverAll', { allow: setOf('move-others') }));
    const moved = seen(admin, other, (u) => u.roomId === 'quiet');
    const ok = await adminRequest(member, { case: 'moveUser', value: { sessionId: other.sessionId, roomId: 'quiet' } });
    expect(ok.code).toBe(ErrorCode.UNSPECIFIED);
    await moved;
    await deleteRule('root', 'moverAll');
    await other.join('lobby');
  });

  it('a rule granting kick at the root lets a member kick', async () => {
    const victim = await connect({ name: 'Victim', invite: makeInvite(admin.key, started.relay.publicKey) });
    await putRule('root', rule('kickers1', { allow: setOf('kick') }));
    const ok = await adminRequest(member, { case: 'kick', value: { sessionId: victim.sessionId, reason: 'test' } });
    expect(ok.code).toBe(ErrorCode.UNSPECIFIED);
    const err = await victim.next('error');
    expect(err.code).toBe(ErrorCode.KICKED);
    await deleteRule('root', 'kickers1');
    await undisturbed();
  });
});

describe('room passwords', () => {
  it('wrong password: PASSWORD_WRONG; right: enters and is remembered for the key; lock-out after repeated failures', async () => {
    await putGroup('quiet', { name: 'pw', inherit: false, inheritable: false, add: [], remove: [], password: true });
    await putRule('quiet', rule('pwLock01', { who: { kind: 'everyone' }, deny: setOf('enter'), subs: false }));
    await putRule('quiet', rule('pwOpen01', { who: { kind: 'group', name: 'pw' }, allow: setOf('enter'), subs: false }));
    admin.send({ case: 'setRoomPassword', value: { requestId: 1, roomId: 'quiet', group: 'pw', password: 'hunter2' } });
    expect((await admin.next('permsResult', (r) => r.requestId === 1)).code).toBe(ErrorCode.UNSPECIFIED);

    const key = generateKey();
    const guest = await connect({ name: 'Pw', key, invite: makeInvite(admin.key, started.relay.publicKey) });
    guest.send({ case: 'joinRoom', value: { roomId: 'quiet' } });
    const plain = await guest.next('error', (e) => e.context === 'join_room');
    expect(plain.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(plain.denial).toMatchObject({ permission: 'enter', ruleId: 'pwLock01' });

    guest.send({ case: 'joinRoom', value: { roomId: 'quiet', password: 'wrong' } });
    expect((await guest.next('error', (e) => e.context === 'join_room')).code).toBe(ErrorCode.PASSWORD_WRONG);
    guest.send({ case: 'joinRoom', value: { roomId: 'quiet', password: 'hunter2' } });
    await guest.next('userUpdated', (u) => u.user?.sessionId === guest.sessionId && u.user.roomId === 'quiet');
    await guest.close();

    // Remembered for the key: a new session enters without the password.
    const again = await connect({ name: 'Pw', key });
    await again.join('lobby');
    await again.join('quiet');
    await again.close();

    // Three wrong passwords from one address (the policy here) lock it out, like sign-ins.
    const addr = nextAddress();
    const bad = await connectClient(started.relay.wsUrl, { name: 'Bad', forwardedFor: addr, invite: makeInvite(admin.key, started.relay.publicKey) });
    for (let i = 0; i < 3; i++) {
      bad.send({ case: 'joinRoom', value: { roomId: 'quiet', password: `guess${i}` } });
      expect((await bad.next('error', (e) => e.context === 'join_room')).code).toBe(ErrorCode.PASSWORD_WRONG);
    }
    bad.send({ case: 'joinRoom', value: { roomId: 'quiet', password: 'hunter2' } });
    const locked = await bad.next('error', (e) => e.context === 'join_room');
    expect(locked.code).toBe(ErrorCode.LOCKED_OUT);
    expect(Number(locked.untilMs)).toBeGreaterThan(Date.now());
    await bad.close();
    await undisturbed();
  });

  it('the relay keeps only a hash: the password is in no replicated document', async () => {
    await ops.sync();
    const text = JSON.stringify([...ops.rooms().values()]);
    expect(text).not.toContain('hunter2');
    expect(text).toContain('"password":true');
  });
});
