/**
 * Room placement (docs/CLUSTER.md "Room placement", D123/D124) with real
 * parts: a real nats-server, three real relays listening on the URLs they
 * advertise, real node-datachannel clients and relay links. Ana, Bo and Cy
 * enter one room through three different relays; the relays hand out one
 * room lease and steer the others' clients to its holder; each client here
 * follows the advice as the web client does (connect to the named relay with
 * the same key, join the room, close the old connection). They end on one
 * relay: voice is heard across relays while they are spread and without a
 * single cross-relay copy once they are together. Then the holder is cut off
 * as if killed (its NATS connection dropped without releasing anything, its
 * sockets closed): its users come back through the other relays (as the
 * client's failover does), its lease expires, another relay takes the room
 * and they end together again, still hearing each other. /metrics shows the
 * room leases each relay holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { decodeDownlink, encodeVoice } from '../../../proto/index.ts';
import { generateKey } from '../../helpers/relay-client.ts';
import { PlacedUsers } from '../../helpers/placement-users.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { httpGet } from '../../helpers/http-get.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';

const ROOM = 'quiet';
const WAIT_MS = 30_000;
const voice = (seq: number): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: Uint8Array.from({ length: 40 }, (_, i) => (seq + i) & 0xff) });
const range = (from: number, n: number): number[] => [...Array(n).keys()].map((i) => from + i);
const seqOf = (d: Uint8Array): number => {
  const p = decodeDownlink(d);
  return p.ok ? p.value.seq : -1;
};

describe.runIf(hasNatsServer)('room placement across relays', () => {
  let cluster: RelayCluster;
  const placed = new PlacedUsers(WAIT_MS);
  const users = placed.users;
  let seq = 0;

  /** Each user speaks a burst; every other user hears all of it. */
  async function everyoneHearsEveryone(n = 10): Promise<void> {
    for (const speaker of users) {
      const first = (seq += 1000);
      const heard = users.filter((u) => u !== speaker).map((u) => Promise.all(range(first, n).map((s) => u.client.nextDatagram((d) => seqOf(d) === s, WAIT_MS))));
      for (const s of range(first, n)) expect(speaker.client.sendDatagram(voice(s))).toBe(true);
      for (const got of await Promise.all(heard)) expect(got.map(seqOf)).toEqual(range(first, n));
    }
  }

  const crossSent = (): number => cluster.relays.reduce((sum, r) => sum + (r.relay.cluster?.voice()?.sent ?? 0), 0);
  const relayAt = (url: string): StartedRelay => cluster.relays.find((r) => r.relay.cluster && `ws://127.0.0.1:${r.relay.port}/ws` === url)!;

  async function leaseGauge(r: StartedRelay): Promise<number> {
    const reply = await httpGet(r.relay.port, '/metrics');
    const family = parsePrometheusTextFormat(reply.body).find((f) => f.name === 'parley_cluster_room_leases');
    return Number(family?.metrics[0]?.value);
  }

  beforeAll(async () => {
    cluster = await startRelayCluster(3, { reachableUrls: true, relay: { limits: { maxDatagramAgeMs: 0 } } });
    const [r1, r2, r3] = cluster.relays;
    const link = (r: StartedRelay, peer: string): Promise<unknown> => waitForEvent(r.relay, 'cluster-link', (e) => e.up && e.peer === peer, WAIT_MS);
    const linked = Promise.all([link(r1!, 'r2'), link(r1!, 'r3'), link(r2!, 'r3')]);
    for (const [name, r] of [['Ana', r1], ['Bo', r2], ['Cy', r3]] as const) await placed.add(name, generateKey(), ROOM, `ws://127.0.0.1:${r!.relay.port}/ws`);
    await linked;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(users.map((u) => u.client.close().catch(() => {})));
    await cluster?.close();
  });

  it('spread over three relays they hear each other through relay links; then they end on one relay and no frame crosses', async () => {
    // Before anyone follows the advice: three relays, voice crosses.
    expect(new Set(users.map((u) => u.url)).size).toBe(3);
    const spread = crossSent();
    await everyoneHearsEveryone();
    expect(crossSent() - spread).toBeGreaterThan(0);

    expect(await placed.settle()).toBe(2);
    const holder = relayAt(users[0]!.url);
    expect(holder.relay.cluster!.placement()!.held).toBe(1);
    expect(await leaseGauge(holder)).toBe(1);
    for (const r of cluster.relays.filter((x) => x !== holder)) expect(await leaseGauge(r)).toBe(0);

    const together = crossSent();
    await everyoneHearsEveryone();
    expect(crossSent() - together).toBe(0);
  }, 120_000);

  it('the holder cut off as if killed: its users come back elsewhere, another relay takes the room, they end together and hear each other', async () => {
    const dead = relayAt(users[0]!.url);
    const others = cluster.relays.filter((r) => r !== dead);
    await dead.relay.cluster!.abort();
    const closed = users.map((u) => u.client.socket.closed);
    await dead.stop();
    await Promise.all(closed);
    // As the client's failover does, each user goes to the next relay of its list: two to one relay, one to the other.
    const back = [others[0]!, others[0]!, others[1]!];
    await Promise.all(
      users.map(async (u, i) => {
        u.advice = null;
        await placed.connect(u, `ws://127.0.0.1:${back[i]!.relay.port}/ws`);
      }),
    );
    await placed.settle();
    const holder = relayAt(users[0]!.url);
    expect(holder).not.toBe(dead);
    expect(holder.relay.cluster!.placement()!.held).toBe(1);
    expect(await leaseGauge(holder)).toBe(1);

    const together = crossSent();
    await everyoneHearsEveryone();
    expect(crossSent() - together).toBe(0);
  }, 120_000);
});
