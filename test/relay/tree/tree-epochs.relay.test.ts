/**
 * The room-tree document forgets deleted rooms (relay/tree/tree-epoch.ts):
 * after thousands of rooms created and deleted on a real relay, a fresh
 * client's first sync stays small and equals what a long-lived subscriber
 * followed; a client store with an old-epoch replica and queued offline ops
 * converges; a restart keeps the epoch and the tree.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { memoryTreeCache, RoomTreeStore } from '../../../client/session/tree/index.ts';
import { clientHandleSync, encodeStep1, readRooms, SYNC_STEP2, TREE_DOC } from '../../../crdt/index.ts';
import { verifyEd25519 } from '../../../keys/index.ts';
import * as Y from 'yjs';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey, nodeSigner } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { makeDataDir, startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const FRAME = 128;
const LIMITS = { opBurst: 1_000_000, opPerSecond: 1_000_000, treeEpochAfterDeletes: 256 };

/** A fresh client's first tree sync: the SyncStep2's bytes and epoch, and the rooms in it. */
async function freshSync(url: string): Promise<{ bytes: number; epoch: number; rooms: ReturnType<typeof readRooms> }> {
  const probe = await connectClient(url, { name: 'Probe', key: generateKey() });
  try {
    probe.send({ case: 'crdtSync', value: { doc: TREE_DOC, data: encodeStep1(new Y.Doc()) } });
    const reply = await probe.next('crdtSync', (s) => s.doc === TREE_DOC && s.data[0] === SYNC_STEP2);
    const doc = new Y.Doc();
    clientHandleSync(doc, reply.data, 'relay');
    return { bytes: reply.data.byteLength, epoch: reply.epoch, rooms: readRooms(doc) };
  } finally {
    await probe.close();
  }
}

/** Creates `n` rooms under root and deletes them again, in frames of {@link FRAME}. */
async function churn(admin: OpClient, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i += FRAME) {
    const ids = Array.from({ length: Math.min(FRAME, n - i) }, (_, k) => `${tag}-${i + k}`);
    const created = await admin.submit(ids.map((roomId) => admin.sign({ kind: 'room.create', args: { roomId, parentId: 'root', name: `Churn ${roomId}`, index: 0, description: '', userLimit: 0 } })));
    expect(created.every((r) => r.code === 0)).toBe(true);
    const deleted = await admin.submit(ids.map((roomId) => admin.sign({ kind: 'room.delete', args: { roomId } })));
    expect(deleted.every((r) => r.code === 0)).toBe(true);
  }
}


describe('room-tree epochs on a real relay', () => {
  const relays: StartedRelay[] = [];
  const clients: TestClient[] = [];
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const r of relays) await r.cleanup();
  });

  it('a fresh client syncs a bounded tree after 4,000 rooms came and went; an old-epoch store with offline ops converges; a restart keeps epoch and tree', async () => {
    const dataDir = await makeDataDir();
    let started = await startRelay({ dataDir, guests: 'allow', limits: LIMITS });
    relays.push(started);
    const adminKey = generateKey();
    const admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key: adminKey }));
    clients.push(admin.client);
    await admin.sync();
    // A few rooms that stay.
    const keep = await admin.submit(Array.from({ length: 5 }, (_, i) => admin.sign({ kind: 'room.create', args: { roomId: `keep-${i}`, parentId: 'root', name: `Keep ${i}`, index: i, description: 'stays', userLimit: 0 } })));
    expect(keep.every((r) => r.code === 0)).toBe(true);
    const baseline = await freshSync(started.relay.wsUrl);

    // A client store that knows the tree now, then goes offline with queued ops.
    // The store signs as the admin from another device counter: its numbers start far above the admin client's.
    let deviceSeq = 1_000_000;
    const cache = { ...memoryTreeCache(), nextSeq: async () => ++deviceSeq };
    const storeConn = await connectClient(started.relay.wsUrl, { name: 'Offline', key: adminKey });
    clients.push(storeConn);
    const store = new RoomTreeStore({ cache, signer: nodeSigner(adminKey), now: () => Date.now(), verify: verifyEd25519, onChange: () => {} });
    storeConn.socket.tap((m) => void store.handle(m));
    await store.connected(storeConn.hello.relayPublicKey, 'admin', (msg) => (storeConn.send(msg), true));
    await expect.poll(() => store.view.status).toBe('live');
    await storeConn.close();
    store.disconnected();
    await store.edit({ kind: 'room.rename', args: { roomId: 'keep-0', name: 'Renamed offline' } });
    await store.edit({ kind: 'room.create', args: { roomId: 'offline-new', parentId: 'root', name: 'Made offline', index: 0, description: '', userLimit: 0 } });
    expect(store.view.pendingCount).toBe(2);

    await churn(admin, 4_000, 'c');
    const after = await freshSync(started.relay.wsUrl);
    // Bounded: the deleted rooms cost at most the floor's worth of tombstones (256 × ~25 bytes) over the baseline.
    expect(after.bytes).toBeLessThan(baseline.bytes + 256 * 40);
    expect(after.epoch).not.toBe(baseline.epoch);
    expect(after.rooms).toEqual(admin.rooms());
    expect([...after.rooms.keys()].sort()).toEqual([...baseline.rooms.keys()].sort());

    // The old-epoch store reconnects: it drops its replica, keeps its outbox, and converges.
    const back = await connectClient(started.relay.wsUrl, { name: 'Offline', key: adminKey });
    clients.push(back);
    back.socket.tap((m) => void store.handle(m));
    await store.connected(back.hello.relayPublicKey, 'admin', (msg) => (back.send(msg), true));
    await expect.poll(() => store.view.pendingCount).toBe(0);
    expect(store.view.refused).toEqual([]);
    await expect.poll(() => store.rooms.find((r) => r.id === 'keep-0')?.name).toBe('Renamed offline');
    await expect.poll(() => admin.rooms().get('offline-new')?.name).toBe('Made offline');
    await expect.poll(() => new Map(store.rooms.map((r) => [r.id, r.name]))).toEqual(new Map([...admin.rooms()].map(([id, r]) => [id, r.name])));
    const tree = admin.rooms();
    const epoch = (await freshSync(started.relay.wsUrl)).epoch;
    for (const c of clients.splice(0)) await c.close();
    await started.stop();

    started = await startRelay({ dataDir, guests: 'allow', limits: LIMITS });
    relays.push(started);
    const restarted = await freshSync(started.relay.wsUrl);
    expect(restarted.epoch).toBe(epoch);
    expect(restarted.rooms).toEqual(tree);
  }, 120_000);
});
