/**
 * Several real relays (in this process, port 0, temp data dirs) serving one
 * organisation through a real nats-server (nats-server.ts): the same cluster
 * name and the same organisation key file.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RelayOptions } from '../../relay/index.ts';
import { freePort } from './free-port.ts';
import { startNatsServer } from './nats-server.ts';
import type { NatsServer } from './nats-server.ts';
import { startRelay } from './start-relay.ts';
import type { StartedRelay } from './start-relay.ts';

/** A NATS server and the relays of one cluster on it. */
export interface RelayCluster {
  readonly nats: NatsServer;
  readonly name: string;
  readonly keyFile: string;
  readonly relays: StartedRelay[];
  /** Starts one more relay of the cluster (`id`: its relay id), reaching NATS at `servers` (default: the server itself). */
  add(id: string, options?: Partial<RelayOptions>, servers?: readonly string[]): Promise<StartedRelay>;
  /** Resolves with the relay that is the writer once exactly one running relay is. */
  writer(among?: readonly StartedRelay[]): Promise<StartedRelay>;
  close(): Promise<void>;
}

/**
 * Starts NATS and `count` relays r1..rN; `leaseTtlMs` short so failover tests are quick.
 * `reachableUrls`: each relay listens on a port chosen up front and advertises its real
 * `ws://127.0.0.1:PORT/ws` (clients can be steered to it); otherwise a URL nobody reaches.
 */
export async function startRelayCluster(count: number, options: { leaseTtlMs?: number; requestTimeoutMs?: number; stateBatchMax?: number; relay?: Partial<RelayOptions>; reachableUrls?: boolean } = {}): Promise<RelayCluster> {
  const nats = await startNatsServer();
  const dir = await mkdtemp(join(tmpdir(), 'parley-org-'));
  const keyFile = join(dir, 'org-key.pem');
  await writeFile(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const name = `t${randomBytes(4).toString('hex')}`;
  const relays: StartedRelay[] = [];
  const add = async (id: string, extra: Partial<RelayOptions> = {}, servers: readonly string[] = [nats.url]): Promise<StartedRelay> => {
    const port = options.reachableUrls ? await freePort() : 0;
    const r = await startRelay({
      guests: 'allow',
      signatureThreads: 0,
      ...options.relay,
      ...extra,
      ...(port ? { port } : {}),
      // Without reachableUrls, a public URL nobody connects to: what the relay list carries (in-process relays learn their port only once listening).
      cluster: { servers, name, relayId: id, keyFile, leaseTtlMs: options.leaseTtlMs ?? 1_500, requestTimeoutMs: options.requestTimeoutMs ?? 2_000, publicUrl: port ? `ws://127.0.0.1:${port}/ws` : `ws://${id}.invalid/ws`, ...(options.stateBatchMax ? { stateBatchMax: options.stateBatchMax } : {}) },
    });
    relays.push(r);
    return r;
  };
  for (let i = 1; i <= count; i++) await add(`r${i}`);
  return {
    nats,
    name,
    keyFile,
    relays,
    add,
    writer(among = relays) {
      // Decided by the relays' `cluster-role` events, not by polling.
      return new Promise<StartedRelay>((resolve, reject) => {
        const check = (): void => {
          const writers = among.filter((r) => r.relay.cluster?.role === 'writer');
          if (writers.length !== 1) return;
          done();
          resolve(writers[0]!);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no single writer among ${among.map((r) => `${r.relay.cluster?.relayId}:${r.relay.cluster?.role}`).join(', ')}`));
        }, 20_000);
        const done = (): void => {
          clearTimeout(timer);
          for (const r of among) r.relay.off('cluster-role', check);
        };
        for (const r of among) r.relay.on('cluster-role', check);
        check();
      });
    },
    async close() {
      for (const r of relays) await r.cleanup().catch(() => {});
      await nats.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
