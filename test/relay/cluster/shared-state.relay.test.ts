/**
 * Roles, bans, invites and chat across three real relays on one real
 * nats-server (the state log, relay/cluster/state-log.ts): a change made on
 * one relay is seen on the others, chat arrives everywhere in one order with
 * the same history pages, bad items are refused with the same code on every
 * relay, and cutting the writer off mid-chat loses nothing acknowledged.
 * Every wait is for an event a client receives (or a cluster role change).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_ID } from '../../../crdt/index.ts';
import { decodeInvite, ErrorCode, Role } from '../../../proto/index.ts';
import { OpClient } from '../../helpers/ops.ts';
import type { ChatMessage } from '../../../proto/index.ts';
import { connectClient, generateKey, rawPublicKeyOf, RelayRefusedError } from '../../helpers/relay-client.ts';
import type { ConnectOptions, TestClient } from '../../helpers/relay-client.ts';
import { chat, direct, history, room, sendItem, signedItem, texts } from '../../helpers/chat.ts';
import { adminRequest, makeInvite } from '../../helpers/invites.ts';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { clusterNames } from '../../../relay/cluster/index.ts';
import { stateNames } from '../../../relay/cluster/state-log.ts';
import { decodeStateAnswer, decodeStateReply } from '../../../relay/cluster/state-codec.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';

const LOBBY = room('lobby');
const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('hex');

describe.runIf(hasNatsServer)('three relays share roles, bans, invites and chat', () => {
  let cluster: RelayCluster;
  const clients: TestClient[] = [];
  const admins: TestClient[] = [];
  const adminKey = generateKey();
  /** The writer the mid-chat test cut off (restarted by the last test). */
  let cutOff: StartedRelay | undefined;

  async function connect(r: StartedRelay, options: Partial<ConnectOptions> = {}): Promise<TestClient> {
    const c = await connectClient(r.relay.wsUrl, { name: 'User', ...options });
    clients.push(c);
    return c;
  }
  async function refused(r: StartedRelay, options: Partial<ConnectOptions>): Promise<RelayRefusedError> {
    const error = await connect(r, options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RelayRefusedError);
    return error as RelayRefusedError;
  }
  /** The next `count` chat events `c` receives, in order. */
  async function events(c: TestClient, count: number): Promise<ChatMessage[]> {
    const out: ChatMessage[] = [];
    while (out.length < count) out.push((await c.next('chatEvent', () => true, 20_000)).message!);
    return out;
  }

  beforeAll(async () => {
    // A burst big enough for the streams below: the rate limit is not what is tested here.
    cluster = await startRelayCluster(3, { relay: { chat: { burst: 100 } } });
    await cluster.writer();
    // The bootstrap invite of relay 1 makes the key admin of the organisation; relays 2 and 3 then know it (or their own bootstrap invite is decided by the writer, which sees it is not needed).
    for (const r of cluster.relays) admins.push(await connect(r, { name: 'Admin', key: adminKey, invite: r.relay.bootstrapInvite! }));
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await cluster?.close();
  });

  it('one admin for the organisation: its role holds on every relay', () => {
    expect(admins.map((a) => a.authOk.role)).toEqual([Role.ADMIN, Role.ADMIN, Role.ADMIN]);
  });

  it('a role set on relay 1 reaches the key on relays 2 and 3; a guest is refused the same everywhere', async () => {
    const [, r2, r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const key = generateKey();
    const on2 = await connect(r2, { key });
    const on3 = await connect(r3, { key });
    expect([on2.authOk.role, on3.authOk.role]).toEqual([Role.GUEST, Role.GUEST]);
    const editor = new OpClient(on3);
    await editor.sync();
    const create = (roomId: string) => ({ kind: 'room.create' as const, args: { roomId, name: roomId, parentId: ROOT_ID, index: 0, description: '', userLimit: 0 } });
    expect((await editor.run(create('by-guest'))).code).not.toBe(ErrorCode.UNSPECIFIED);
    const set = await adminRequest(admins[0]!, { case: 'setRole', value: { publicKey: rawPublicKeyOf(key), role: Role.ADMIN } });
    expect(set.code).toBe(ErrorCode.UNSPECIFIED);
    // A new admin gets the admin view on each relay its sessions are on.
    await Promise.all([on2.next('adminState', () => true, 20_000), on3.next('adminState', () => true, 20_000)]);
    // The writer judges the room tree with the shared role too.
    expect((await editor.run(create('by-new-admin'))).code).toBe(ErrorCode.UNSPECIFIED);
    const guest = rawPublicKeyOf(generateKey());
    const codes: number[] = [];
    for (const r of cluster.relays) {
      const g = await connect(r);
      codes.push((await adminRequest(g, { case: 'ban', value: { publicKey: guest, durationMs: 0n } })).code);
    }
    expect(new Set(codes).size).toBe(1);
    expect(codes[0]).not.toBe(ErrorCode.UNSPECIFIED);
  });

  it('a ban made on relay 1 puts the key out of relays 2 and 3 at once; lifted on relay 3, it gets in again', async () => {
    const [r1, r2, r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const key = generateKey();
    const on2 = await connect(r2, { key, name: 'Troll' });
    const on3 = await connect(r3, { key, name: 'Troll' });
    const ban = await adminRequest(admins[0]!, { case: 'ban', value: { publicKey: rawPublicKeyOf(key), durationMs: 0n, reason: 'spam' } });
    expect(ban.code).toBe(ErrorCode.UNSPECIFIED);
    const kicked = await Promise.all([on2.next('error', () => true, 20_000), on3.next('error', () => true, 20_000)]);
    expect(kicked.map((e) => e.code)).toEqual([ErrorCode.BANNED, ErrorCode.BANNED]);
    // Relay 1 applied it before answering; relays 2 and 3 before putting the key out.
    for (const r of [r1, r2, r3]) expect((await refused(r, { key })).code).toBe(ErrorCode.BANNED);
    const lift = await adminRequest(admins[2]!, { case: 'liftBan', value: { publicKey: rawPublicKeyOf(key) } });
    expect(lift.code).toBe(ErrorCode.UNSPECIFIED);
    expect((await connect(r3, { key })).authOk.role).toBe(Role.GUEST);
    // Lifting again is refused the same way on every relay: the writer judges it.
    const again = await Promise.all(admins.map((a) => adminRequest(a, { case: 'liftBan', value: { publicKey: rawPublicKeyOf(key) } })));
    expect(again.map((r) => r.code)).toEqual([ErrorCode.UNKNOWN_USER, ErrorCode.UNKNOWN_USER, ErrorCode.UNKNOWN_USER]);
  });

  it('an invite registered on relay 2 and used on relay 1 is used up on relay 3; every admin sees its use', async () => {
    const [r1, , r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const invite = makeInvite(adminKey, r1.relay.publicKey, { maxUses: 1, role: Role.MEMBER });
    expect((await adminRequest(admins[1]!, { case: 'registerInvite', value: { invite } })).code).toBe(ErrorCode.UNSPECIFIED);
    const decoded = decodeInvite(invite);
    const id = hex(decoded.ok ? decoded.value.id : undefined);
    const seen = admins.map((a) => a.next('adminState', (s) => s.invites.some((i) => i.uses === 1 && hex(i.id) === id), 20_000));
    const member = await connect(r1, { invite });
    expect(member.authOk.role).toBe(Role.MEMBER);
    await Promise.all(seen);
    expect((await refused(r3, { invite })).code).toBe(ErrorCode.INVITE_USED_UP);
    // The member's role came with the invite, on every relay.
    expect((await connect(r3, { key: member.key })).authOk.role).toBe(Role.MEMBER);
    // Revoked on relay 3, refused on relay 1 (whether or not relay 1 has applied it yet: the writer decides).
    const revoked = makeInvite(adminKey, r1.relay.publicKey, { role: Role.MEMBER });
    const revokedId = decodeInvite(revoked);
    expect((await adminRequest(admins[2]!, { case: 'revokeInvite', value: { inviteId: revokedId.ok ? revokedId.value.id : new Uint8Array() } })).code).toBe(ErrorCode.UNSPECIFIED);
    expect((await refused(r1, { invite: revoked })).code).toBe(ErrorCode.INVITE_REVOKED);
  });

  it('chat from relays 1 and 2 at once reaches every relay in one order; history pages are the same everywhere', async () => {
    const [r1, r2, r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const readers = [await connect(r1), await connect(r2), await connect(r3)];
    const a = await connect(r1, { name: 'Ann' });
    const b = await connect(r2, { name: 'Bob' });
    const received = readers.map((c) => events(c, 20));
    const acks = await Promise.all([
      Promise.all(Array.from({ length: 10 }, (_, i) => chat(a, { target: LOBBY, text: `a${i}` }))),
      Promise.all(Array.from({ length: 10 }, (_, i) => chat(b, { target: LOBBY, text: `b${i}` }))),
    ]);
    expect(acks.flat().map((x) => x.ack.code)).toEqual(Array(20).fill(ErrorCode.UNSPECIFIED));
    const orders = (await Promise.all(received)).map((ms) => ms.map((m) => `${m.seq}:${m.post!.text}:${m.authorName}`));
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);
    // An edit on relay 1 and an admin's delete on relay 3 of Bob's post (from relay 2) show everywhere.
    const target = acks[1]![0]!;
    const deleted = readers.map((c) => c.next('chatEvent', (e) => e.message?.deletion !== undefined, 20_000));
    expect((await chat(admins[2]!, { action: 'delete', target: LOBBY, refId: target.item.id as Uint8Array })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    await Promise.all(deleted);
    const pages = await Promise.all(readers.map((c) => history(c, LOBBY)));
    const shown = pages.map((p) => [...p.messages.map((m) => `${m.seq}`), ...texts(p)]);
    expect(shown[1]).toEqual(shown[0]);
    expect(shown[2]).toEqual(shown[0]);
    expect(texts(pages[0]!)).toContain('(deleted)');
  });

  it('a direct message from relay 1 reaches a key that only ever signed in on relay 3; both see one history', async () => {
    const [r1, , r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const peer = await connect(r3, { name: 'Peer' });
    const sender = await connect(r1, { name: 'Sender' });
    const peerKey = rawPublicKeyOf(peer.key);
    const arrived = peer.next('chatEvent', (e) => e.message?.post?.text === 'psst', 20_000);
    const { ack } = await chat(sender, { target: direct(peerKey), text: 'psst' });
    expect(ack.code).toBe(ErrorCode.UNSPECIFIED);
    expect((await arrived).message!.seq).toBe(ack.seq);
    const [mine, theirs] = await Promise.all([history(sender, direct(peerKey)), history(peer, direct(rawPublicKeyOf(sender.key)))]);
    expect(texts(theirs)).toEqual(texts(mine));
    expect(texts(mine)).toEqual(['psst']);
    // A key no relay ever admitted is refused the same way on every relay.
    const nobody = rawPublicKeyOf(generateKey());
    const codes = await Promise.all(cluster.relays.map(async (r) => (await chat(await connect(r), { target: direct(nobody), text: 'hello?' })).ack.code));
    expect(codes).toEqual([ErrorCode.CHAT_NOT_FOUND, ErrorCode.CHAT_NOT_FOUND, ErrorCode.CHAT_NOT_FOUND]);
  });

  it('forged, replayed and unauthorised chat items are refused with the same code on every relay', async () => {
    const owner = await connect(cluster.relays[0]!, { name: 'Owner' });
    const { item: posted } = await chat(owner, { target: LOBBY, text: 'mine' });
    const codes: number[][] = [];
    for (const r of cluster.relays) {
      const other = await connect(r, { name: 'Other' });
      const forged = signedItem(other, { target: LOBBY, text: 'forged' });
      forged.signature = new Uint8Array(64);
      const asOwner = signedItem(other, { target: LOBBY, text: 'not me' });
      asOwner.authorKey = rawPublicKeyOf(owner.key);
      // The owner's post id again, by someone else.
      const replayed = signedItem(other, { target: LOBBY, text: 'replayed', id: posted.id as Uint8Array });
      const editOther = signedItem(other, { action: 'edit', target: LOBBY, text: 'edited', refId: posted.id as Uint8Array });
      const row: number[] = [];
      for (const item of [forged, asOwner, replayed, editOther]) row.push((await sendItem(other, item)).code);
      codes.push(row);
    }
    expect(codes[0]).toEqual([ErrorCode.BAD_SIGNATURE, ErrorCode.BAD_REQUEST, ErrorCode.CHAT_ID_CONFLICT, ErrorCode.CHAT_FORBIDDEN]);
    expect(codes[1]).toEqual(codes[0]);
    expect(codes[2]).toEqual(codes[0]);
    // The owner's own retry (an offline outbox resending) is answered with the stored seq, on any relay.
    const retries = await Promise.all(cluster.relays.map(async (r) => (await sendItem(await connect(r, { key: owner.key }), posted)).seq));
    expect(new Set(retries.map(String)).size).toBe(1);
  });

  it('garbage on the relays\' NATS subjects changes nothing and stops nobody', async () => {
    const names = stateNames(clusterNames(cluster.name));
    const nc = await natsConnect({ servers: [cluster.nats.url] });
    try {
      // A request the writer cannot read is answered BAD_REQUEST, not applied.
      const reply = decodeStateReply((await nc.request(names.submit, new TextEncoder().encode('{"v":1,"k":"ban"}'), { timeout: 10_000 })).data);
      expect(reply.ok && reply.value ? decodeStateAnswer(reply.value.reply) : null).toMatchObject({ ok: true, value: { code: ErrorCode.BAD_REQUEST } });
      // An entry no relay wrote is skipped by every relay (and reported), and the log goes on.
      await jetstream(nc).publish(names.subject, new TextEncoder().encode('not json'));
    } finally {
      await nc.close();
    }
    const readers = await Promise.all(cluster.relays.map((r) => connect(r)));
    const arrived = readers.map((c) => c.next('chatEvent', (e) => e.message?.post?.text === 'after-garbage', 20_000));
    const poster = await connect(cluster.relays[1]!);
    const item = signedItem(poster, { target: LOBBY, text: 'after-garbage' });
    // The writer's append may race the stray entry (expected last sequence refused): CLUSTER_UNAVAILABLE once, as after any lost race; the outbox sends again.
    let ack = await sendItem(poster, item);
    if (ack.code === ErrorCode.CLUSTER_UNAVAILABLE) ack = await sendItem(poster, item);
    expect(ack.code).toBe(ErrorCode.UNSPECIFIED);
    const seqs = (await Promise.all(arrived)).map((e) => e.message!.seq);
    expect(new Set(seqs.map(String)).size).toBe(1);
  });

  it('the writer cut off mid-chat: every acknowledged message is kept, and queued ones go through another relay', async () => {
    const writer = (cutOff = await cluster.writer());
    const others = cluster.relays.filter((r) => r !== writer);
    const nextWriter = cluster.writer(others);
    const sender = await connect(others[0]!, { name: 'Steady' });
    // The same user's other device (or the same one after moving relays): a refused item is sent again from there.
    const elsewhere = await connect(others[1]!, { name: 'Steady', key: sender.key });
    let via = sender;
    const acked: string[] = [];
    for (let i = 0; i < 30; i++) {
      if (i === 10) void writer.relay.cluster!.abort();
      const item = signedItem(sender, { target: LOBBY, text: `steady-${i}` });
      // As the client's outbox does: CLUSTER_UNAVAILABLE keeps the item, which is sent again once there is a writer.
      for (;;) {
        const ack = await sendItem(via, item);
        if (ack.code === ErrorCode.UNSPECIFIED) break;
        expect(ack.code).toBe(ErrorCode.CLUSTER_UNAVAILABLE);
        via = elsewhere;
        await nextWriter;
      }
      acked.push(`steady-${i}`);
    }
    expect(await nextWriter).not.toBe(writer);
    const pages = await Promise.all(others.map(async (r) => texts(await history(await connect(r), LOBBY, 0n, 100))));
    for (const p of pages) expect(acked.filter((t) => !p.includes(t))).toEqual([]);
    expect(pages[1]).toEqual(pages[0]);
  });

  it('the relay that was cut off restarts on its store and has caught up before it serves anyone', async () => {
    const gone = cutOff!;
    const live = cluster.relays.filter((r) => r !== gone);
    await gone.relay.close();
    const writer = await cluster.writer(live);
    const someone = await connect(writer, { name: 'Late' });
    expect((await chat(someone, { target: LOBBY, text: 'while-away' })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    const key = generateKey();
    await connect(writer, { key });
    expect((await adminRequest(await connect(writer, { key: adminKey, name: 'Admin' }), { case: 'ban', value: { publicKey: rawPublicKeyOf(key), durationMs: 0n } })).code).toBe(ErrorCode.UNSPECIFIED);
    const back = await cluster.add(`${gone.relay.cluster!.relayId}b`, { dataDir: gone.dataDir });
    // createRelay resolved: the state log as it was is applied, so the first client already sees it.
    const [here, there] = await Promise.all([history(await connect(back), LOBBY, 0n, 100), history(await connect(writer), LOBBY, 0n, 100)]);
    expect(texts(here)).toContain('while-away');
    expect(texts(here)).toEqual(texts(there));
    expect((await refused(back, { key })).code).toBe(ErrorCode.BANNED);
  });

  it('NATS away: bans and chat are refused CLUSTER_UNAVAILABLE on every relay; back: the queued item goes through and history is equal', async () => {
    const live = cluster.relays.filter((r) => r !== cutOff);
    const posters = await Promise.all(live.map((r) => connect(r, { key: adminKey, name: 'Admin' })));
    const down = Promise.all(live.map((r) => waitForEvent(r.relay, 'cluster-role', (e) => e.role === 'unavailable', 20_000)));
    await cluster.nats.stop();
    await down;
    const item = signedItem(posters[0]!, { target: LOBBY, text: 'while-nats-away' });
    const codes = await Promise.all(posters.map((p) => sendItem(p, item).then((a) => a.code)));
    expect(codes).toEqual(live.map(() => ErrorCode.CLUSTER_UNAVAILABLE));
    const bans = await Promise.all(posters.map((p) => adminRequest(p, { case: 'ban', value: { publicKey: rawPublicKeyOf(generateKey()), durationMs: 0n } })));
    expect(bans.map((b) => b.code)).toEqual(live.map(() => ErrorCode.CLUSTER_UNAVAILABLE));
    await cluster.nats.start();
    await cluster.writer(live);
    const readers = await Promise.all(live.map((r) => connect(r)));
    const arrived = readers.map((c) => c.next('chatEvent', (e) => e.message?.post?.text === 'while-nats-away', 20_000));
    // The client's outbox sends the item again; a relay still catching up may answer CLUSTER_UNAVAILABLE once more.
    let ack = await sendItem(posters[0]!, item);
    while (ack.code === ErrorCode.CLUSTER_UNAVAILABLE) {
      await cluster.writer(live);
      ack = await sendItem(posters[0]!, item);
    }
    expect(ack.code).toBe(ErrorCode.UNSPECIFIED);
    await Promise.all(arrived);
    const pages = await Promise.all(readers.map(async (c) => texts(await history(c, LOBBY, 0n, 100))));
    expect(pages[0]!.filter((t) => t === 'while-nats-away')).toHaveLength(1);
    for (const p of pages) expect(p).toEqual(pages[0]);
  });
});
