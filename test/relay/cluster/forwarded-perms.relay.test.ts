/**
 * Per-room permissions through a cluster: two real relays on a real
 * nats-server. Ops a client submits to the relay that is not the writer are
 * forwarded, and the writer judges them against its own tree with the
 * SUBMITTER's identity (its role, and, as the relay holding the session
 * knows them, the room it is in and the password groups that relay admitted it to),
 * never with the forwarding relay's: a guest's forwarded op gets no more than
 * the guest may do, and a room hidden from the submitter is answered exactly
 * like a room that does not exist, as it is on a single relay. (Before this
 * test, followers did not pick up ACL changes from the log at all, forwarded
 * refusals lost their denial, and forwarded ops were judged without the
 * submitter's hidden rooms, room or password groups.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_ID } from '../../../crdt/index.ts';
import { bit, encodeGroup, encodeRule, setOf } from '../../../perms/index.ts';
import type { Rule } from '../../../perms/index.ts';
import { ErrorCode, Role } from '../../../proto/index.ts';
import { makeInvite } from '../../helpers/invites.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { OpClient } from '../../helpers/ops.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const rule = (id: string, partial: Partial<Rule>): Rule => ({ id, label: id, who: { kind: 'everyone' }, where: 'anywhere', allow: 0, deny: 0, here: true, subs: false, ...partial });
const create = (roomId: string, parentId: string) => ({ kind: 'room.create' as const, args: { roomId, name: roomId, parentId, index: 0, description: '', userLimit: 0 } });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe.runIf(hasNatsServer)('forwarded ops are judged by the writer with the submitter\'s permissions', () => {
  let cluster: RelayCluster;
  let writer: StartedRelay;
  let follower: StartedRelay;
  let adminW: OpClient;
  let adminF: OpClient;
  const clients: OpClient[] = [];
  const adminKey = generateKey();
  const keyed = generateKey();

  const onFollower = async (name: string, options: { key?: ReturnType<typeof generateKey>; invite?: Uint8Array } = {}): Promise<OpClient> => {
    const c = new OpClient(await connectClient(follower.relay.wsUrl, { name, key: options.key ?? generateKey(), ...(options.invite ? { invite: options.invite } : {}) }));
    clients.push(c);
    await c.sync();
    return c;
  };
  const acl = async (intent: Parameters<OpClient['run']>[0]): Promise<void> => {
    expect((await adminW.run(intent)).code).toBe(ErrorCode.UNSPECIFIED);
  };

  beforeAll(async () => {
    cluster = await startRelayCluster(2);
    writer = await cluster.writer();
    follower = cluster.relays.find((r) => r !== writer)!;
    adminW = new OpClient(await connectClient(writer.relay.wsUrl, { name: 'Admin', key: adminKey, invite: writer.relay.bootstrapInvite! }));
    clients.push(adminW);
    await adminW.sync();
    // The same admin key signed in on the follower too (its bootstrap invite, if roles have not reached it yet).
    adminF = new OpClient(await connectClient(follower.relay.wsUrl, { name: 'Admin F', key: adminKey, invite: follower.relay.bootstrapInvite! }));
    clients.push(adminF);
    adminF.seq = 1_000;
    for (const id of ['stage', 'vault', 'pwroom', 'members']) await acl(create(id, ROOT_ID));
    // stage: one key may make rooms in it; everyone in it may, while in it.
    await acl({ kind: 'acl.rule.put', args: { roomId: 'stage', rule: encodeRule(rule('keyMake1', { who: { kind: 'key', keyHex: hex(rawPublicKeyOf(keyed)) }, allow: setOf('make-room') })) } });
    await acl({ kind: 'acl.rule.put', args: { roomId: 'stage', rule: encodeRule(rule('inRoom01', { where: 'in-room', allow: setOf('make-room') })) } });
    // vault: hidden from guests.
    await acl({ kind: 'acl.rule.put', args: { roomId: 'vault', rule: encodeRule(rule('noGuest1', { who: { kind: 'guests' }, deny: bit('see'), subs: true })) } });
    // pwroom: whoever holds its password may make rooms in it.
    await acl({ kind: 'acl.group.put', args: { roomId: 'pwroom', group: encodeGroup({ name: 'pw', inherit: false, inheritable: false, add: [], remove: [], password: true }) } });
    await acl({ kind: 'acl.rule.put', args: { roomId: 'pwroom', rule: encodeRule(rule('pwMake01', { who: { kind: 'group', name: 'pw' }, allow: setOf('make-room') })) } });
    // members: members may make rooms in it.
    await acl({ kind: 'acl.rule.put', args: { roomId: 'members', rule: encodeRule(rule('memMake1', { who: { kind: 'members' }, allow: setOf('make-room') })) } });
  });
  afterAll(async () => {
    for (const c of clients) await c.client.close();
    await cluster?.close();
  });

  it('a guest on the follower gets exactly what its key is granted: the keyed guest makes a room, another is refused naming the deciding rule', async () => {
    expect(follower.relay.cluster?.role).toBe('follower');
    const granted = await onFollower('Keyed', { key: keyed });
    const plain = await onFollower('Plain');
    await expect.poll(() => plain.rooms().has('stage'), { timeout: 10_000 }).toBe(true);
    expect((await granted.run(create('by-keyed', 'stage'))).code).toBe(ErrorCode.UNSPECIFIED);
    const refused = await plain.run(create('by-plain', 'stage'));
    expect(refused.code).toBe(ErrorCode.OP_FORBIDDEN);
    expect(refused.denial).toMatchObject({ permission: 'make-room', roomId: 'stage' });
    await expect.poll(() => plain.rooms().has('by-keyed'), { timeout: 10_000 }).toBe(true);
    expect(plain.rooms().has('by-plain')).toBe(false);
  });

  it('a member made by an invite presented on the follower is judged as a member by the writer', async () => {
    const member = await onFollower('Member', { invite: makeInvite(adminKey, follower.relay.publicKey) });
    expect(member.client.authOk.role).toBe(Role.MEMBER);
    expect((await member.run(create('by-member', 'members'))).code).toBe(ErrorCode.UNSPECIFIED);
    const guest = await onFollower('Guest');
    expect((await guest.run(create('by-guest', 'members'))).code).toBe(ErrorCode.OP_FORBIDDEN);
  });

  it('"in this room" rules see the room the submitter is in on its own relay', async () => {
    const inside = await onFollower('Inside');
    const outside = await onFollower('Outside');
    await inside.client.join('stage');
    expect((await inside.run(create('from-inside', 'stage'))).code).toBe(ErrorCode.UNSPECIFIED);
    expect((await outside.run(create('from-outside', 'stage'))).code).toBe(ErrorCode.OP_FORBIDDEN);
  });

  it('password groups the follower admitted the submitter to count at the writer', async () => {
    await adminF.sync();
    // The follower holds the password group before its password is set there.
    await expect.poll(() => adminF.rooms().get('pwroom')?.acl.groups.length, { timeout: 10_000 }).toBe(1);
    adminF.client.send({ case: 'setRoomPassword', value: { requestId: 7, roomId: 'pwroom', group: 'pw', password: 'swordfish' } });
    expect((await adminF.client.next('permsResult', (r) => r.requestId === 7)).code).toBe(ErrorCode.UNSPECIFIED);
    const holder = await onFollower('Holder');
    expect((await holder.run(create('pw-before', 'pwroom'))).code).toBe(ErrorCode.OP_FORBIDDEN);
    holder.client.send({ case: 'joinRoom', value: { roomId: 'pwroom', password: 'swordfish' } });
    await holder.client.next('userUpdated', (u) => u.user?.sessionId === holder.client.sessionId && u.user.roomId === 'pwroom');
    expect((await holder.run(create('pw-after', 'pwroom'))).code).toBe(ErrorCode.UNSPECIFIED);
  });

  it('a room hidden from the submitter is answered like one that does not exist, whichever relay receives the op', async () => {
    const answers: Array<Array<{ code: number; reason: string; denial: boolean }>> = [];
    const probeF = await onFollower('Probe F');
    const probeW = new OpClient(await connectClient(writer.relay.wsUrl, { name: 'Probe W', key: generateKey() }));
    clients.push(probeW);
    await probeW.sync();
    for (const probe of [probeF, probeW]) {
      expect(probe.rooms().has('vault')).toBe(false);
      const results = await probe.submit([
        probe.sign({ kind: 'room.rename', args: { roomId: 'vault', name: 'x' } }),
        probe.sign({ kind: 'room.rename', args: { roomId: 'nosuchroom', name: 'x' } }),
        probe.sign(create('under-vault', 'vault')),
        probe.sign(create('under-none', 'nosuchroom')),
      ]);
      answers.push(results.map((r) => ({ code: r.code, reason: r.reason.replace('vault', 'ID').replace('nosuchroom', 'ID'), denial: r.denial !== undefined })));
    }
    const [viaFollower, viaWriter] = answers;
    expect(viaFollower![0]).toEqual(viaFollower![1]);
    expect(viaFollower![2]).toEqual(viaFollower![3]);
    expect(viaFollower![0]!.code).toBe(ErrorCode.OP_UNKNOWN_ROOM);
    expect(viaFollower).toEqual(viaWriter);
  });
});
