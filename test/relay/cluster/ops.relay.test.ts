/**
 * What operators and clients see of a cluster, with real relays and a real
 * nats-server: the relay list clients fail over with (AuthOk.relay_urls, and
 * RelayList when a relay comes or goes), and the cluster gauges of /metrics
 * through a real scrape (peers, writer lease holder, role, log lag, NATS
 * connected), before and while NATS is stopped.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { PromFamily } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT_ID } from '../../../crdt/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { httpGet } from '../../helpers/http-get.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';

async function scrape(r: StartedRelay): Promise<PromFamily[]> {
  const reply = await httpGet(r.relay.port, '/metrics');
  expect(reply.status).toBe(200);
  return parsePrometheusTextFormat(reply.body);
}

/** The samples of `name` as `labels → value` (labels as JSON; '{}' without). */
function series(families: readonly PromFamily[], name: string): Record<string, number> {
  const family = families.find((f) => f.name === name);
  return Object.fromEntries((family?.metrics ?? []).map((m) => [JSON.stringify(m.labels ?? {}), Number(m.value)]));
}

const url = (id: string): string => `ws://${id}.invalid/ws`;

describe.runIf(hasNatsServer)('cluster relay list and metrics', () => {
  let cluster: RelayCluster | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await cluster?.close();
    cluster = undefined;
  });

  it('the sign-in reply names the live relays; a relay joining or leaving is announced to signed-in clients', async () => {
    cluster = await startRelayCluster(2);
    const [r1] = cluster.relays as [StartedRelay];
    const c = await connectClient(r1.relay.wsUrl, { name: 'Ana', key: generateKey() });
    clients.push(c);
    expect(c.authOk.relayUrls).toEqual([url('r1'), url('r2')]);
    // Only relays send relay lists: a client's is refused and changes nothing.
    c.send({ case: 'relayList', value: { urls: ['wss://evil.example/ws'] } });
    await c.next('error', (e) => e.code === ErrorCode.BAD_REQUEST);
    const other = await connectClient(r1.relay.wsUrl, { name: 'Bo', key: generateKey() });
    clients.push(other);
    expect(other.authOk.relayUrls).toEqual([url('r1'), url('r2')]);

    const joined = c.next('relayList', (l) => l.urls.includes(url('r3')), 15_000);
    const r3 = await cluster.add('r3');
    expect((await joined).urls).toEqual([url('r1'), url('r2'), url('r3')]);

    const left = c.next('relayList', (l) => !l.urls.includes(url('r3')), 15_000);
    await r3.stop();
    expect((await left).urls).toEqual([url('r1'), url('r2')]);
  });

  it('/metrics shows peers, the lease holder, the role, the log lag and the NATS connection', async () => {
    cluster = await startRelayCluster(2);
    const writer = await cluster.writer();
    const follower = cluster.relays.find((r) => r !== writer)!;
    const admin = new OpClient(await connectClient(writer.relay.wsUrl, { name: 'Admin', key: generateKey(), invite: writer.relay.bootstrapInvite! }));
    clients.push(admin.client);
    await admin.sync();
    const made = await admin.run({ kind: 'room.create', args: { roomId: 'scraped', name: 'Scraped', parentId: ROOT_ID, index: 0, description: '', userLimit: 0 } });
    expect(made.code).toBe(ErrorCode.UNSPECIFIED);

    for (const r of [writer, follower]) {
      // The follower holds the entry soon after the writer acknowledged it: lag 0 then.
      await expect.poll(async () => series(await scrape(r), 'parley_cluster_log_lag')['{}'], { timeout: 10_000 }).toBe(0);
      const m = await scrape(r);
      expect(series(m, 'parley_cluster_nats_connected')).toEqual({ '{}': 1 });
      expect(series(m, 'parley_cluster_peers')).toEqual({ '{}': 2 });
      expect(series(m, 'parley_cluster_lease_holder')).toEqual({ [JSON.stringify({ lease: 'writer', relay: writer.relay.cluster!.relayId })]: 1 });
      const role = r === writer ? 'writer' : 'follower';
      expect(series(m, 'parley_cluster_role')[JSON.stringify({ role })]).toBe(1);
      expect(series(m, 'parley_cluster_log_seq')['{}']).toBeGreaterThan(0);
    }

    const down = waitForEvent(follower.relay, 'cluster-role', (e) => e.role === 'unavailable', 15_000);
    await cluster.nats.stop();
    await down;
    const m = await scrape(follower);
    expect(series(m, 'parley_cluster_nats_connected')).toEqual({ '{}': 0 });
    expect(series(m, 'parley_cluster_role')[JSON.stringify({ role: 'unavailable' })]).toBe(1);
    // What NATS cannot answer is not shown stale: the lag is unknown, nobody is named as the holder.
    expect(series(m, 'parley_cluster_log_lag')).toEqual({ '{}': Number.NaN });
    expect(series(m, 'parley_cluster_lease_holder')).toEqual({});
    await cluster.nats.start();
  });
});
