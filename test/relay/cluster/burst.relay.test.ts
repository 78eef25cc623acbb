/**
 * A burst of ops at the writer, frames of 128 with 8 in flight, while the
 * writer's own log follower delivers the entries it just appended: every op
 * is accepted once and is in the log, and the follower relay ends with the
 * same tree. (Before tree-service's applyLog waited for the writer's own
 * batches, its own entry could be taken as another relay's and ride with
 * local ops, which were then answered without being in the log, and the next
 * append was refused.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { OpIntent } from '../../../crdt/index.ts';
import { ROOT_ID } from '../../../crdt/index.ts';
import { submitAll } from '../../helpers/op-burst.ts';
import { OpClient, signOp } from '../../helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';

const unlimited = { controlBurst: 1e9, controlPerSecond: 1e9, opBurst: 1e9, opPerSecond: 1e9, maxRateLimitedFrames: 1e9 };
const shape = (c: OpClient): string[] => [...c.rooms().values()].map((r) => `${r.id}:${r.name}@${r.parent}`).sort();

describe.runIf(hasNatsServer)('a burst of ops at the writer', () => {
  let cluster: RelayCluster | undefined;
  afterAll(async () => {
    await cluster?.close();
  });

  it('every op is accepted and in the log; the follower ends with the same tree', async () => {
    cluster = await startRelayCluster(2, { leaseTtlMs: 5_000, relay: { limits: unlimited } });
    const writer = await cluster.writer();
    const follower = cluster.relays.find((r) => r !== writer)!;
    const key = generateKey();
    const author = rawPublicKeyOf(key);
    const c = await connectClient(writer.relay.wsUrl, { name: 'Burst', key, invite: writer.relay.bootstrapInvite!, timeoutMs: 60_000 });
    let seq = 0;
    const sign = (intent: OpIntent) => signOp(key, c.hello.relayPublicKey, ++seq, intent, undefined, author);
    const ops = [
      ...Array.from({ length: 50 }, (_, i) => sign({ kind: 'room.create', args: { roomId: `b${i}`, parentId: ROOT_ID, name: `Room ${i}`, index: i, description: '', userLimit: 0 } })),
      ...Array.from({ length: 2_000 }, (_, i) => sign({ kind: 'room.rename', args: { roomId: `b${i % 50}`, name: `Room ${i % 50} v${i}` } })),
    ];
    // Rejects on any refusal (CLUSTER_UNAVAILABLE included).
    await submitAll(c, ops);
    await c.close();
    const w = new OpClient(await connectClient(writer.relay.wsUrl, { name: 'W', key: generateKey() }));
    const f = new OpClient(await connectClient(follower.relay.wsUrl, { name: 'F', key: generateKey() }));
    await w.sync();
    await f.sync();
    expect(w.rooms().get('b49')?.name).toBe('Room 49 v1999');
    await expect.poll(() => shape(f), { timeout: 10_000 }).toEqual(shape(w));
    await w.client.close();
    await f.client.close();
  });
});
