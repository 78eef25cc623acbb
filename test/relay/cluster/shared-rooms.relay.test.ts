/**
 * Room passwords, token-group grants and room invite uses across three real
 * relays on one real nats-server (decision D134): set on one relay, they
 * admit on the others; the writer judges each change once, so forged and
 * unauthorised requests are refused alike everywhere; the state log carries
 * only the scrypt hash; a relay restarted on its store has the changes made
 * while it was down. Every wait is for an event a client receives or a
 * relay emits (subscribed before it is caused).
 */
import { randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bit, encodeGroup, encodeRule, setOf } from '../../../perms/index.ts';
import type { Rule } from '../../../perms/index.ts';
import { ROOT_ID } from '../../../crdt/index.ts';
import { encodeRoomInvite, ErrorCode, roomInviteSigningBytes } from '../../../proto/index.ts';
import type { PermsResult, RoomInviteFields } from '../../../proto/index.ts';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { clusterNames } from '../../../relay/cluster/index.ts';
import { stateNames } from '../../../relay/cluster/state-log.ts';
import { decodeStateAnswer, decodeStateReply, encodeStateRequest } from '../../../relay/cluster/state-codec.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { OpClient } from '../../helpers/ops.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { ConnectOptions, TestClient } from '../../helpers/relay-client.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const PW_ROOM = 'pwroom';
const PRIVATE = 'private';
const rule = (id: string, partial: Partial<Rule>): Rule => ({ id, label: id, who: { kind: 'everyone' }, where: 'anywhere', allow: 0, deny: 0, here: true, subs: true, ...partial });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe.runIf(hasNatsServer)('three relays share room passwords, their grants and room invite uses', () => {
  let cluster: RelayCluster;
  const clients: TestClient[] = [];
  const admins: OpClient[] = [];
  const adminKey = generateKey();
  let address = 1;
  let request = 1;

  async function connect(r: StartedRelay, options: Partial<ConnectOptions> = {}): Promise<TestClient> {
    const c = await connectClient(r.relay.wsUrl, { name: 'User', forwardedFor: `10.7.0.${address++}`, ...options });
    clients.push(c);
    return c;
  }
  async function perms(c: TestClient, value: { case: 'setRoomPassword'; value: { roomId: string; group: string; password: string } } | { case: 'redeemRoomInvite'; value: { invite: Uint8Array } }): Promise<PermsResult> {
    const requestId = request++;
    c.send({ case: value.case, value: { ...value.value, requestId } } as never);
    return c.next('permsResult', (r) => r.requestId === requestId, 20_000);
  }
  /** The next answer to a JoinRoom with `password`: the code of an error, or 0 once `c` is in the room. */
  async function join(c: TestClient, roomId: string, password: string): Promise<number> {
    // One wait for either answer: a second, left-over wait would take a later answer meant for the next join.
    const answer = c.socket.nextMatching(
      (m) => (m.case === 'userUpdated' && m.value.user?.sessionId === c.sessionId && m.value.user.roomId === roomId) || (m.case === 'error' && m.value.context === 'join_room'),
      20_000,
      'join answer',
    );
    c.send({ case: 'joinRoom', value: { roomId, password } });
    const m = await answer;
    return m.case === 'error' ? m.value.code : 0;
  }
  function roomInvite(issuer: KeyObject, fields: Partial<RoomInviteFields> = {}): Uint8Array {
    const f: RoomInviteFields = {
      relayPublicKey: cluster.relays[0]!.relay.publicKey,
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
  /** Resolves once every relay in `relays` has applied a password change (any group). */
  const passwordApplied = (relays: readonly StartedRelay[]): Promise<unknown> => Promise.all(relays.map((r) => waitForEvent(r.relay, 'grants-changed', (e) => e.keyHex === null, 20_000)));

  beforeAll(async () => {
    cluster = await startRelayCluster(3, { relay: { trustProxy: true, lockout: { maxFailures: 3 } } });
    await cluster.writer();
    for (const r of cluster.relays) {
      const a = new OpClient(await connect(r, { name: 'Admin', key: adminKey, invite: r.relay.bootstrapInvite! }));
      a.seq = 1_000 * (admins.length + 1);
      admins.push(a);
    }
    const admin = admins[0]!;
    await admin.sync();
    const run = async (intent: Parameters<OpClient['run']>[0]): Promise<void> => expect((await admin.run(intent)).code).toBe(ErrorCode.UNSPECIFIED);
    for (const id of [PW_ROOM, PRIVATE]) await run({ kind: 'room.create', args: { roomId: id, parentId: ROOT_ID, name: id, index: 0, description: '', userLimit: 0 } });
    // pwroom: only the password group "pw" may enter.
    await run({ kind: 'acl.group.put', args: { roomId: PW_ROOM, group: encodeGroup({ name: 'pw', inherit: false, inheritable: false, add: [], remove: [], password: true }) } });
    await run({ kind: 'acl.rule.put', args: { roomId: PW_ROOM, rule: encodeRule(rule('noEnter1', { deny: bit('enter') })) } });
    await run({ kind: 'acl.rule.put', args: { roomId: PW_ROOM, rule: encodeRule(rule('pwEnter1', { who: { kind: 'group', name: 'pw' }, allow: setOf('enter') })) } });
    // private: hidden from all but the token group "invited", which only room invites fill.
    await run({ kind: 'acl.group.put', args: { roomId: PRIVATE, group: encodeGroup({ name: 'invited', inherit: false, inheritable: false, add: [], remove: [], password: true }) } });
    await run({ kind: 'acl.rule.put', args: { roomId: PRIVATE, rule: encodeRule(rule('hideAll1', { deny: bit('see') | bit('enter') })) } });
    await run({ kind: 'acl.rule.put', args: { roomId: PRIVATE, rule: encodeRule(rule('invited1', { who: { kind: 'group', name: 'invited' }, allow: setOf('see', 'enter') })) } });
    // Every relay holds the rooms and groups before the tests use them: the log is in order, so once a last room is applied, all are.
    const ready = cluster.relays.slice(1).map((r) => waitForEvent(r.relay, 'tree-changed', (e) => e.rooms.includes('ready'), 20_000));
    await run({ kind: 'room.create', args: { roomId: 'ready', parentId: ROOT_ID, name: 'ready', index: 0, description: '', userLimit: 0 } });
    await Promise.all(ready);
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await cluster?.close();
  });

  it('a password set on relay 1 admits on relay 3; the grant holds for the key on relay 2 without the password; the log holds only the hash', async () => {
    const [r1, r2, r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const applied = passwordApplied([r2, r3]);
    expect((await perms(admins[0]!.client, { case: 'setRoomPassword', value: { roomId: PW_ROOM, group: 'pw', password: 'swordfish' } })).code).toBe(ErrorCode.UNSPECIFIED);
    await applied;
    const key = generateKey();
    const on3 = await connect(r3, { key });
    const on2 = await connect(r2, { key });
    expect(await join(on2, PW_ROOM, '')).toBe(ErrorCode.PERMISSION_DENIED);
    const granted = waitForEvent(r2.relay, 'grants-changed', (e) => e.keyHex === hex(rawPublicKeyOf(key)), 20_000);
    expect(await join(on3, PW_ROOM, 'swordfish')).toBe(0);
    await granted;
    expect(await join(on2, PW_ROOM, '')).toBe(0);
    // Also on relay 1, the writer, which judged the grant.
    expect(await join(await connect(r1, { key }), PW_ROOM, '')).toBe(0);
    // Only the scrypt hash is in the log: no entry holds the password.
    const nc = await natsConnect({ servers: cluster.nats.url });
    try {
      const names = stateNames(clusterNames(cluster.name));
      const consumer = await jetstream(nc).consumers.get(names.stream);
      const messages = await consumer.fetch({ max_messages: 10_000, expires: 2_000 });
      let tokenEntries = 0;
      for await (const m of messages) {
        const text = new TextDecoder().decode(m.data);
        expect(text).not.toContain('swordfish');
        if (text.includes('"k":"token"')) tokenEntries++;
        if (m.info.pending === 0) break;
      }
      expect(tokenEntries).toBeGreaterThanOrEqual(2);
    } finally {
      await nc.close();
    }
  });

  it('a wrong password is refused alike on every relay and counted by the lock-out of the relay it was tried on', async () => {
    const [r1, , r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const address3 = `10.8.0.${address++}`;
    const c3 = await connect(r3, { forwardedFor: address3 });
    const codes: number[] = [];
    for (const r of cluster.relays) codes.push(await join(await connect(r), PW_ROOM, 'wrong'));
    expect(codes).toEqual([ErrorCode.PASSWORD_WRONG, ErrorCode.PASSWORD_WRONG, ErrorCode.PASSWORD_WRONG]);
    // Three misses from one address on relay 3 lock it out there (maxFailures 3) …
    for (let i = 0; i < 3; i++) expect(await join(c3, PW_ROOM, `wrong${i}`)).toBe(ErrorCode.PASSWORD_WRONG);
    expect(await join(c3, PW_ROOM, 'swordfish')).toBe(ErrorCode.LOCKED_OUT);
    // … and not on relay 1 (each relay counts the addresses it serves: decision D134).
    expect(await join(await connect(r1, { forwardedFor: address3 }), PW_ROOM, 'swordfish')).toBe(0);
  });

  it('setting a password is judged by the writer: a guest is refused with the same code and deciding rule on every relay; a bad group alike', async () => {
    const answers: Array<{ code: number; rule: string }> = [];
    const bad: number[] = [];
    for (const r of cluster.relays) {
      const guest = await connect(r);
      const a = await perms(guest, { case: 'setRoomPassword', value: { roomId: PW_ROOM, group: 'pw', password: 'mine' } });
      answers.push({ code: a.code, rule: a.denial?.ruleId ?? '' });
      bad.push((await perms(admins[cluster.relays.indexOf(r)]!.client, { case: 'setRoomPassword', value: { roomId: PW_ROOM, group: 'nosuch', password: 'x' } })).code);
    }
    expect(answers[0]!.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(answers.every((a) => a.code === answers[0]!.code && a.rule === answers[0]!.rule)).toBe(true);
    expect(bad).toEqual([ErrorCode.BAD_REQUEST, ErrorCode.BAD_REQUEST, ErrorCode.BAD_REQUEST]);
    // Nothing changed: the password still admits.
    expect(await join(await connect(cluster.relays[1]!), PW_ROOM, 'swordfish')).toBe(0);
  });

  it('a room invite with one use, redeemed on relay 1, is used up on relay 3; the holder redeems it again on relay 2 at no cost; forged invites are refused alike', async () => {
    const [r1, r2, r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const invite = roomInvite(adminKey, { maxUses: 1 });
    const key = generateKey();
    const holder = await connect(r1, { key });
    const r = await perms(holder, { case: 'redeemRoomInvite', value: { invite } });
    expect(r).toMatchObject({ code: ErrorCode.UNSPECIFIED, roomId: PRIVATE });
    expect((await perms(await connect(r3), { case: 'redeemRoomInvite', value: { invite } })).code).toBe(ErrorCode.ROOM_INVITE_USED_UP);
    expect((await perms(await connect(r2, { key }), { case: 'redeemRoomInvite', value: { invite } })).code).toBe(ErrorCode.UNSPECIFIED);
    const guestKey = generateKey();
    const forged = [roomInvite(guestKey), roomInvite(adminKey, { group: 'nosuchgroup' }), new Uint8Array([1, 2, 3])];
    for (const bytes of forged) {
      const codes: number[] = [];
      for (const relay of cluster.relays) codes.push((await perms(await connect(relay, { key: guestKey }), { case: 'redeemRoomInvite', value: { invite: bytes } })).code);
      expect(codes).toEqual([ErrorCode.ROOM_INVITE_INVALID, ErrorCode.ROOM_INVITE_INVALID, ErrorCode.ROOM_INVITE_INVALID]);
    }
  });

  it('a grant sent straight to the writer naming a hash that is not the group\'s is refused PASSWORD_WRONG and grants nothing', async () => {
    const key = generateKey();
    const nc = await natsConnect({ servers: cluster.nats.url });
    try {
      const request = encodeStateRequest({ kind: 'room-grant', member: { sessionId: 1, publicKey: rawPublicKeyOf(key), displayName: 'Forger', roomId: ROOT_ID }, groupKey: `${PW_ROOM}/pw`, salt: '00'.repeat(16) });
      const reply = decodeStateReply((await nc.request(stateNames(clusterNames(cluster.name)).submit, request, { timeout: 10_000 })).data);
      expect(reply.ok && reply.value !== null).toBe(true);
      const answer = decodeStateAnswer(reply.ok && reply.value ? reply.value.reply : new Uint8Array());
      expect(answer.ok && answer.value.code).toBe(ErrorCode.PASSWORD_WRONG);
    } finally {
      await nc.close();
    }
    for (const r of cluster.relays) expect(await join(await connect(r, { key }), PW_ROOM, '')).toBe(ErrorCode.PERMISSION_DENIED);
  });

  it('a relay restarted on its store has the password changed while it was down: the new one admits there, the old one does not', async () => {
    const writer = await cluster.writer();
    const down = cluster.relays.find((r) => r !== writer && r.relay.cluster)!;
    await down.stop();
    const admin = admins[cluster.relays.indexOf(writer)]!;
    expect((await perms(admin.client, { case: 'setRoomPassword', value: { roomId: PW_ROOM, group: 'pw', password: 'marlin' } })).code).toBe(ErrorCode.UNSPECIFIED);
    const back = await cluster.add(`${down.relay.cluster!.relayId}b`, { dataDir: down.dataDir });
    expect(await join(await connect(back), PW_ROOM, 'swordfish')).toBe(ErrorCode.PASSWORD_WRONG);
    expect(await join(await connect(back), PW_ROOM, 'marlin')).toBe(0);
  });
});
