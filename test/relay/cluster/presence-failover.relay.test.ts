/**
 * A user of a relay killed with SIGKILL reconnects to another relay and is
 * listed once, at once, by a third (presence-sync.ts dedupe, decision D122).
 * Relays 1 and 2 in this process, relay 3 the real entry point
 * (relay/main.ts) in a child process, real nats-server. The presence bucket
 * is made by relay 1 with keys living 3 × 20 s, so the dead relay's entry
 * going away within the test's waits is the probe, not expiry.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { spawnRelayMain } from '../../helpers/relay-main.ts';
import type { RelayMain } from '../../helpers/relay-main.ts';
import { makeDataDir } from '../../helpers/start-relay.ts';

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('hex');
const WAIT_MS = 20_000;

describe.runIf(hasNatsServer)('presence after a relay is killed with SIGKILL', () => {
  let cluster: RelayCluster;
  let dataDir: string;
  let child: RelayMain | undefined;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startRelayCluster(2, { leaseTtlMs: 20_000 });
    await cluster.writer();
    dataDir = await makeDataDir();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    child?.kill();
    await cluster?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('the user who reconnects to relay 2 is listed once on relay 1, without waiting for the dead relay\'s keys to expire', async () => {
    const [r1, r2] = cluster.relays;
    child = spawnRelayMain([
      '--port', '0', '--host', '127.0.0.1', '--data', dataDir, '--guests', 'allow', '--voice-workers', '0',
      '--cluster', cluster.nats.url, '--cluster-name', cluster.name, '--cluster-key', cluster.keyFile, '--cluster-relay-id', 'r3',
    ]);
    const url = (await child.waitFor(/Parley relay listening: (http:\/\/\S+)/, 60_000))[1]!;
    const watcher = await connectClient(r1!.relay.wsUrl, { name: 'Watcher', key: generateKey() });
    clients.push(watcher);
    const key = generateKey();
    const keyHex = hex(rawPublicKeyOf(key));
    const seen = watcher.next('userJoined', (u) => hex(u.user?.publicKey) === keyHex, WAIT_MS);
    const onDead = await connectClient(`${url.replace('http', 'ws')}ws`, { name: 'Ana', key, timeoutMs: WAIT_MS });
    const oldId = (await seen).user!.sessionId;

    child.kill('SIGKILL');
    await onDead.socket.closed;
    const left = watcher.next('userLeft', (u) => u.sessionId === oldId, WAIT_MS);
    const back = watcher.next('userJoined', (u) => hex(u.user?.publicKey) === keyHex, WAIT_MS);
    const again = await connectClient(r2!.relay.wsUrl, { name: 'Ana', key });
    clients.push(again);
    const newId = (await back).user!.sessionId;
    await left;
    expect(newId).not.toBe(oldId);
    const late = await connectClient(r1!.relay.wsUrl, { name: 'Late', key: generateKey() });
    clients.push(late);
    expect(late.roster.filter((u) => hex(u.publicKey) === keyHex).map((u) => u.sessionId)).toEqual([newId]);
  });
});
