/**
 * Signed room invites on a real relay: an admin (or anyone holding `invite`)
 * signs {room, token group, expiry, uses}; redeeming one admits the holder to
 * a room hidden from everyone else and moves them in, with no shared secret.
 * Expiry and the use count are enforced (the count survives a restart);
 * forged, foreign, unauthorised and garbage invites are refused
 * ROOM_INVITE_INVALID and counted by the address lock-out; nothing changes
 * for anyone else.
 */
import { randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bit, encodeGroup, encodeRule, setOf } from '../../../perms/index.ts';
import type { Rule } from '../../../perms/index.ts';
import { encodeRoomInvite, ErrorCode, roomInviteSigningBytes } from '../../../proto/index.ts';
import type { PermsResult, RoomInviteFields } from '../../../proto/index.ts';
import { makeInvite } from '../../helpers/invites.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { ConnectOptions, TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const PRIVATE = 'private';
const rule = (id: string, partial: Partial<Rule>): Rule => ({ id, label: id, who: { kind: 'everyone' }, where: 'anywhere', allow: 0, deny: 0, here: true, subs: true, ...partial });

let started: StartedRelay;
let admin: OpClient;
let address = 1;
let request = 1;

function roomInvite(issuer: KeyObject, fields: Partial<RoomInviteFields> = {}): Uint8Array {
  const f: RoomInviteFields = {
    relayPublicKey: started.relay.publicKey,
    id: new Uint8Array(randomBytes(16)),
    expiresAtMs: 0,
    maxUses: 0,
    issuerKey: rawPublicKeyOf(issuer),
    roomId: PRIVATE,
    group: 'invited',
    ...fields,
  };
  return encodeRoomInvite({ ...f, signature: new Uint8Array(sign(null, roomInviteSigningBytes(f), issuer)) });
}

async function connect(options: Partial<ConnectOptions> = {}): Promise<OpClient> {
  const c = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Holder', key: generateKey(), forwardedFor: `10.9.0.${address++}`, ...options }));
  await c.sync();
  return c;
}

async function redeem(c: TestClient, invite: Uint8Array): Promise<PermsResult> {
  const requestId = request++;
  c.send({ case: 'redeemRoomInvite', value: { requestId, invite } });
  return c.next('permsResult', (r) => r.requestId === requestId);
}

const inRoom = (c: TestClient, roomId: string) => c.next('userUpdated', (u) => u.user?.sessionId === c.sessionId && u.user.roomId === roomId);

describe('signed room invites', () => {
  beforeAll(async () => {
    started = await startRelay({ guests: 'allow', trustProxy: true, lockout: { maxFailures: 3 } });
    admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', key: generateKey(), invite: started.relay.bootstrapInvite! }));
    await admin.client.next('adminState');
    await admin.sync();
    const run = async (intent: Parameters<OpClient['run']>[0]): Promise<void> => expect((await admin.run(intent)).code).toBe(ErrorCode.UNSPECIFIED);
    await run({ kind: 'room.create', args: { roomId: PRIVATE, parentId: 'root', name: 'Private', index: 0, description: '', userLimit: 0 } });
    // Hidden from everyone but the token group "invited", which only invites fill (no password is set).
    await run({ kind: 'acl.group.put', args: { roomId: PRIVATE, group: encodeGroup({ name: 'invited', inherit: false, inheritable: false, add: [], remove: [], password: true }) } });
    await run({ kind: 'acl.rule.put', args: { roomId: PRIVATE, rule: encodeRule(rule('hideAll1', { deny: bit('see') | bit('enter') })) } });
    await run({ kind: 'acl.rule.put', args: { roomId: PRIVATE, rule: encodeRule(rule('invited1', { who: { kind: 'group', name: 'invited' }, allow: setOf('see', 'enter') })) } });
  });
  afterAll(async () => {
    await admin?.client.close();
    await started?.cleanup();
  });

  it('a good invite admits a guest to a room hidden from it and moves it in; its tree then shows the room; a second use by the same key costs nothing', async () => {
    const guest = await connect();
    expect(guest.rooms().has(PRIVATE)).toBe(false);
    guest.client.send({ case: 'joinRoom', value: { roomId: PRIVATE } });
    expect((await guest.client.next('error', (e) => e.context === 'join_room')).code).toBe(ErrorCode.UNKNOWN_ROOM);

    const invite = roomInvite(admin.client.key, { maxUses: 1 });
    const moved = inRoom(guest.client, PRIVATE);
    const ok = await redeem(guest.client, invite);
    expect([ok.code, ok.roomId]).toEqual([ErrorCode.UNSPECIFIED, PRIVATE]);
    await moved;
    await expect.poll(() => guest.rooms().get(PRIVATE)?.name).toBe('Private');
    // Again from the same key: still in, no use taken (the only use was its own).
    await guest.client.join('lobby');
    const again = inRoom(guest.client, PRIVATE);
    expect((await redeem(guest.client, invite)).code).toBe(ErrorCode.UNSPECIFIED);
    await again;
    // Another key finds it used up; the admin was never disturbed.
    const late = await connect();
    expect((await redeem(late.client, invite)).code).toBe(ErrorCode.ROOM_INVITE_USED_UP);
    expect(late.rooms().has(PRIVATE)).toBe(false);
    await admin.client.ping();
    for (const c of [guest, late]) await c.client.close();
  });

  it('two holders racing for the last use: one gets in; the same key twice at once takes one use', async () => {
    const invite = roomInvite(admin.client.key, { maxUses: 1 });
    const [a, b] = [await connect(), await connect()];
    const ids = [request++, request++];
    a.client.send({ case: 'redeemRoomInvite', value: { requestId: ids[0]!, invite } });
    b.client.send({ case: 'redeemRoomInvite', value: { requestId: ids[1]!, invite } });
    const codes = [(await a.client.next('permsResult', (r) => r.requestId === ids[0])).code, (await b.client.next('permsResult', (r) => r.requestId === ids[1])).code].sort();
    expect(codes).toEqual([ErrorCode.UNSPECIFIED, ErrorCode.ROOM_INVITE_USED_UP].sort());
    const twice = roomInvite(admin.client.key, { maxUses: 1 });
    const c = await connect();
    const again = [request++, request++];
    for (const requestId of again) c.client.send({ case: 'redeemRoomInvite', value: { requestId, invite: twice } });
    for (const requestId of again) expect((await c.client.next('permsResult', (r) => r.requestId === requestId)).code).toBe(ErrorCode.UNSPECIFIED);
    const other = await connect();
    expect((await redeem(other.client, twice)).code).toBe(ErrorCode.ROOM_INVITE_USED_UP);
    for (const x of [a, b, c, other]) await x.client.close();
  });

  it('the grant is for good: the key enters later without the invite', async () => {
    const key = generateKey();
    const first = await connect({ key });
    expect((await redeem(first.client, roomInvite(admin.client.key))).code).toBe(ErrorCode.UNSPECIFIED);
    await first.client.close();
    const later = await connect({ key });
    await expect.poll(() => later.rooms().has(PRIVATE)).toBe(true);
    await later.client.join(PRIVATE);
    await later.client.close();
  });

  it('an expired invite is refused ROOM_INVITE_EXPIRED and admits nothing', async () => {
    const c = await connect();
    const r = await redeem(c.client, roomInvite(admin.client.key, { expiresAtMs: Date.now() - 1_000 }));
    expect(r.code).toBe(ErrorCode.ROOM_INVITE_EXPIRED);
    c.client.send({ case: 'joinRoom', value: { roomId: PRIVATE } });
    expect((await c.client.next('error', (e) => e.context === 'join_room')).code).toBe(ErrorCode.UNKNOWN_ROOM);
    await c.client.close();
  });

  it('forged, foreign, unauthorised, pointing at no token group, and garbage invites are ROOM_INVITE_INVALID; repeated ones lock the address out', async () => {
    const c = await connect();
    const good = roomInvite(admin.client.key);
    const forged = good.slice();
    forged[forged.byteLength - 1] ^= 1;
    const guestKey = generateKey();
    const byGuest = roomInvite(guestKey);
    const foreign = roomInvite(admin.client.key, { relayPublicKey: new Uint8Array(32).fill(7) });
    const noGroup = roomInvite(admin.client.key, { group: 'nosuchgroup' });
    const noRoom = roomInvite(admin.client.key, { roomId: 'nosuchroom' });
    const codes: number[] = [];
    for (const bad of [forged, byGuest, foreign, noGroup, noRoom, new Uint8Array(randomBytes(120)), new Uint8Array(0)]) {
      // A fresh address for each, so this checks the code, not the lock-out.
      const probe = await connect();
      codes.push((await redeem(probe.client, bad)).code);
      await probe.client.close();
    }
    expect(codes).toEqual(codes.map(() => ErrorCode.ROOM_INVITE_INVALID));
    // Three bad ones from one address (this relay's policy): then even a good one is LOCKED_OUT.
    for (let i = 0; i < 3; i++) expect((await redeem(c.client, forged)).code).toBe(ErrorCode.ROOM_INVITE_INVALID);
    expect((await redeem(c.client, good)).code).toBe(ErrorCode.LOCKED_OUT);
    await c.client.close();
  });

  it('a member given `invite` at the root may invite; once the rule goes, its invites stop working', async () => {
    const memberKey = generateKey();
    const member = await connect({ key: memberKey, invite: makeInvite(admin.client.key, started.relay.publicKey) });
    expect((await redeem((await connect()).client, roomInvite(memberKey))).code).toBe(ErrorCode.ROOM_INVITE_INVALID);
    const memberHex = Buffer.from(rawPublicKeyOf(memberKey)).toString('hex');
    expect((await admin.run({ kind: 'acl.rule.put', args: { roomId: 'root', rule: encodeRule(rule('mayInv01', { who: { kind: 'key', keyHex: memberHex }, allow: setOf('invite') })) } })).code).toBe(0);
    // `invite` alone is not enough: the issuer must see the room it invites to.
    expect((await redeem((await connect()).client, roomInvite(memberKey))).code).toBe(ErrorCode.ROOM_INVITE_INVALID);
    expect((await admin.run({ kind: 'acl.rule.put', args: { roomId: PRIVATE, rule: encodeRule(rule('memSee01', { who: { kind: 'key', keyHex: memberHex }, allow: setOf('see') })) } })).code).toBe(0);
    const invite = roomInvite(memberKey);
    const holder = await connect();
    const moved = inRoom(holder.client, PRIVATE);
    expect(await redeem(holder.client, invite)).toMatchObject({ code: ErrorCode.UNSPECIFIED, message: '' });
    await moved;
    expect((await admin.run({ kind: 'acl.rule.delete', args: { roomId: 'root', ruleId: 'mayInv01' } })).code).toBe(0);
    expect((await redeem((await connect()).client, invite)).code).toBe(ErrorCode.ROOM_INVITE_INVALID);
    await member.client.close();
  });

  it('uses are counted durably: after a restart a used-up invite stays used up', async () => {
    const invite = roomInvite(admin.client.key, { maxUses: 1 });
    const first = await connect();
    expect((await redeem(first.client, invite)).code).toBe(ErrorCode.UNSPECIFIED);
    await first.client.close();
    await admin.client.close();
    await started.stop();
    started = { ...(await startRelay({ dataDir: started.dataDir, guests: 'allow', trustProxy: true })), dataDir: started.dataDir };
    const adminKey = admin.client.key;
    admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', key: adminKey }));
    const second = await connect();
    expect((await redeem(second.client, invite)).code).toBe(ErrorCode.ROOM_INVITE_USED_UP);
    await second.client.close();
  });
});
