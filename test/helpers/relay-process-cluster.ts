/**
 * A cluster of real relay PROCESSES (`relay/main.ts`, relay-main.ts) on one
 * real nats-server, for what needs a process: `kill -9`. Each relay gets a
 * free loopback port chosen before it starts, so its `--cluster-public-url`
 * (the URL clients fail over to) is known up front, its own data folder, the
 * same cluster name and organisation key. A killed relay restarts on the
 * same port and data folder. Readiness is the printed URL, never a sleep.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInviteFragment } from '../../proto/index.ts';
import { freePort } from './free-port.ts';
import { httpGet } from './http-get.ts';
import { startNatsServer } from './nats-server.ts';
import type { NatsServer } from './nats-server.ts';
import { spawnRelayMain } from './relay-main.ts';
import type { RelayMain } from './relay-main.ts';

/** One relay process of the cluster (restartable). */
export interface ClusterProcess {
  readonly id: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT/` (the page). */
  readonly pageUrl: string;
  /** `ws://127.0.0.1:PORT/ws` (its advertised control socket). */
  readonly wsUrl: string;
  readonly dataDir: string;
  /** The running process, or null after a kill. */
  readonly process: RelayMain | null;
  /** The bootstrap invite link this process printed (makes its first user admin on this relay), if any. */
  bootstrapLink(): Promise<string>;
  /** The bootstrap invite's bytes. */
  bootstrapInvite(): Promise<Uint8Array>;
  /** `kill -9`: resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder; resolves once it listens (it has read the log by then). */
  start(): Promise<void>;
  /** This relay's /metrics text (loopback scrape). */
  metrics(): Promise<string>;
}

/** NATS and the relay processes. */
export interface ProcessCluster {
  readonly nats: NatsServer;
  readonly name: string;
  readonly relays: readonly ClusterProcess[];
  close(): Promise<void>;
}

/** Starts NATS and `count` relay processes r1..rN (in turn, so r1 usually takes the writer lease). `extraArgs` go to every relay. */
export async function startProcessCluster(count: number, extraArgs: readonly string[] = []): Promise<ProcessCluster> {
  const nats = await startNatsServer();
  const dir = await mkdtemp(join(tmpdir(), 'parley-pcluster-'));
  const keyFile = join(dir, 'org-key.pem');
  await writeFile(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const name = `p${randomBytes(4).toString('hex')}`;
  const relays: ClusterProcess[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      const relay = makeProcess(`r${i}`, await freePort(), await mkdtemp(join(dir, `r${i}-`)), (id, port, dataDir) => [
        '--host', '127.0.0.1', '--port', String(port), '--data', dataDir,
        '--cluster', nats.url, '--cluster-name', name, '--cluster-key', keyFile, '--cluster-relay-id', id,
        '--cluster-public-url', `ws://127.0.0.1:${port}/ws`, '--guests', 'allow',
        ...extraArgs,
      ]);
      relays.push(relay);
      await relay.start();
    }
  } catch (error) {
    for (const r of relays) await r.kill();
    await nats.close();
    throw error;
  }
  return {
    nats,
    name,
    relays,
    async close() {
      for (const r of relays) await r.kill();
      await nats.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function makeProcess(id: string, port: number, dataDir: string, args: (id: string, port: number, dataDir: string) => string[]): ClusterProcess {
  let proc: RelayMain | null = null;
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  const link = async (): Promise<string> => {
    if (!proc) throw new Error(`${id} is not running`);
    return (await proc.waitFor(/(http:\/\/\S+#invite=\S+)/))[1]!.replace('localhost', '127.0.0.1');
  };
  return {
    id,
    port,
    pageUrl: `http://127.0.0.1:${port}/`,
    wsUrl,
    dataDir,
    get process() {
      return proc;
    },
    bootstrapLink: link,
    async bootstrapInvite() {
      const decoded = parseInviteFragment(new URL(await link()).hash);
      if (!decoded?.ok) throw new Error(`${id}: no invite in its bootstrap link`);
      return decoded.value;
    },
    async kill() {
      const p = proc;
      proc = null;
      if (!p) return;
      p.kill('SIGKILL');
      await p.exited;
    },
    async start() {
      if (proc) throw new Error(`${id} already runs`);
      proc = spawnRelayMain(args(id, port, dataDir));
      await proc.waitFor(new RegExp(`https?://[^\\s]+:${port}`), 60_000);
    },
    async metrics() {
      const reply = await httpGet(port, '/metrics');
      if (reply.status !== 200) throw new Error(`${id} /metrics answered ${reply.status}`);
      return reply.body;
    },
  };
}

/** The value of one sample line of a Prometheus text exposition (`name{labels}`), or undefined. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
