/**
 * Chat benchmark: one relay in this process, real sockets, real LevelDB in a
 * temp folder. Measures
 *   - accepted posts per second from 4 senders into one room, each post
 *     verified (node:crypto Ed25519), written, acked and fanned out to 20 readers;
 *   - post round trip (send -> own ack) p50/p99 under that load;
 *   - accepted posts per second from one sender keeping 50 in flight (20 readers online);
 *   - history page (50 messages) round trip p50/p99 with 5,000 messages stored;
 *   - client-side verification rate with @noble/ed25519 (what a browser does per shown message).
 * Prints one JSON object on stdout.
 *
 *   npm run bench:chat
 */
import { performance } from 'node:perf_hooks';
import * as ed from '@noble/ed25519';
import { chatSigningBytes } from '../../proto/index.ts';
import { chat, history, room, sendItem, signedItem } from '../../test/helpers/chat.ts';
import { connectClient } from '../../test/helpers/relay-client.ts';
import type { TestClient } from '../../test/helpers/relay-client.ts';
import { startRelay } from '../../test/helpers/start-relay.ts';

const SENDERS = 4;
const READERS = 20;
const POSTS_PER_SENDER = 500;
const HISTORY_FILL = 5000;
const HISTORY_PAGES = 200;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const relay = await startRelay({
    chat: { burst: 1e9, perSecond: 1e9, maxMessages: 100_000 },
    limits: { controlBurst: 1e9, controlPerSecond: 1e9 },
  });
  const clients: TestClient[] = [];
  try {
    const senders = await Promise.all(Array.from({ length: SENDERS }, (_, i) => connectClient(relay.relay.wsUrl, { name: `s${i}` })));
    const readers = await Promise.all(Array.from({ length: READERS }, (_, i) => connectClient(relay.relay.wsUrl, { name: `r${i}` })));
    clients.push(...senders, ...readers);
    let delivered = 0;
    for (const r of readers) r.socket.tap((m) => void (m.case === 'chatEvent' && delivered++));

    // Throughput and post round trip: each sender keeps one post in flight (as the client's outbox does).
    const rtts: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      senders.map(async (s) => {
        for (let i = 0; i < POSTS_PER_SENDER; i++) {
          const item = signedItem(s, { target: room('lobby'), text: `message ${i} from ${s.name}` });
          const start = performance.now();
          await sendItem(s, item);
          rtts.push(performance.now() - start);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const posts = SENDERS * POSTS_PER_SENDER;
    const expected = posts * READERS;
    while (delivered < expected) await readers[0]!.ping();

    // History pages with a fuller room.
    const filler = senders[0]!;
    const fillStart = performance.now();
    for (let i = 0; i < HISTORY_FILL; i += 50) {
      // 50 in flight at a time, each awaited: a pipelined sender, as fast as the relay acks.
      await Promise.all(Array.from({ length: 50 }, (_, j) => sendItem(filler, signedItem(filler, { target: room('quiet'), text: `q${i + j}` }))));
    }
    const pipelinedPostsPerSec = HISTORY_FILL / ((performance.now() - fillStart) / 1000);
    await chat(filler, { target: room('quiet'), text: 'last' });
    const reader = readers[0]!;
    const pages: number[] = [];
    let before = 0n;
    for (let i = 0; i < HISTORY_PAGES; i++) {
      const start = performance.now();
      const page = await history(reader, room('quiet'), before);
      pages.push(performance.now() - start);
      before = page.hasMore ? page.messages[0]!.seq : 0n;
    }

    // Browser-side verification cost (noble), per message shown.
    const secret = ed.utils.randomSecretKey();
    const pub = await ed.getPublicKeyAsync(secret);
    const msg = chatSigningBytes({ relayKey: new Uint8Array(32), action: 1, id: new Uint8Array(16), authorKey: pub, target: { kind: 'room', roomId: 'lobby' }, clientTimeMs: 1n, refId: new Uint8Array(16), text: 'x'.repeat(200) });
    const sig = await ed.signAsync(msg, secret);
    const n = 300;
    const v0 = performance.now();
    for (let i = 0; i < n; i++) await ed.verifyAsync(sig, msg, pub);
    const nobleVerifyPerSec = n / ((performance.now() - v0) / 1000);

    console.log(
      JSON.stringify({
        bench: 'chat',
        senders: SENDERS,
        readers: READERS,
        postsAcceptedPerSec: round(posts / seconds, 0),
        eventsDeliveredPerSec: round(expected / seconds, 0),
        pipelinedPostsPerSecOneSender: round(pipelinedPostsPerSec, 0),
        postRoundTripMs: { p50: round(percentile(rtts, 50)), p99: round(percentile(rtts, 99)) },
        historyPage50Ms: { storedMessages: HISTORY_FILL + 1, p50: round(percentile(pages, 50)), p99: round(percentile(pages, 99)) },
        nobleVerifyPerSec: round(nobleVerifyPerSec, 0),
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await relay.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
