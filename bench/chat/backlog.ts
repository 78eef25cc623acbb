/**
 * A relay catching up on a long state-log backlog (relay/cluster/state-log.ts):
 * a real nats-server and relays in this process, real LevelDB. 50,000 chat
 * post entries are put straight into the state stream (as a writer would
 * append them), then a relay with an empty store is started and timed until
 * it serves (it reads the log to its end before it listens). Twice: entries
 * one per message (a writer without group commit), and 100 per message
 * (group-commit frames, state-batch.ts). Prints one JSON object on stdout.
 *
 *   node --import tsx bench/chat/backlog.ts
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { create } from '@bufbuild/protobuf';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { ChatAction, ChatItemSchema, ChatMessageSchema } from '../../proto/index.ts';
import { roomConversation } from '../../relay/chat/index.ts';
import { clusterNames } from '../../relay/cluster/index.ts';
import { stateNames } from '../../relay/cluster/state-log.ts';
import { encodeStateEntry } from '../../relay/cluster/state-codec.ts';
import { encodeStateBatch } from '../../relay/cluster/state-batch.ts';
import { hasNatsServer } from '../../test/helpers/nats-server.ts';
import { startRelayCluster } from '../../test/helpers/relay-cluster.ts';
import type { RelayOptions } from '../../relay/index.ts';

const ENTRIES = Number(process.env.BACKLOG_ENTRIES ?? 50_000);
const OPTIONS: Partial<RelayOptions> = { chat: { maxMessages: 1_000_000 } };
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

function postEntry(i: number): Uint8Array {
  const author = randomBytes(32);
  const item = create(ChatItemSchema, { action: ChatAction.POST, id: randomBytes(16), authorKey: author, target: { to: { case: 'roomId', value: 'lobby' } }, clientTimeMs: BigInt(Date.now()), text: `backlog message ${i}`, signature: randomBytes(64) });
  const message = create(ChatMessageSchema, { serverTimeMs: BigInt(Date.now()), authorName: 'Backlog', post: item });
  return encodeStateEntry({ kind: 'chat', change: { kind: 'post', conv: roomConversation('lobby').key, author: author.toString('hex'), message } });
}

/** Catch-up time of a new relay after ENTRIES entries, `perMessage` to a message. */
async function catchUp(perMessage: number): Promise<{ perMessage: number; messages: number; catchUpMs: number; entriesPerSec: number }> {
  const cluster = await startRelayCluster(1, { relay: OPTIONS });
  try {
    await cluster.writer();
    const nc = await connect({ servers: cluster.nats.url });
    const js = jetstream(nc);
    const subject = stateNames(clusterNames(cluster.name)).subject;
    let messages = 0;
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < ENTRIES; i += perMessage) {
      const frame = encodeStateBatch(Array.from({ length: Math.min(perMessage, ENTRIES - i) }, (_, j) => postEntry(i + j)));
      pending.push(js.publish(subject, frame));
      messages++;
      if (pending.length >= 256) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    await nc.close();
    const t0 = performance.now();
    await cluster.add('late', OPTIONS);
    const ms = performance.now() - t0;
    return { perMessage, messages, catchUpMs: round(ms, 0), entriesPerSec: round(ENTRIES / (ms / 1000), 0) };
  } finally {
    await cluster.close();
  }
}

async function main(): Promise<void> {
  if (!hasNatsServer) throw new Error('nats-server not installed (apt-get install nats-server)');
  const single = await catchUp(1);
  const batched = await catchUp(100);
  console.log(JSON.stringify({ bench: 'chat-backlog', entries: ENTRIES, single, batched }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
