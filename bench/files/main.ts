/**
 * Files benchmark (issue 16): one file to N receivers in one room, on
 * loopback, with one relay in this process and node-datachannel peers (real
 * WebRTC stacks: SCTP over DTLS over ICE). Measures the swarm (receivers
 * fetch from whoever the tracker names, re-asking as they go) and, in the same
 * run, the relay star (every receiver fetches every chunk through the relay
 * fallback). Prints one JSON object.
 *
 * The sender super-seeds (files/super-seeder.ts): each chunk goes to
 * `--copies` linked receivers (default 1) before it refuses further requests
 * for it; `--copies 0` makes it a plain seeder (the star, for comparison).
 *
 *   npm run bench:files -- --json [--mb 100] [--receivers 10] [--copies 1]
 *
 * With `--large` it runs the 2 GiB browser-to-browser benchmark instead (large.ts).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CHAT_ID_BYTES, sha256 } from '../../proto/index.ts';
import { room, sendItem, signedItem } from '../../test/helpers/chat.ts';
import { FilePeer, buildSharedFile } from '../../test/helpers/files/index.ts';
import { connectClient } from '../../test/helpers/relay-client.ts';
import type { TestClient } from '../../test/helpers/relay-client.ts';
import { startRelay } from '../../test/helpers/start-relay.ts';
import { runLarge } from './large.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const MB = arg('mb', 100);
const RECEIVERS = arg('receivers', 10);
const COPIES = arg('copies', 1);
const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const size = MB * 1024 * 1024;
  const relay = await startRelay({
    limits: { controlBurst: 1e9, controlPerSecond: 1e9, sendBudgetBytes: 64 * 1024 * 1024, sendSoftBytes: 32 * 1024 * 1024 },
    chat: { burst: 1e9, perSecond: 1e9 },
    files: { requestBurst: 1e9, requestsPerSecond: 1e9, fallbackBytesPerSecond: 1e12, fallbackCacheBytes: size + 1024 * 1024, maxRelayWantsPerSession: 64 },
  });
  const clients: TestClient[] = [];
  const peers: FilePeer[] = [];
  try {
    const connect = async (name: string): Promise<TestClient> => {
      const c = await connectClient(relay.relay.wsUrl, { name, timeoutMs: 600_000 });
      clients.push(c);
      return c;
    };
    const sender = await connect('sender');
    const bytes = new Uint8Array(randomBytes(size));
    const id = new Uint8Array(randomBytes(CHAT_ID_BYTES));
    const file = await buildSharedFile(sender, room('lobby'), bytes, id);
    await sendItem(sender, { ...signedItem(sender, { target: room('lobby'), text: 'bench.bin', id }), file: file.manifest });
    const seed = new FilePeer(sender);
    peers.push(seed);
    seed.seed(file, { copies: COPIES });
    await sender.ping();

    // Swarm.
    const receivers = await Promise.all(Array.from({ length: RECEIVERS }, (_, i) => connect(`rx${i}`)));
    const rxPeers = receivers.map((c) => new FilePeer(c));
    peers.push(...rxPeers);
    const t0 = performance.now();
    const done = await Promise.all(
      rxPeers.map(async (p) => {
        const got = await p.download(file, { reaskEvery: 8 });
        return { ms: performance.now() - t0, ok: Buffer.from(await sha256(got)).equals(Buffer.from(file.fields.fileSha256)) };
      }),
    );
    const allCompleteMs = performance.now() - t0;
    const swarmStats = relay.relay.stats().files!;
    const relayBytes = swarmStats.relayBytesIn + swarmStats.relayBytesOut;

    // Relay star: the same file through the relay to fresh receivers (the sender uploads it once into the cache).
    const starClients = await Promise.all(Array.from({ length: RECEIVERS }, (_, i) => connect(`star${i}`)));
    const t1 = performance.now();
    const star = await Promise.all(starClients.map(async (c) => Buffer.from(await new FilePeer(c).downloadViaRelay(file)).equals(Buffer.from(bytes))));
    const relayStarMs = performance.now() - t1;

    const result = {
      bench: 'files',
      fileMB: MB,
      receivers: RECEIVERS,
      chunkKiB: file.fields.chunkSize / 1024,
      seedCopies: COPIES,
      allCorrect: done.every((d) => d.ok) && star.every(Boolean),
      allCompleteMs: Math.round(allCompleteMs),
      senderUploadRatio: round(seed.counters.uploaded / size),
      relayBytesRatio: round(relayBytes / size, 5),
      perReceiverMBps: done.map((d) => round(MB / (d.ms / 1000), 1)),
      receiverUploadRatios: rxPeers.map((p) => round(p.counters.uploaded / size, 2)),
      relayStarMs: Math.round(relayStarMs),
      relayStarSenderUploadRatio: round(seed.counters.uploadedToRelay / size),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const p of peers) p.close();
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await relay.cleanup();
  }
}

const profileAt = process.argv.indexOf('--profile');
if (process.argv.includes('--large')) await runLarge(arg('mb', 2048), profileAt >= 0 ? (process.argv[profileAt + 1] ?? null) : null);
else await main();
