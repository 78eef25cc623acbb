/**
 * Kicks and moves of users on another relay, and a failed-over user shown
 * once (relay/cluster/remote-moderation.ts, presence-sync.ts dedupe): three
 * real relays on one real nats-server. The relay receiving the request
 * judges it as for a local user (same codes, same deciding rule); the
 * holder acts (KICKED, a move with the same events as a local one); a stale
 * session is UNKNOWN_USER; with NATS stopped, or on a relay cut off from
 * it, the answer is CLUSTER_UNAVAILABLE. The lease TTL is long (presence keys live 3 × 20 s),
 * so a user shown once after a relay was cut off is the dedupe, not expiry.
 * Every wait is for an event a client or relay emits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_ID } from '../../../crdt/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import type { User } from '../../../proto/index.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { ConnectOptions, TestClient } from '../../helpers/relay-client.ts';
import { adminRequest } from '../../helpers/invites.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('hex');
const WAIT_MS = 15_000;

describe.runIf(hasNatsServer)('moderation of users on other relays', () => {
  let cluster: RelayCluster;
  const clients: TestClient[] = [];
  const adminKey = generateKey();
  /** The writer, the other relay that stays, the relay that is cut off. */
  let w: StartedRelay, a: StartedRelay, d: StartedRelay;
  let admin: TestClient;

  async function connect(r: StartedRelay, options: Partial<ConnectOptions> = {}): Promise<TestClient> {
    const c = await connectClient(r.relay.wsUrl, { name: 'User', ...options });
    clients.push(c);
    return c;
  }
  /** Connects a user on `r` and resolves once `watcher` sees them, with the id `watcher`'s relay shows them under. */
  async function shown(watcher: TestClient, r: StartedRelay, name: string, key = generateKey()): Promise<{ client: TestClient; id: number; key: typeof key }> {
    const keyHex = hex(rawPublicKeyOf(key));
    const seen = watcher.next('userJoined', (u) => hex(u.user?.publicKey) === keyHex, WAIT_MS);
    const client = await connect(r, { name, key });
    return { client, id: (await seen).user!.sessionId, key };
  }
  const entriesOf = (roster: readonly User[], keyHex: string): number => roster.filter((u) => hex(u.publicKey) === keyHex).length;

  beforeAll(async () => {
    cluster = await startRelayCluster(3, { leaseTtlMs: 20_000 });
    w = await cluster.writer();
    [a, d] = cluster.relays.filter((r) => r !== w) as [StartedRelay, StartedRelay];
    admin = await connect(w, { name: 'Admin', key: adminKey, invite: w.relay.bootstrapInvite! });
    // A second room, known on every relay before anyone is moved into it.
    const known = [a, d].map((r) => waitForEvent(r.relay, 'tree-changed', (e) => e.rooms.includes('stage'), WAIT_MS));
    const editor = new OpClient(admin);
    await editor.sync();
    const made = await editor.run({ kind: 'room.create', args: { roomId: 'stage', name: 'Stage', parentId: ROOT_ID, index: 0, description: '', userLimit: 0 } });
    expect(made.code).toBe(ErrorCode.UNSPECIFIED);
    await Promise.all(known);
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await cluster?.close();
  });

  it("an admin's kick of a user on another relay closes that user's session with KICKED", async () => {
    const target = await shown(admin, a, 'Loud');
    const kicked = target.client.next('error', () => true, WAIT_MS);
    const gone = admin.next('userLeft', (u) => u.sessionId === target.id, WAIT_MS);
    // The longest reason there is (200 code points, 400 UTF-16 units) crosses whole.
    const reason = `spam ${'😀'.repeat(195)}`;
    const result = await adminRequest(admin, { case: 'kick', value: { sessionId: target.id, reason } });
    expect(result.code).toBe(ErrorCode.UNSPECIFIED);
    const error = await kicked;
    expect(error.code).toBe(ErrorCode.KICKED);
    expect(error.message).toBe(`kicked: ${reason}`);
    await gone;
  });

  it('a move of a user on another relay moves them there: they and the admin see the room change', async () => {
    const target = await shown(admin, d, 'Mover');
    const self = target.client.next('userUpdated', (u) => u.user?.sessionId === target.client.sessionId && u.user.roomId === 'stage', WAIT_MS);
    const seen = admin.next('userUpdated', (u) => u.user?.sessionId === target.id && u.user.roomId === 'stage', WAIT_MS);
    const result = await adminRequest(admin, { case: 'moveUser', value: { sessionId: target.id, roomId: 'stage' } });
    expect(result.code).toBe(ErrorCode.UNSPECIFIED);
    await Promise.all([self, seen]);
    // To a room that does not exist: the same code as for a local user.
    const nowhere = await adminRequest(admin, { case: 'moveUser', value: { sessionId: target.id, roomId: 'no-such-room' } });
    expect(nowhere.code).toBe(ErrorCode.UNKNOWN_ROOM);
  });

  it('a guest is refused a remote kick and move exactly as a local one (code and deciding rule); an unknown id is UNKNOWN_USER', async () => {
    const guest = await connect(w, { name: 'Guest' });
    const local = await shown(guest, w, 'Local');
    const remote = await shown(guest, a, 'Remote');
    const answers = await Promise.all(
      [local.id, remote.id].flatMap((sessionId) => [
        adminRequest(guest, { case: 'kick', value: { sessionId, reason: '' } }),
        adminRequest(guest, { case: 'moveUser', value: { sessionId, roomId: 'stage' } }),
      ]),
    );
    const [localKick, localMove, remoteKick, remoteMove] = answers.map((r) => ({ code: r.code, message: r.message, denial: r.denial }));
    expect(localKick!.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(remoteKick).toEqual(localKick);
    expect(remoteMove).toEqual(localMove);
    expect(localMove!.code).not.toBe(ErrorCode.UNSPECIFIED);
    expect((await adminRequest(admin, { case: 'kick', value: { sessionId: 2 ** 30 + 99_999, reason: '' } })).code).toBe(ErrorCode.UNKNOWN_USER);
  });

  it('a user who moved off a relay cut from NATS is listed once at once; a stale session there is UNKNOWN_USER', async () => {
    const watcherA = await connect(a, { name: 'Watcher A' });
    const key = generateKey();
    const keyHex = hex(rawPublicKeyOf(key));
    const seenOnA = watcherA.next('userJoined', (u) => hex(u.user?.publicKey) === keyHex, WAIT_MS);
    const moving = await shown(admin, d, 'Failing over', key);
    const idOnA = (await seenOnA).user!.sessionId;
    const stale = await shown(admin, d, 'Left behind');
    // As if d died: its NATS connection is cut, its presence keys stay in the bucket (for 60 s).
    await d.relay.cluster!.abort();
    await moving.client.close();
    const goneOnW = admin.next('userLeft', (u) => u.sessionId === moving.id, WAIT_MS);
    const goneOnA = watcherA.next('userLeft', (u) => u.sessionId === idOnA, WAIT_MS);
    // The user reconnects to a: w sees the new entry, and both w and a drop d's at once.
    const again = await shown(admin, a, 'Failing over', key);
    expect(again.id).not.toBe(moving.id);
    await Promise.all([goneOnW, goneOnA]);
    const lateW = await connect(w, { name: 'Late W' });
    const lateA = await connect(a, { name: 'Late A' });
    expect([entriesOf(lateW.roster, keyHex), entriesOf(lateA.roster, keyHex)]).toEqual([1, 1]);
    // The user left on the cut-off relay: nobody answers for that session, so it is stale.
    const kick = await adminRequest(admin, { case: 'kick', value: { sessionId: stale.id, reason: '' } });
    expect(kick.code).toBe(ErrorCode.UNKNOWN_USER);
  });

  it('with NATS stopped, or on a relay cut off from it, a kick of a user on another relay is CLUSTER_UNAVAILABLE and changes nothing', async () => {
    const target = await shown(admin, a, 'Out of reach');
    const onA = await connect(a, { name: 'Admin on a', key: adminKey });
    const farAway = await shown(onA, w, 'Far away');
    await cluster.nats.stop();
    try {
      const result = await adminRequest(admin, { case: 'kick', value: { sessionId: target.id, reason: '' } });
      expect(result.code).toBe(ErrorCode.CLUSTER_UNAVAILABLE);
      expect(target.client.socket.isOpen).toBe(true);
    } finally {
      await cluster.nats.start();
    }
    // Relay a's connection closed for good (as if it were partitioned and gave up).
    await a.relay.cluster!.abort();
    const result = await adminRequest(onA, { case: 'kick', value: { sessionId: farAway.id, reason: '' } });
    expect(result.code).toBe(ErrorCode.CLUSTER_UNAVAILABLE);
    expect(farAway.client.socket.isOpen).toBe(true);
  });
});
