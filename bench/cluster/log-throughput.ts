/**
 * Ops/s through the cluster's shared log (issue 17's goal: ≥ 5,000/s): two
 * real relays on a real nats-server (test/helpers/relay-cluster.ts), the
 * bench's unlimited op budget. Signed renames (signed beforehand) go in
 * frames of 128, up to 8 frames in flight, once to the writer (validate,
 * append to JetStream, wait for its ack, synced LevelDB write, answer) and
 * once to the follower (the same, plus forwarding over NATS request/reply
 * and waiting until the follower holds the entry). Lease TTL and request
 * timeout are the production defaults (5 s); on a box so loaded that an
 * append takes longer, ops are answered CLUSTER_UNAVAILABLE and the run
 * stops with that error rather than report a figure. Counted from the first
 * send to the last verdict; `followerCaughtUpMs` is how long after the last
 * writer verdict the follower held the whole log. BENCH_DEBUG=1 prints the
 * relays' last log lines when a run fails.
 */
import { performance } from 'node:perf_hooks';
import type { OpIntent, SignedOp } from '../../crdt/index.ts';
import { submitAll } from '../../test/helpers/op-burst.ts';
import { signOp } from '../../test/helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../test/helpers/relay-client.ts';
import { startRelayCluster } from '../../test/helpers/relay-cluster.ts';
import { waitForEvent } from '../../test/helpers/start-relay.ts';

const ROOMS = 200;
const unlimited = { controlBurst: 1e9, controlPerSecond: 1e9, opBurst: 1e9, opPerSecond: 1e9, maxRateLimitedFrames: 1e9 };

/** What {@link logThroughput} measures. */
export interface LogThroughput {
  readonly writerOpsPerSec: number;
  readonly forwardedOpsPerSec: number;
  readonly followerCaughtUpMs: number;
  /** Entries in the log at the end (one per group-commit batch). */
  readonly logEntries: number;
}

/** Runs the measurement with `renames` ops on each path (default 20,000). */
export async function logThroughput(renames = 20_000): Promise<LogThroughput> {
  const cluster = await startRelayCluster(2, { leaseTtlMs: 5_000, requestTimeoutMs: 5_000, relay: { limits: unlimited } });
  try {
    const writer = await cluster.writer();
    const follower = cluster.relays.find((r) => r !== writer)!;
    const key = generateKey();
    const author = rawPublicKeyOf(key);
    // The same key on both relays (each relay's bootstrap invite makes it admin there); sequence ranges apart, as two devices.
    const onWriter = await connectClient(writer.relay.wsUrl, { name: 'Bench', key, invite: writer.relay.bootstrapInvite!, timeoutMs: 120_000 });
    const onFollower = await connectClient(follower.relay.wsUrl, { name: 'Bench', key, invite: follower.relay.bootstrapInvite!, timeoutMs: 120_000 });
    let seqW = 0;
    let seqF = 10_000_000;
    const signW = (intent: OpIntent) => signOp(key, onWriter.hello.relayPublicKey, ++seqW, intent, undefined, author);
    const signF = (intent: OpIntent) => signOp(key, onWriter.hello.relayPublicKey, ++seqF, intent, undefined, author);
    await submitAll(onWriter, Array.from({ length: ROOMS }, (_, i) => signW({ kind: 'room.create', args: { roomId: `b${i}`, parentId: 'root', name: `Room ${i}`, index: i, description: '', userLimit: 0 } })));
    // Signed in slices, yielding between them: the relays share this process, and a long synchronous run would starve their lease renewals.
    const rename = async (sign: typeof signW, tag: string): Promise<SignedOp[]> => {
      const out: SignedOp[] = [];
      for (let i = 0; i < renames; i++) {
        out.push(sign({ kind: 'room.rename', args: { roomId: `b${i % ROOMS}`, name: `${tag} ${i}` } }));
        if (i % 250 === 249) await new Promise((r) => setImmediate(r));
      }
      return out;
    };
    const viaWriter = await rename(signW, 'W');
    const viaFollower = await rename(signF, 'F');

    const writerMs = await submitAll(onWriter, viaWriter);
    const end = performance.now();
    const headSeq = (await writer.relay.cluster!.status()).streamSeq ?? 0;
    if ((await follower.relay.cluster!.status()).logSeq < headSeq) {
      await waitForEvent(follower.relay, 'cluster-applied', (e) => e.logSeq >= headSeq, 120_000);
    }
    const followerCaughtUpMs = performance.now() - end;
    const forwardedMs = await submitAll(onFollower, viaFollower);
    const logEntries = (await writer.relay.cluster!.status()).streamSeq ?? 0;
    await onWriter.close();
    await onFollower.close();
    return {
      writerOpsPerSec: Math.round((renames / writerMs) * 1000),
      forwardedOpsPerSec: Math.round((renames / forwardedMs) * 1000),
      followerCaughtUpMs: Math.round(followerCaughtUpMs),
      logEntries,
    };
  } catch (e) {
    if (process.env.BENCH_DEBUG) for (const r of cluster.relays) console.error(r.logs.filter((l) => !l.includes('op verdict') && !l.startsWith('debug')).slice(-20).join('\n'));
    throw e;
  } finally {
    await cluster.close();
  }
}
