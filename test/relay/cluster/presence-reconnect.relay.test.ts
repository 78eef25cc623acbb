/**
 * Presence through a NATS restart (real nats-server stopped and started on
 * its store, three real relays): what changed while NATS was away (a user
 * moved to another room, a user signed in) is shown on every relay as soon
 * as the relays are back on NATS, not at the next heartbeat; nobody is
 * dropped and shown again meanwhile. The presence heartbeat is 20 s here
 * (leaseTtlMs 20 s, keys living 60 s), so a change seen within the waits
 * below came from the reconnect itself. Every wait is for an event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_ID } from '../../../crdt/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('hex');
/** Well under the 20 s heartbeat. */
const WAIT_MS = 10_000;

describe.runIf(hasNatsServer)('presence through a NATS restart', () => {
  let cluster: RelayCluster;
  const clients: TestClient[] = [];
  const connect = async (url: string, name: string, options: { invite?: Uint8Array } = {}): Promise<TestClient> => {
    const c = await connectClient(url, { name, key: generateKey(), ...options });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await startRelayCluster(3, { leaseTtlMs: 20_000 });
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await cluster?.close();
  });

  it('a move and a sign-in made while NATS was away are on every relay right after the reconnect, nobody flickers', async () => {
    const w = await cluster.writer();
    const [r1, r2, r3] = cluster.relays as [typeof w, typeof w, typeof w];
    const admin = await connect(w.relay.wsUrl, 'Admin', { invite: w.relay.bootstrapInvite! });
    const known = cluster.relays.filter((r) => r !== w).map((r) => waitForEvent(r.relay, 'tree-changed', (e) => e.rooms.includes('stage'), WAIT_MS));
    const editor = new OpClient(admin);
    await editor.sync();
    const made = await editor.run({ kind: 'room.create', args: { roomId: 'stage', name: 'Stage', parentId: ROOT_ID, index: 0, description: '', userLimit: 0 } });
    expect(made.code).toBe(ErrorCode.UNSPECIFIED);
    await Promise.all(known);

    // Ana watches on relay 1, Cy on relay 3; Bo is on relay 2. Each sees the others first.
    const ana = await connect(r1.relay.wsUrl, 'Ana');
    const cy = await connect(r3.relay.wsUrl, 'Cy');
    const boKey = generateKey();
    const boHex = hex(rawPublicKeyOf(boKey));
    const boSeen = [ana, cy].map((c) => c.next('userJoined', (u) => hex(u.user?.publicKey) === boHex, WAIT_MS));
    const bo = await connectClient(r2.relay.wsUrl, { name: 'Bo', key: boKey });
    clients.push(bo);
    const [boOnAna, boOnCy] = (await Promise.all(boSeen)).map((u) => u.user!.sessionId);
    const anaHex = hex(rawPublicKeyOf(ana.key));
    const anaOnBo = bo.roster.find((u) => hex(u.publicKey) === anaHex)?.sessionId ?? (await bo.next('userJoined', (u) => hex(u.user?.publicKey) === anaHex, WAIT_MS)).user!.sessionId;

    // NATS away: every relay notices.
    const down = cluster.relays.map((r) => waitForEvent(r.relay, 'cluster-role', (e) => e.role === 'unavailable', WAIT_MS));
    await cluster.nats.stop();
    await Promise.all(down);

    // Meanwhile Bo moves to the stage on relay 2 and Dee signs in to relay 3 (both local: no NATS needed).
    await bo.join('stage');
    const dee = await connect(r3.relay.wsUrl, 'Dee');
    const deeHex = hex(rawPublicKeyOf(dee.key));

    // Back: wait for every relay to be on NATS again, then for what changed.
    const up = cluster.relays.map((r) => waitForEvent(r.relay, 'cluster-role', (e) => e.role !== 'unavailable', 30_000));
    await cluster.nats.start();
    await Promise.all(up);
    const moved = [ana, cy].map((c, i) => c.next('userUpdated', (u) => u.user?.sessionId === [boOnAna, boOnCy][i] && u.user.roomId === 'stage', WAIT_MS));
    const deeShown = [ana, bo].map((c) => c.next('userJoined', (u) => hex(u.user?.publicKey) === deeHex, WAIT_MS));
    await Promise.all([...moved, ...deeShown]);

    // Nobody was dropped meanwhile: Bo kept the id each watcher showed him under; Ana never left Bo's view.
    for (const [c, id] of [[ana, boOnAna], [cy, boOnCy], [bo, anaOnBo]] as const) {
      expect(c.socket.received.some((m) => m.case === 'userLeft' && m.value.sessionId === id)).toBe(false);
    }
  });
});
