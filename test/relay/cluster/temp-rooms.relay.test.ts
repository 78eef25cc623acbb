/**
 * Temporary rooms across three real relays on one real nats-server
 * (decision D135, relay/cluster/temp-sync.ts): a room made on relay 1 is in
 * the filtered lists of users on relays 2 and 3, joinable there, with voice
 * across relays as in any room; it stays while anyone anywhere is in it and
 * goes when the last one leaves; it is edited from another relay through its
 * owner; forged records in the bucket change nothing; it is kept in a memory
 * bucket, never in a relay's data folder; when its owner is cut off, it goes
 * after the bucket's TTL and its people elsewhere land in the parent.
 * Every wait is for a message a client receives or a relay event.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { decodeDownlink, encodeVoice } from '../../../proto/index.ts';
import type { TempRooms } from '../../../proto/index.ts';
import { clusterNames } from '../../../relay/cluster/index.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { treeRooms } from '../../helpers/ops.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { ConnectOptions, TestClient } from '../../helpers/relay-client.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const voice = (seq: number): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: new Uint8Array(40).fill(seq & 0xff) });

/** Resolves once the client's latest TempRooms list (each replaces the last) satisfies `pred`. */
function listUntil(c: TestClient, pred: (l: TempRooms) => boolean): Promise<TempRooms> {
  const latest = (): TempRooms | undefined => {
    for (let i = c.socket.received.length - 1; i >= 0; i--) {
      const m = c.socket.received[i]!;
      if (m.case === 'tempRooms') return m.value;
    }
    return undefined;
  };
  return new Promise((resolve) => {
    const check = (): boolean => {
      const l = latest();
      if (!l || !pred(l)) return false;
      off();
      resolve(l);
      return true;
    };
    const off = c.socket.tap(() => queueMicrotask(check));
    check();
  });
}
const has = (id: string) => (l: TempRooms): boolean => l.rooms.some((r) => r.id === id);
const lacks = (id: string) => (l: TempRooms): boolean => !has(id)(l);
const inRoom = (c: TestClient, roomId: string): Promise<unknown> => c.next('userUpdated', (u) => u.user?.sessionId === c.sessionId && u.user.roomId === roomId, 20_000);

describe.runIf(hasNatsServer)('temporary rooms across relays', () => {
  let cluster: RelayCluster;
  const clients: TestClient[] = [];
  const adminKey = generateKey();
  let admin: TestClient;

  async function connect(r: StartedRelay, options: Partial<ConnectOptions> = {}): Promise<TestClient> {
    const c = await connectClient(r.relay.wsUrl, { name: 'User', ...options });
    clients.push(c);
    return c;
  }
  /** `who` makes temporary room `name` under the lobby; resolves with its id once `who` is in it. */
  async function make(who: TestClient, name: string): Promise<string> {
    const listed = listUntil(who, (l) => l.rooms.some((r) => r.name === name));
    who.send({ case: 'makeTempRoom', value: { name, parentId: 'lobby' } });
    const id = (await listed).rooms.find((r) => r.name === name)!.id;
    await inRoom(who, id);
    return id;
  }

  beforeAll(async () => {
    cluster = await startRelayCluster(3, { relay: { limits: { maxDatagramAgeMs: 0 } } });
    await cluster.writer();
    admin = await connect(cluster.relays[0]!, { name: 'Admin', key: adminKey, invite: cluster.relays[0]!.relay.bootstrapInvite! });
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await cluster?.close();
  });

  it('made on relay 1: listed and joinable on relay 2, heard across relays, never in the tree or a data folder, kept in a memory bucket', async () => {
    const [r1, r2] = cluster.relays as [StartedRelay, StartedRelay];
    const linked = waitForEvent(r1.relay, 'cluster-link', (e) => e.up && e.peer === 'r2', 30_000);
    const b = await connect(r2, { name: 'Bo' });
    const makerSeenOn2 = b.next('userUpdated', (u) => u.user?.displayName === 'Admin' && u.user.roomId.startsWith('tmp-'), 20_000);
    const id = await make(admin, 'Huddle');
    const listed = await listUntil(b, has(id));
    const room = listed.rooms.find((r) => r.id === id)!;
    expect(room).toMatchObject({ name: 'Huddle', parentId: 'lobby' });
    expect((await treeRooms(b)).some((r) => r.id === id)).toBe(false);
    const seenOn1 = admin.next('userUpdated', (u) => u.user?.displayName === 'Bo' && u.user.roomId === id, 20_000);
    b.send({ case: 'joinRoom', value: { roomId: id, password: '' } });
    await inRoom(b, id);
    // Both relays agree on where both are (voice crosses only then).
    expect((await makerSeenOn2).user!.roomId).toBe(id);
    await seenOn1;
    await Promise.all([admin.openVoice(), b.openVoice(), linked]);
    for (let seq = 1; seq <= 10; seq++) expect(admin.sendDatagram(voice(seq))).toBe(true);
    const got = await Promise.all([1, 5, 10].map((s) => b.nextDatagram((d) => {
      const p = decodeDownlink(d);
      return p.ok && p.value.seq === s;
    })));
    for (const d of got) {
      const p = decodeDownlink(d);
      expect(p.ok && p.value.room).toBe(room.voiceId);
    }
    // Memory storage only, and nothing of it in any relay's data folder.
    const nc = await natsConnect({ servers: cluster.nats.url });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(`KV_${clusterNames(cluster.name).tempBucket}`);
      expect(info.config.storage).toBe('memory');
    } finally {
      await nc.close();
    }
    for (const r of cluster.relays) {
      for (const f of await readdir(r.dataDir, { recursive: true, withFileTypes: true })) {
        if (f.isFile()) expect((await readFile(joinPath(f.parentPath ?? (f as { path: string }).path, f.name))).includes('Huddle')).toBe(false);
      }
    }
  });

  it('stays while anyone on any relay is in it, goes when the last one leaves', async () => {
    const [, r2, r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const id = await make(admin, 'Stay');
    const b = await connect(r2, { name: 'Bea' });
    const c = await connect(r3, { name: 'Cy' });
    await Promise.all([listUntil(b, has(id)), listUntil(c, has(id))]);
    const bSeenOn1 = admin.next('userUpdated', (u) => u.user?.displayName === 'Bea' && u.user.roomId === id, 20_000);
    b.send({ case: 'joinRoom', value: { roomId: id, password: '' } });
    await inRoom(b, id);
    await bSeenOn1;
    // The maker leaves: Bea on relay 2 is still in it, so it stays (a ping's answer comes after any list relay 1 sent with the move).
    await admin.join('lobby');
    await admin.ping();
    expect(has(id)(await listUntil(admin, () => true))).toBe(true);
    // Bea leaves: nobody anywhere is in it, and it is gone from every list.
    b.send({ case: 'joinRoom', value: { roomId: 'lobby', password: '' } });
    await Promise.all([listUntil(admin, lacks(id)), listUntil(b, lacks(id)), listUntil(c, lacks(id))]);
  });

  it('the maker edits it from relay 2: the owner applies it and every list shows it; a guest there is refused', async () => {
    const [, r2, r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const id = await make(admin, 'Before');
    const makerOn2 = await connect(r2, { name: 'Admin 2', key: adminKey });
    const watcher = await connect(r3, { name: 'Watcher' });
    await listUntil(makerOn2, has(id));
    const renamed = (l: TempRooms): boolean => l.rooms.some((r) => r.id === id && r.name === 'After' && r.userLimit === 5);
    makerOn2.send({ case: 'editTempRoom', value: { roomId: id, name: 'After', userLimit: 5 } });
    await Promise.all([listUntil(admin, renamed), listUntil(makerOn2, renamed), listUntil(watcher, renamed)]);
    const guest = await connect(r2, { name: 'Guest' });
    await listUntil(guest, has(id));
    guest.send({ case: 'editTempRoom', value: { roomId: id, name: 'Mine', userLimit: 0 } });
    const refused = await guest.next('error', (e) => e.context === 'edit_temp_room', 20_000);
    expect(refused.denial?.permission).toBe('edit-room');
    await admin.join('lobby');
    await listUntil(watcher, lacks(id));
  });

  it('forged records in the bucket are not taken: garbage, a record under another room\'s key, a colliding voice id', async () => {
    const [, , r3] = cluster.relays as [StartedRelay, StartedRelay, StartedRelay];
    const c = await connect(r3, { name: 'Check' });
    const id = await make(admin, 'Real');
    const real = (await listUntil(c, has(id))).rooms.find((r) => r.id === id)!;
    const nc = await natsConnect({ servers: cluster.nats.url });
    try {
      const { Kvm } = await import('@nats-io/kv');
      const kv = await new Kvm(nc).open(clusterNames(cluster.name).tempBucket);
      const record = (over: Record<string, unknown>): string => JSON.stringify({ v: 1, id: 'tmp-forged', n: 'Forged', p: 'lobby', m: 'a'.repeat(64), vo: 0x5000_0000, l: 0, ...over });
      await kv.put('rX.tmp-garbage', new Uint8Array([1, 2, 3]));
      await kv.put('rX.tmp-other', record({}));
      await kv.put('rX.tmp-forged', record({ vo: real.voiceId }));
      await kv.put(`rX.${id}`, record({ id, n: 'Takeover' }));
      // A record that is good, put last: once it is listed, the ones before it were seen and left out.
      await kv.put('rX.tmp-good', record({ id: 'tmp-good', n: 'Good' }));
      const l = await listUntil(c, has('tmp-good'));
      for (const forged of ['tmp-garbage', 'tmp-other', 'tmp-forged']) expect(l.rooms.some((r) => r.id === forged)).toBe(false);
      expect(l.rooms.find((r) => r.id === id)!.name).toBe('Real');
      await kv.delete('rX.tmp-good');
      await listUntil(c, lacks('tmp-good'));
    } finally {
      await nc.close();
    }
    await admin.join('lobby');
    await listUntil(c, lacks(id));
  });

  it('a relay restarted while a room is open has it at once: listed and joinable there', async () => {
    const r3 = cluster.relays[2]!;
    const id = await make(admin, 'Survivor');
    await r3.stop();
    const back = await cluster.add('r3b', { dataDir: r3.dataDir });
    const c = await connect(back, { name: 'Back' });
    await listUntil(c, has(id));
    c.send({ case: 'joinRoom', value: { roomId: id, password: '' } });
    await inRoom(c, id);
  });

  it('its owner cut off: after the bucket\'s TTL it is gone elsewhere and its people there land in the parent', async () => {
    const [r1, r2] = cluster.relays as [StartedRelay, StartedRelay];
    const id = await make(admin, 'Doomed');
    const b = await connect(r2, { name: 'Left' });
    await listUntil(b, has(id));
    b.send({ case: 'joinRoom', value: { roomId: id, password: '' } });
    await inRoom(b, id);
    const backInLobby = inRoom(b, 'lobby');
    await r1.relay.cluster!.abort();
    // The TTL is 3 × the lease TTL (4.5 s here); the wait is for the move, bounded well above it.
    await backInLobby;
    await listUntil(b, lacks(id));
  });
});
