/**
 * Seeded simulation of a cluster over bad links: three real relays, one real
 * nats-server, and between each relay and NATS a TCP fault proxy
 * (test/helpers/fault-proxy.ts). One seeded PRNG draws every action: a
 * client (the admin, signed in on every relay) submits a room op through a random relay, or a
 * link is delayed, cut, split (a black hole: bytes held, sockets open) or
 * healed (the held bytes arrive late, or the connections drop). The action
 * schedule depends only on the seed (printed; CLUSTER_SIM_SEED=<n> replays
 * it); the verdicts depend on real NATS timing, the checks do not:
 *
 * - every op acknowledged as applied is in the final tree of every relay;
 * - once the links heal, every relay holds the whole log and the same Yjs
 *   document (state vector and rooms): a relay that was split off, even the
 *   writer, rejoins without forking the log (a stale append is refused);
 * - each relay accepts an op again afterwards.
 *
 * Event-driven: each step waits for the op's verdict (CLUSTER_UNAVAILABLE
 * comes after the relays' request timeout when a link is split), never for a
 * fixed time.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ROOT_ID } from '../../../crdt/index.ts';
import type { OpIntent } from '../../../crdt/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { mulberry32 } from '../../../client/session/voice/seeded-random.ts';
import { startFaultProxy } from '../../helpers/fault-proxy.ts';
import type { FaultProxy } from '../../helpers/fault-proxy.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const RELAYS = 3;
const STEPS = 30;
/** Per step, before the op: the chance that a link fault happens. */
const FAULT_RATE = 0.35;

/** Resolves once `relay` is not unavailable and one of `all` is the writer (decided by their `cluster-role` events). */
function ready(relay: StartedRelay, all: readonly StartedRelay[]): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (relay.relay.cluster!.role === 'unavailable' || !all.some((r) => r.relay.cluster!.role === 'writer')) return;
      for (const r of all) r.relay.off('cluster-role', check);
      resolve();
    };
    for (const r of all) r.relay.on('cluster-role', check);
    check();
  });
}

const shape = (c: OpClient): string[] => [...c.rooms().values()].map((r) => `${r.id}:${r.name}@${r.parent}`).sort();

describe.runIf(hasNatsServer)('cluster simulation over delayed, cut and split links', () => {
  let cluster: RelayCluster | undefined;
  const proxies: FaultProxy[] = [];
  const clients: OpClient[] = [];
  const seed = Number(process.env.CLUSTER_SIM_SEED ?? 1);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`cluster simulation failed: replay with CLUSTER_SIM_SEED=${seed}`);
    for (const c of clients.splice(0)) await c.client.close();
    for (const p of proxies) p.heal('cut');
    await cluster?.close();
    for (const p of proxies.splice(0)) await p.close();
    cluster = undefined;
  });

  it(`seed ${seed}: nothing acknowledged is lost and every relay ends with the same log and document`, { timeout: 120_000 }, async () => {
    console.info(`cluster simulation: seed ${seed} (replay with CLUSTER_SIM_SEED=${seed})`);
    const rand = mulberry32(seed);
    const pick = (n: number): number => Math.floor(rand() * n);
    cluster = await startRelayCluster(0);
    const relays: StartedRelay[] = [];
    for (let i = 0; i < RELAYS; i++) {
      const proxy = await startFaultProxy(cluster.nats.port);
      proxies.push(proxy);
      relays.push(await cluster.add(`r${i + 1}`, {}, [proxy.url]));
    }
    await cluster.writer();
    // One admin (roles are shared) signed in on every relay; one sequence counter for the key, since ops go one at a time.
    const admins: OpClient[] = [];
    const adminKey = generateKey();
    let seq = 0;
    for (const r of relays) {
      const c = new OpClient(await connectClient(r.relay.wsUrl, { name: 'Admin', key: adminKey, invite: relays[0]!.relay.bootstrapInvite!, timeoutMs: 20_000 }));
      clients.push(c);
      await c.sync();
      admins.push(c);
    }

    const trace: string[] = [];
    const split = new Set<number>();
    const made: string[] = [];
    const acked = new Set<string>();
    const verdicts = new Map<string, number>();
    for (let step = 0; step < STEPS; step++) {
      if (rand() < FAULT_RATE) {
        const link = pick(RELAYS);
        const p = proxies[link]!;
        const kind = pick(4);
        if (split.has(link) && kind < 2) {
          const how = kind === 0 ? 'flush' : 'cut';
          p.heal(how);
          split.delete(link);
          trace.push(`${step} heal r${link + 1} ${how}`);
        } else if (kind === 0 || kind === 1) {
          p.partition();
          split.add(link);
          trace.push(`${step} split r${link + 1}`);
        } else if (kind === 2) {
          const ms = 5 + pick(150);
          p.delay(ms);
          trace.push(`${step} delay r${link + 1} ${ms}ms`);
        } else {
          p.cut();
          trace.push(`${step} cut r${link + 1}`);
        }
      }
      const via = pick(RELAYS);
      let intent: OpIntent;
      if (made.length === 0 || rand() < 0.6) {
        const roomId = `s${step}`;
        made.push(roomId);
        intent = { kind: 'room.create', args: { roomId, parentId: ROOT_ID, name: `Room ${step}`, index: step, description: '', userLimit: 0 } };
      } else {
        intent = { kind: 'room.rename', args: { roomId: made[pick(made.length)]!, name: `Renamed ${step}` } };
      }
      trace.push(`${step} ${intent.kind} ${(intent.args as { roomId: string }).roomId} via r${via + 1}`);
      const [result] = await admins[via]!.submit([admins[via]!.sign(intent, ++seq)], 20_000);
      const verdict = ErrorCode[result!.code] ?? String(result!.code);
      verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1);
      if (result!.code === ErrorCode.UNSPECIFIED && intent.kind === 'room.create') acked.add(intent.args.roomId);
    }
    const digest = createHash('sha256').update(trace.join('\n')).digest('hex').slice(0, 16);
    console.info(`cluster simulation: seed ${seed} schedule [actions:${trace.length}, digest:${digest}] verdicts ${JSON.stringify(Object.fromEntries(verdicts))}`);

    // Every link heals; the held bytes arrive late (a split-off writer's stale append among them).
    for (const p of proxies) {
      p.delay(0);
      p.heal('flush');
    }
    // Each relay accepts an op again: the cluster has a writer that every relay reaches.
    for (const [i, a] of admins.entries()) {
      const op = a.sign({ kind: 'room.create', args: { roomId: `after-${i}`, parentId: ROOT_ID, name: `After ${i}`, index: 0, description: '', userLimit: 0 } }, ++seq);
      let code = ErrorCode.CLUSTER_UNAVAILABLE;
      for (let attempt = 0; code === ErrorCode.CLUSTER_UNAVAILABLE; attempt++) {
        // Until this relay is connected again and some relay is the writer (their role events, not a timer).
        await ready(relays[i]!, relays);
        code = (await a.submit([op], 20_000).catch(async (e: unknown) => {
          throw new Error(`r${i + 1}: no verdict: ${JSON.stringify(await Promise.all(relays.map((r) => r.relay.cluster!.status())))}\n${relays.map((r) => r.logs.filter((l) => !l.includes('op verdict') && !l.includes('debug')).slice(-12).join('\n')).join('\n--\n')}`, { cause: e });
        }))[0]!.code;
        if (attempt === 20) throw new Error(`r${i + 1} still unavailable: ${JSON.stringify(await Promise.all(relays.map((r) => r.relay.cluster!.status())))}\n${relays[i]!.logs.slice(-30).join('\n')}`);
      }
      expect(code).toBe(ErrorCode.UNSPECIFIED);
      acked.add(`after-${i}`);
    }
    // Every relay holds the whole log.
    await expect
      .poll(async () => {
        const s = await Promise.all(relays.map((r) => r.relay.cluster!.status()));
        return s.every((x) => x.streamSeq !== null && x.logSeq === x.streamSeq);
      }, { timeout: 30_000 })
      .toBe(true);
    const seqs = new Set((await Promise.all(relays.map((r) => r.relay.cluster!.status()))).map((s) => s.logSeq));
    expect(seqs.size).toBe(1);

    const watchers: OpClient[] = [];
    for (const r of relays) {
      const w = new OpClient(await connectClient(r.relay.wsUrl, { name: 'Watcher', key: generateKey() }));
      clients.push(w);
      await w.sync();
      watchers.push(w);
    }
    const vectors = watchers.map((w) => Buffer.from(Y.encodeStateVector(w.doc)).toString('hex'));
    expect(new Set(vectors).size).toBe(1);
    const shapes = watchers.map(shape);
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
    expect([...acked].filter((id) => !watchers[0]!.rooms().has(id))).toEqual([]);
    console.info(`cluster simulation: seed ${seed} converged [log:${[...seqs][0]}, rooms:${shapes[0]!.length}, acknowledged creates:${acked.size}]`);
  });
});
