/**
 * An offline client's queued room-tree edits sync through whichever relay it
 * reaches next (issue 17): the real client store (RoomTreeStore) goes live on
 * relay 1, is cut off, queues edits, and comes back on relay 3. Its accepted
 * edits reach a client of relay 2; an edit that another admin made impossible
 * meanwhile (through relay 2) is refused by the one writer and rolled back in
 * the store, exactly as on a single relay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryTreeCache, RoomTreeStore } from '../../../client/session/tree/index.ts';
import { ROOT_ID } from '../../../crdt/index.ts';
import { verifyEd25519 } from '../../../keys/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { connectClient, generateKey, nodeSigner } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { OpClient } from '../../helpers/ops.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';

const room = (roomId: string, name: string) => ({ kind: 'room.create' as const, args: { roomId, name, parentId: ROOT_ID, index: 0, description: '', userLimit: 0 } });

describe.runIf(hasNatsServer)('offline edits sync through another relay of the cluster', () => {
  let cluster: RelayCluster;
  const sockets: TestClient[] = [];
  const adminKey = generateKey();
  let admin: OpClient;
  let watcher: OpClient;

  beforeAll(async () => {
    cluster = await startRelayCluster(3);
    await cluster.writer();
    const [r1, r2] = cluster.relays;
    admin = new OpClient(await connectClient(r2!.relay.wsUrl, { name: 'Admin', key: adminKey, invite: r1!.relay.bootstrapInvite! }));
    // The offline store signs as the same admin from another device: its own sequence range.
    admin.seq = 0;
    watcher = new OpClient(await connectClient(r2!.relay.wsUrl, { name: 'Watcher', key: generateKey() }));
    sockets.push(admin.client, watcher.client);
    await admin.sync();
    await watcher.sync();
    const made = await admin.submit([admin.sign(room('doomed', 'Doomed')), admin.sign(room('stays', 'Stays'))]);
    expect(made.map((r) => r.code)).toEqual([ErrorCode.UNSPECIFIED, ErrorCode.UNSPECIFIED]);
  });
  afterAll(async () => {
    for (const s of sockets) await s.close().catch(() => {});
    await cluster?.close();
  });

  it('edits queued while offline (live on relay 1) are accepted through relay 3; one made impossible meanwhile rolls back', async () => {
    const [r1, , r3] = cluster.relays;
    let deviceSeq = 1_000_000;
    const cache = { ...memoryTreeCache(), nextSeq: async () => ++deviceSeq };
    const refusals: number[] = [];
    const store = new RoomTreeStore({ cache, signer: nodeSigner(adminKey), now: () => Date.now(), verify: verifyEd25519, onChange: () => {} });

    const first = await connectClient(r1!.relay.wsUrl, { name: 'Laptop', key: adminKey });
    sockets.push(first);
    first.socket.tap((m) => void store.handle(m));
    await store.connected(first.hello.relayPublicKey, 'admin', (msg) => (first.send(msg), true));
    await expect.poll(() => store.view.status, { timeout: 10_000 }).toBe('live');
    await expect.poll(() => store.rooms.some((r) => r.id === 'doomed'), { timeout: 10_000 }).toBe(true);

    // On the train: relay 1 is out of reach.
    await first.close();
    store.disconnected();
    await store.edit(room('made-offline', 'Made offline'));
    await store.edit({ kind: 'room.rename', args: { roomId: 'stays', name: 'Renamed offline' } });
    await store.edit({ kind: 'room.rename', args: { roomId: 'doomed', name: 'Too late' } });
    expect(store.view.pendingCount).toBe(3);
    // The edits show at once over the server state, marked pending.
    expect(store.rooms.find((r) => r.id === 'made-offline')?.name).toBe('Made offline');

    // Meanwhile another admin device deletes a room the queued rename targets (through relay 2).
    const gone = await admin.run({ kind: 'room.delete', args: { roomId: 'doomed' } });
    expect(gone.code).toBe(ErrorCode.UNSPECIFIED);
    // Barrier: relay 3 has applied the delete from the shared log (a client of relay 3 sees it).
    const onThree = new OpClient(await connectClient(r3!.relay.wsUrl, { name: 'Three', key: generateKey() }));
    sockets.push(onThree.client);
    await onThree.sync();
    await expect.poll(() => onThree.rooms().has('doomed'), { timeout: 10_000 }).toBe(false);

    // Back online, through relay 3: sync first, then the queue in order.
    const back = await connectClient(r3!.relay.wsUrl, { name: 'Laptop', key: adminKey });
    sockets.push(back);
    back.socket.tap((m) => {
      if (m.case === 'opResults') for (const r of m.value.results) if (r.code !== ErrorCode.UNSPECIFIED) refusals.push(r.code);
      void store.handle(m);
    });
    await store.connected(back.hello.relayPublicKey, 'admin', (msg) => (back.send(msg), true));
    await expect.poll(() => store.view.pendingCount, { timeout: 15_000 }).toBe(0);

    // The accepted two are in the one shared tree: a client of relay 2 sees them.
    await expect.poll(() => watcher.rooms().get('made-offline')?.name, { timeout: 10_000 }).toBe('Made offline');
    await expect.poll(() => watcher.rooms().get('stays')?.name, { timeout: 10_000 }).toBe('Renamed offline');
    // The impossible one was refused by the writer and rolled back in the store, with its code.
    expect(refusals).toEqual([ErrorCode.OP_UNKNOWN_ROOM]);
    expect(store.view.refused.map((r) => [r.code, r.why])).toEqual([[ErrorCode.OP_UNKNOWN_ROOM, 'the room no longer exists']]);
    expect(store.rooms.some((r) => r.id === 'doomed')).toBe(false);
    expect(watcher.rooms().has('doomed')).toBe(false);
    // And the store's replica equals what relay 2's client holds.
    const names = (rs: Iterable<{ id: string; name: string }>) => [...rs].map((r) => `${r.id}:${r.name}`).sort();
    expect(names(store.rooms)).toEqual(names(watcher.rooms().values()));
  });
});
