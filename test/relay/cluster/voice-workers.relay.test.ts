/**
 * Voice between relays whose voice runs in worker processes (`voiceWorkers:
 * 2` on both; real nats-server, real relays forking real worker processes,
 * real node-datachannel clients and relay links; decisions D128): a speaker
 * on one relay's worker is heard by listeners on both workers of the other
 * relay and on the other worker of its own, exactly once per frame, one copy
 * per frame and relay pair, never in another room; deafened listeners of a
 * relay stop its copies; a SIGKILLed worker is recovered as on a single
 * relay, and its users hear and are heard across relays again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDownlink, encodeVoice } from '../../../proto/index.ts';
import { CloseCode } from '../../../relay/index.ts';
import { REMOTE_SESSION_BASE } from '../../../relay/cluster/presence-sync.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { treeRooms } from '../../helpers/ops.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const payload = (seq: number): Uint8Array => Uint8Array.from({ length: 40 }, (_, i) => (seq * 7 + i) & 0xff);
// Synthetic stamps (seq × 960) do not follow the wall clock: the age gate is off here (limits below).
const voice = (seq: number): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: payload(seq) });
const range = (from: number, n: number): number[] => [...Array(n).keys()].map((i) => from + i);

/** Every voice frame a client receives, as [seq, sender, room], from the moment it is created. */
function tape(client: TestClient): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  client.onDatagram((d) => {
    const p = decodeDownlink(d);
    if (p.ok) out.push([p.value.seq, p.value.sender, p.value.room]);
  });
  return out;
}

/** Resolves once `client` has received the frame numbered `seq`. */
function hears(client: TestClient, seq: number, timeoutMs?: number): Promise<Uint8Array> {
  return client.nextDatagram((d) => {
    const p = decodeDownlink(d);
    return p.ok && p.value.seq === seq;
  }, timeoutMs);
}

/** The worker slot holding `client`'s PeerConnection on `relay` (-1: none). */
const workerOf = (relay: StartedRelay, client: TestClient): number => relay.relay.stats().voiceWorkers.findIndex((w) => w.sessions.includes(client.sessionId));

/**
 * Connects to `url`, moves to `roomId` unless it is the lobby, and waits
 * until `watcher` (on the other relay) shows it there; returns it and the id
 * the watcher shows it under.
 */
async function join(url: string, name: string, roomId: string, watcher: TestClient, key = generateKey(), notAs = -1): Promise<{ client: TestClient; shownAs: number }> {
  const me = hex(rawPublicKeyOf(key));
  // `next` takes the first unconsumed match: an earlier session of the same key (`notAs`) does not count.
  const inRoom = (u: { user?: { publicKey: Uint8Array; roomId: string; sessionId: number } }): boolean =>
    hex(u.user!.publicKey) === me && u.user!.roomId === roomId && u.user!.sessionId !== notAs;
  const seen = roomId === 'lobby' ? watcher.next('userJoined', inRoom, 15_000) : watcher.next('userUpdated', inRoom, 15_000);
  const client = await connectClient(url, { name, key });
  if (roomId !== 'lobby') await client.join(roomId);
  return { client, shownAs: (await seen).user!.sessionId };
}

describe.runIf(hasNatsServer)('voice across relays with voice workers', () => {
  let cluster: RelayCluster;
  let r1: StartedRelay;
  let r2: StartedRelay;
  /** Relay 1, lobby: A on worker 0, A2 on worker 1. Relay 2, lobby: B on worker 0, B2 on worker 1; C on worker 1, quiet. */
  let a: TestClient;
  let a2: TestClient;
  let b: TestClient;
  let b2: TestClient;
  let c: TestClient;
  let lobby: number;
  /** How the other relay shows each user. */
  let aOnR2: number;
  let bOnR1: number;
  let b2OnR1: number;

  /** Moves `client` to `roomId`; resolves once `watcher` on the other relay shows it there. */
  async function move(client: TestClient, roomId: string, watcher: TestClient): Promise<void> {
    const seen = watcher.next('userUpdated', (u) => u.user!.displayName === client.name && u.user!.roomId === roomId, 15_000);
    await client.join(roomId);
    await seen;
  }

  beforeAll(async () => {
    cluster = await startRelayCluster(2, { relay: { voiceWorkers: 2, limits: { maxDatagramAgeMs: 0 } } });
    [r1, r2] = cluster.relays as [StartedRelay, StartedRelay];
    const linked = waitForEvent(r1.relay, 'cluster-link', (e) => e.up && e.peer === 'r2', 30_000);
    // Placement goes to the room's majority, else the least loaded worker: opening voice in 'quiet' first spreads the lobby over both.
    a = await connectClient(r1.relay.wsUrl, { name: 'A', key: generateKey() });
    await a.openVoice();
    const joinedB = await join(r2.relay.wsUrl, 'B', 'lobby', a);
    b = joinedB.client;
    bOnR1 = joinedB.shownAs;
    await b.openVoice();
    a2 = (await join(r1.relay.wsUrl, 'A2', 'quiet', b)).client;
    await a2.openVoice();
    await move(a2, 'lobby', b);
    c = (await join(r2.relay.wsUrl, 'C', 'quiet', a)).client;
    await c.openVoice();
    const joinedB2 = await join(r2.relay.wsUrl, 'B2', 'quiet', a);
    b2 = joinedB2.client;
    b2OnR1 = joinedB2.shownAs;
    await b2.openVoice();
    await move(b2, 'lobby', a);
    await linked;
    await Promise.all([r1.relay.voiceSettled(), r2.relay.voiceSettled()]);
    lobby = (await treeRooms(a)).find((r) => r.id === 'lobby')!.voiceId;
    aOnR2 = (b.roster.find((u) => u.displayName === 'A') ?? (await b.next('userJoined', (u) => u.user!.displayName === 'A', 15_000)).user!).sessionId;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a, a2, b, b2, c].map((x) => x?.close().catch(() => {})));
    await cluster?.close();
  });

  it('places the lobby on both workers of each relay, and users of the other relay on none', () => {
    expect([workerOf(r1, a), workerOf(r1, a2)]).toEqual([0, 1]);
    expect([workerOf(r2, b), workerOf(r2, b2), workerOf(r2, c)]).toEqual([0, 1, 1]);
    for (const r of [r1, r2]) for (const w of r.relay.stats().voiceWorkers) expect(w.sessions.every((s) => s < REMOTE_SESSION_BASE)).toBe(true);
  });

  it('a speaker on relay 1 is heard on both workers of relay 2 and on its own other worker, exactly once per frame, one copy per frame to relay 2, not in another room', async () => {
    const tapes = [a2, b, b2].map(tape);
    const quiet = tape(c);
    const sent1 = r1.relay.cluster!.voice()!.sent;
    const received2 = r2.relay.cluster!.voice()!.received;
    const n = 20;
    const all = Promise.all([a2, b, b2].map((x) => Promise.all(range(0, n).map((seq) => hears(x, seq)))));
    for (let seq = 0; seq < n; seq++) expect(a.sendDatagram(voice(seq))).toBe(true);
    await all;
    // A last frame after all: anything duplicated would have come before it.
    const marker = Promise.all([a2, b, b2].map((x) => hears(x, n)));
    a.sendDatagram(voice(n));
    await marker;
    const [onA2, onB, onB2] = tapes.map((t) => t.filter(([seq]) => seq <= n).sort((x, y) => x[0] - y[0]));
    expect(onA2).toEqual(range(0, n + 1).map((seq) => [seq, a.sessionId, lobby]));
    for (const got of [onB, onB2]) expect(got).toEqual(range(0, n + 1).map((seq) => [seq, aOnR2, lobby]));
    expect(quiet).toEqual([]);
    expect(r1.relay.cluster!.voice()!.sent - sent1).toBe(n + 1);
    expect(r2.relay.cluster!.voice()!.received - received2).toBe(n + 1);
    expect(r2.relay.cluster!.voice()!.dropped).toEqual({ malformed: 0, 'rate-limited': 0, 'unknown-sender': 0, 'wrong-room': 0 });
  });

  it('a speaker on relay 2 is heard on both workers of relay 1; deafened there, relay 2 sends relay 1 nothing', async () => {
    const got = Promise.all([a, a2].map((x) => Promise.all(range(100, 10).map((seq) => hears(x, seq)))));
    const sent2 = r2.relay.cluster!.voice()!.sent;
    for (let seq = 100; seq < 110; seq++) b.sendDatagram(voice(seq));
    for (const frames of await got) {
      expect(frames.map((d) => decodeDownlink(d)).map((p) => (p.ok ? [p.value.sender, p.value.room] : null))).toEqual(range(0, 10).map(() => [bOnR1, lobby]));
    }
    expect(r2.relay.cluster!.voice()!.sent - sent2).toBe(10);

    // A and A2 deafen: relay 2's workers stop handing B's frames to the links; B2, on relay 2's other worker, still hears.
    const deaf = [a, a2].map((x) => b.next('userUpdated', (u) => u.user!.displayName === x.name && u.user!.deafened, 15_000));
    for (const x of [a, a2]) x.send({ case: 'setSelfState', value: { muted: true, deafened: true } });
    await Promise.all(deaf);
    await r2.relay.voiceSettled();
    const before = r2.relay.cluster!.voice()!;
    const countA = a.datagramCount + a2.datagramCount;
    b.sendDatagram(voice(200));
    await hears(b2, 200);
    const after = r2.relay.cluster!.voice()!;
    expect(after.sent - before.sent).toBe(0);
    expect(after.unsent - before.unsent).toBe(0);
    expect(a.datagramCount + a2.datagramCount).toBe(countA);

    // Hearing again: B speaks, one frame per control round trip, until both hear (relay 2 learns of it over NATS).
    for (const x of [a, a2]) x.send({ case: 'setSelfState', value: { muted: false, deafened: false } });
    const back = Promise.all([a, a2].map((x) => hears(x, 201, 30_000)));
    let done = false;
    void back.then(() => (done = true), () => (done = true));
    while (!done) {
      b.sendDatagram(voice(201));
      await b.ping();
    }
    await back;
  });

  it('a SIGKILLed worker on relay 2: its users reconnect and hear and are heard across relays again; the other worker keeps voice', async () => {
    const victim = r2.relay.stats().voiceWorkers[1]!;
    expect([...victim.sessions].sort((x, y) => x - y)).toEqual([b2.sessionId, c.sessionId].sort((x, y) => x - y));
    const exited = waitForEvent(r2.relay, 'voice-worker-exited', (x) => x.index === 1);
    const respawned = waitForEvent(r2.relay, 'voice-worker-up', (x) => x.index === 1, 30_000);
    process.kill(victim.pid, 'SIGKILL');
    expect(await exited).toMatchObject({ pid: victim.pid, signal: 'SIGKILL', sessions: 2 });
    expect((await b2.socket.closed).code).toBe(CloseCode.VoiceLost);
    expect((await c.socket.closed).code).toBe(CloseCode.VoiceLost);
    await c.close().catch(() => {});
    // Worker 0 still gets A's frames over the link.
    const atB = hears(b, 300);
    a.sendDatagram(voice(300));
    await atB;
    await respawned;

    // B2 comes back with its key (the same user), in the lobby, and offers again.
    const key = b2.key;
    await b2.close().catch(() => {});
    const back = await join(r2.relay.wsUrl, 'B2', 'lobby', a, key, b2OnR1);
    b2 = back.client;
    await b2.openVoice();
    await Promise.all([r1.relay.voiceSettled(), r2.relay.voiceSettled()]);
    const heard = hears(b2, 301);
    a.sendDatagram(voice(301));
    const p = decodeDownlink(await heard);
    expect(p.ok && [p.value.sender, p.value.room]).toEqual([aOnR2, lobby]);
    const both = Promise.all([a, a2].map((x) => hears(x, 302)));
    b2.sendDatagram(voice(302));
    for (const d of await both) {
      const q = decodeDownlink(d);
      expect(q.ok && q.value.sender).toBe(back.shownAs);
    }
    expect(r2.relay.stats().voiceWorkers[1]!.crashes).toBe(1);
  });
});
