/**
 * Failures of a cluster's parts, with real relays and a real nats-server:
 * the writer relay cut off abruptly in the middle of a stream of ops (its
 * lease expires, another relay takes it after reading the log to its end,
 * nothing acknowledged is lost), and NATS stopped and started again (state
 * changes refused CLUSTER_UNAVAILABLE meanwhile, every relay converges after).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT_ID } from '../../../crdt/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import type { OpResult } from '../../../proto/index.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import { OpClient } from '../../helpers/ops.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';

const create = (id: string) => ({ kind: 'room.create' as const, args: { roomId: id, name: id, parentId: ROOT_ID, index: 0, description: '', userLimit: 0 } });

/** Submits `intent` until it gets a final verdict (CLUSTER_UNAVAILABLE is not one: the client keeps the op and retries). */
async function runUntilDecided(c: OpClient, intent: ReturnType<typeof create>, onUnavailable: () => Promise<void>): Promise<OpResult> {
  const op = c.sign(intent);
  for (;;) {
    const [r] = await c.submit([op], 10_000);
    if (r!.code !== ErrorCode.CLUSTER_UNAVAILABLE) return r!;
    await onUnavailable();
  }
}

describe.runIf(hasNatsServer)('cluster failures', () => {
  let cluster: RelayCluster | undefined;
  const clients: OpClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.client.close();
    await cluster?.close();
    cluster = undefined;
  });

  async function admin(r: StartedRelay): Promise<OpClient> {
    const c = new OpClient(await connectClient(r.relay.wsUrl, { name: 'Admin', key: generateKey(), invite: r.relay.bootstrapInvite! }));
    clients.push(c);
    await c.sync();
    return c;
  }
  async function watcher(r: StartedRelay): Promise<OpClient> {
    const c = new OpClient(await connectClient(r.relay.wsUrl, { name: 'Watcher', key: generateKey() }));
    clients.push(c);
    await c.sync();
    return c;
  }

  it('the writer cut off mid-stream: another relay takes the lease and nothing acknowledged is lost', async () => {
    cluster = await startRelayCluster(3);
    const writer = await cluster.writer();
    const others = cluster.relays.filter((r) => r !== writer);
    const editor = await admin(others[0]!);
    const watch = await watcher(others[1]!);
    const acked: string[] = [];
    const nextWriter = cluster.writer(others);
    for (let i = 0; i < 30; i++) {
      // Cut the writer off in the middle of the stream, with ops in flight.
      if (i === 10) void writer.relay.cluster!.abort();
      const r = await runUntilDecided(editor, create(`room-${i}`), async () => {
        await nextWriter;
      });
      expect(r.code).toBe(ErrorCode.UNSPECIFIED);
      acked.push(`room-${i}`);
    }
    const survivor = await nextWriter;
    expect(survivor).not.toBe(writer);
    // Every acknowledged room is on the relays that remain, in the order acknowledged.
    for (const c of [editor, watch]) await expect.poll(() => acked.filter((id) => !c.rooms().has(id)), { timeout: 10_000 }).toEqual([]);
    const fresh = await watcher(others[1]!);
    expect(acked.filter((id) => !fresh.rooms().has(id))).toEqual([]);
  });

  it('NATS stopped: changes are refused CLUSTER_UNAVAILABLE; started again: the relays converge', async () => {
    cluster = await startRelayCluster(2);
    await cluster.writer();
    const [r1, r2] = cluster.relays as [StartedRelay, StartedRelay];
    const editor = await admin(r1);
    const watch = await watcher(r2);
    expect((await editor.run(create('before'))).code).toBe(ErrorCode.UNSPECIFIED);
    const down = Promise.all([r1, r2].map((r) => waitForEvent(r.relay, 'cluster-role', (e) => e.role === 'unavailable', 15_000)));
    await cluster.nats.stop();
    await down;
    const refused = await editor.run(create('while-down'));
    expect(refused.code).toBe(ErrorCode.CLUSTER_UNAVAILABLE);
    expect(editor.rooms().has('while-down')).toBe(false);
    await cluster.nats.start();
    await cluster.writer();
    const after = await runUntilDecided(editor, create('after'), () => cluster!.writer().then(() => {}));
    expect(after.code).toBe(ErrorCode.UNSPECIFIED);
    for (const c of [editor, watch]) await expect.poll(() => ['before', 'after'].filter((id) => !c.rooms().has(id)), { timeout: 15_000 }).toEqual([]);
    expect(watch.rooms().has('while-down')).toBe(false);
  });
});
