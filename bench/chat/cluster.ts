/**
 * Chat through a cluster's state log (relay/cluster/state-log.ts): a real
 * nats-server and two relays in this process, real sockets and LevelDB.
 * Measures, for senders on the writer relay and on the follower relay (whose
 * posts are forwarded to the writer and answered once applied there):
 *   - accepted posts per second, 4 senders each keeping one post in flight;
 *   - post round trip (send -> own ack) p50/p99;
 * and the same load on one relay alone, for the difference; the cluster both
 * with group commit (decision D136: the writer judges the requests that
 * arrived during an append into the next one) and without it
 * (`stateBatchMax: 1`, one append per request), in the same run. Prints one
 * JSON object on stdout.
 *
 *   node --import tsx bench/chat/cluster.ts
 */
import { performance } from 'node:perf_hooks';
import { room, sendItem, signedItem } from '../../test/helpers/chat.ts';
import { connectClient } from '../../test/helpers/relay-client.ts';
import type { TestClient } from '../../test/helpers/relay-client.ts';
import { startRelay } from '../../test/helpers/start-relay.ts';
import { startRelayCluster } from '../../test/helpers/relay-cluster.ts';
import { hasNatsServer } from '../../test/helpers/nats-server.ts';
import type { RelayOptions } from '../../relay/index.ts';

const SENDERS = Number(process.env.CHAT_SENDERS ?? 4);
const POSTS_PER_SENDER = 300;
const OPTIONS: Partial<RelayOptions> = { chat: { burst: 1e9, perSecond: 1e9, maxMessages: 100_000 }, limits: { controlBurst: 1e9, controlPerSecond: 1e9 } };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** Posts from SENDERS clients of `wsUrl`, one in flight each: posts/s and round trips. */
async function load(wsUrl: string): Promise<{ postsPerSec: number; rttP50Ms: number; rttP99Ms: number }> {
  const senders: TestClient[] = await Promise.all(Array.from({ length: SENDERS }, (_, i) => connectClient(wsUrl, { name: `s${i}` })));
  const rtts: number[] = [];
  const t0 = performance.now();
  try {
    await Promise.all(
      senders.map(async (s) => {
        for (let i = 0; i < POSTS_PER_SENDER; i++) {
          const item = signedItem(s, { target: room('lobby'), text: `message ${i} from ${s.name}` });
          const start = performance.now();
          const ack = await sendItem(s, item);
          if (ack.code !== 0) throw new Error(`post refused: ${ack.code} ${ack.detail}`);
          rtts.push(performance.now() - start);
        }
      }),
    );
  } finally {
    for (const s of senders) await s.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { postsPerSec: round((SENDERS * POSTS_PER_SENDER) / seconds, 0), rttP50Ms: round(percentile(rtts, 50)), rttP99Ms: round(percentile(rtts, 99)) };
}

async function main(): Promise<void> {
  if (!hasNatsServer) throw new Error('nats-server not installed (apt-get install nats-server)');
  const alone = await startRelay(OPTIONS);
  let single;
  try {
    single = await load(alone.relay.wsUrl);
  } finally {
    await alone.cleanup();
  }
  const withoutGroupCommit = await clusterLoad(1);
  const withGroupCommit = await clusterLoad(undefined);
  console.log(JSON.stringify({ bench: 'chat-cluster', senders: SENDERS, postsPerSender: POSTS_PER_SENDER, single, withoutGroupCommit, withGroupCommit }));
}

/** The load through a two-relay cluster's writer and follower; `stateBatchMax` 1: no group commit. */
async function clusterLoad(stateBatchMax: number | undefined) {
  const cluster = await startRelayCluster(2, { relay: OPTIONS, ...(stateBatchMax ? { stateBatchMax } : {}) });
  try {
    const writer = await cluster.writer();
    const follower = cluster.relays.find((r) => r !== writer)!;
    const before = writer.relay.cluster!.stateAppends();
    const onWriter = await load(writer.relay.wsUrl);
    const onFollower = await load(follower.relay.wsUrl);
    const after = writer.relay.cluster!.stateAppends();
    const appends = after.appends - before.appends;
    return { onWriter, onFollower, appends, entriesPerAppend: round((after.entries - before.entries) / Math.max(1, appends)) };
  } finally {
    await cluster.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
