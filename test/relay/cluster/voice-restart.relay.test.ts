/**
 * A relay killed with SIGKILL and started again: the other relay still holds
 * its end of the old link (nothing closed it), so the restarted relay rings
 * and voice crosses again on a new link. Relay 1 in this process, relay 2 the
 * real entry point (relay/main.ts) in a child process, real nats-server.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDownlink, encodeVoice } from '../../../proto/index.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { spawnRelayMain } from '../../helpers/relay-main.ts';
import type { RelayMain } from '../../helpers/relay-main.ts';
import { makeDataDir, waitForEvent } from '../../helpers/start-relay.ts';

const voice = (seq: number): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: new Uint8Array([seq & 0xff, 1, 2, 3]) });

describe.runIf(hasNatsServer)('voice across relays after a relay is killed and restarted', () => {
  let cluster: RelayCluster;
  let dataDir: string;
  const children: RelayMain[] = [];
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startRelayCluster(1, { relay: { limits: { maxDatagramAgeMs: 0 } } });
    dataDir = await makeDataDir();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const c of children) c.kill();
    await cluster?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Starts relay 2 (the entry point, same data folder each time) and returns its WebSocket URL. */
  async function startRelay2(): Promise<{ child: RelayMain; wsUrl: string }> {
    const child = spawnRelayMain([
      '--port', '0', '--host', '127.0.0.1', '--data', dataDir, '--guests', 'allow', '--voice-workers', '0',
      '--cluster', cluster.nats.url, '--cluster-name', cluster.name, '--cluster-key', cluster.keyFile, '--cluster-relay-id', 'r2',
    ]);
    children.push(child);
    const url = (await child.waitFor(/Parley relay listening: (http:\/\/\S+)/, 60_000))[1]!;
    return { child, wsUrl: `${url.replace('http', 'ws')}ws` };
  }

  /** A client on relay 2 that relay 1's `a` sees and that sees `a`; returns it and A's id on relay 2. */
  async function listener(wsUrl: string, name: string, a: TestClient): Promise<{ client: TestClient; aThere: number }> {
    const seen = a.next('userJoined', (u) => u.user!.displayName === name, 20_000);
    const client = await connectClient(wsUrl, { name, key: generateKey(), timeoutMs: 20_000 });
    clients.push(client);
    await seen;
    const aThere = (client.roster.find((u) => u.displayName === 'A') ?? (await client.next('userJoined', (u) => u.user!.displayName === 'A')).user!).sessionId;
    await client.openVoice();
    return { client, aThere };
  }

  /** Sends frames from `a` (one per control round trip, not per timer) until `to` hears one; returns it decoded. */
  async function speakUntilHeard(a: TestClient, to: TestClient, from: number): Promise<{ sender: number; seq: number }> {
    let got: Uint8Array | undefined;
    const off = to.onDatagram((d) => void (got ??= d));
    try {
      for (let seq = from; got === undefined; seq++) {
        if (seq - from > 500) throw new Error('no frame crossed');
        a.sendDatagram(voice(seq));
        await a.ping();
      }
    } finally {
      off();
    }
    const p = decodeDownlink(got);
    if (!p.ok) throw new Error('bad frame');
    return { sender: p.value.sender, seq: p.value.seq };
  }

  it('after SIGKILL and a restart of relay 2, relay 1 links to it again and its new users hear relay 1', async () => {
    const [r1] = cluster.relays;
    const a = await connectClient(r1!.relay.wsUrl, { name: 'A', key: generateKey(), timeoutMs: 20_000 });
    clients.push(a);
    await a.openVoice();

    const firstLink = waitForEvent(r1!.relay, 'cluster-link', (e) => e.up && e.peer === 'r2', 60_000);
    const first = await startRelay2();
    const b = await listener(first.wsUrl, 'B', a);
    await firstLink;
    expect((await speakUntilHeard(a, b.client, 0)).sender).toBe(b.aThere);

    // SIGKILL: nothing closes relay 1's end of the link.
    first.child.kill('SIGKILL');
    await first.child.exited;
    const relinked = waitForEvent(r1!.relay, 'cluster-link', (e) => e.up && e.peer === 'r2', 60_000);
    const second = await startRelay2();
    const b2 = await listener(second.wsUrl, 'B2', a);
    await relinked;
    const heard = await speakUntilHeard(a, b2.client, 1_000);
    expect(heard.sender).toBe(b2.aThere);
    expect(heard.seq).toBeGreaterThanOrEqual(1_000);
  }, 180_000);
});
