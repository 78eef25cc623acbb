/**
 * Voice worker processes (`voiceWorkers: 2`): a real relay forks two real
 * workers, real node-datachannel clients are placed on both, and a room
 * spans them. Checks delivery exactly once across workers, room isolation,
 * mute/deafen enforced by the mirrors, moves without re-offer, recovery
 * from a SIGKILLed worker, and no child process left after close().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeVoice } from '../../../proto/index.ts';
import { CloseCode } from '../../../relay/index.ts';
import { connectClient, receiveVoice } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay, waitForEvent } from '../../helpers/start-relay.ts';
import { treeRooms } from '../../helpers/ops.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

let started: StartedRelay;
/** a: worker 0, moved quiet -> lobby; b, c: worker 1, lobby; d: worker 0, quiet; e: worker 1, lobby -> quiet. */
let a: TestClient;
let b: TestClient;
let c: TestClient;
let d: TestClient;
let e: TestClient;
let lobby: number;
let quiet: number;

function voice(seq: number): Uint8Array {
  return encodeVoice({ seq, ts: seq * 960, flags: 0, payload: Uint8Array.from({ length: 40 }, (_, i) => (seq + i) & 0xff) });
}


function workerOf(client: TestClient): number {
  return started.relay.stats().voiceWorkers.findIndex((w) => w.sessions.includes(client.sessionId));
}

async function setSelf(client: TestClient, muted: boolean, deafened: boolean): Promise<void> {
  client.send({ case: 'setSelfState', value: { muted, deafened } });
  await client.next('userUpdated', (u) => u.user?.sessionId === client.sessionId && u.user.muted === (muted || deafened) && u.user.deafened === deafened);
  // Workers learn of the change one IPC hop after clients do.
  await started.relay.voiceSettled();
}

beforeAll(async () => {
  // Synthetic stamps (seq × 960) do not follow the wall clock: no age gate here (overload.test.ts tests it).
  started = await startRelay({ voiceWorkers: 2, limits: { maxDatagramAgeMs: 0 } });
  const url = started.relay.wsUrl;
  lobby = 0;
  a = await connectClient(url, { name: 'A' });
  lobby = (await treeRooms(a)).find((r) => r.id === 'lobby')!.voiceId;
  quiet = (await treeRooms(a)).find((r) => r.id === 'quiet')!.voiceId;
  // Placement follows the room's majority, else the least loaded worker; these steps spread rooms over both.
  await a.join('quiet');
  await a.openVoice();
  b = await connectClient(url, { name: 'B' });
  await b.openVoice();
  c = await connectClient(url, { name: 'C' });
  await c.openVoice();
  d = await connectClient(url, { name: 'D' });
  await d.join('quiet');
  await d.openVoice();
  e = await connectClient(url, { name: 'E' });
  await e.openVoice();
  await e.join('quiet');
  await a.join('lobby');
  await started.relay.voiceSettled();
}, 180_000); // spawning the workers can take long on a loaded box; the start itself is bounded by the pool (120 s)

afterAll(async () => {
  await Promise.all([a, b, c, d, e].map((x) => x?.close().catch(() => {})));
  await started?.cleanup();
});

describe('relay with voice workers', () => {
  it('places sessions on both workers: rooms lobby and quiet each span the two', () => {
    expect([a, b, c, d, e].map(workerOf)).toEqual([0, 1, 1, 0, 1]);
    const pids = started.relay.stats().voiceWorkers.map((w) => w.pid);
    expect(pids.every((p) => p > 0 && p !== process.pid)).toBe(true);
    expect(new Set(pids).size).toBe(2);
  });

  it('delivers a datagram to members on both workers exactly once, and never to another room', async () => {
    const forwardedBefore = started.relay.stats().forwarded;
    // A (worker 0) talks in lobby: B and C are on worker 1.
    for (let seq = 1; seq <= 10; seq++) a.sendDatagram(voice(seq));
    const [atB, atC] = await Promise.all([receiveVoice(b, 10), receiveVoice(c, 10)]);
    for (const got of [atB, atC]) {
      expect(got.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(got.every((p) => p.sender === a.sessionId && p.room === lobby)).toBe(true);
    }
    // B (worker 1) talks: C locally, A across.
    b.sendDatagram(voice(20));
    const [atA, atC2] = await Promise.all([receiveVoice(a, 1), receiveVoice(c, 1)]);
    expect([atA[0]?.sender, atA[0]?.seq, atC2[0]?.seq]).toEqual([b.sessionId, 20, 20]);
    // E (worker 1) talks in quiet: only D (worker 0) hears it.
    e.sendDatagram(voice(30));
    expect((await receiveVoice(d, 1))[0]).toMatchObject({ sender: e.sessionId, room: quiet, seq: 30 });
    // Nothing extra arrived anywhere: D heard no lobby voice, lobby heard no quiet voice, nobody a duplicate.
    await expect.poll(() => started.relay.stats().forwarded).toBe(forwardedBefore + 20 + 2 + 1);
    expect([a, b, c, d, e].map((x) => x.datagramCount)).toEqual([1, 10, 11, 1, 0]);
    const perWorker = started.relay.stats().voiceWorkers.reduce((sum, w) => sum + w.forwarded, 0);
    expect(perWorker).toBe(started.relay.stats().forwarded);
  });

  it('enforces mute at the sender worker and deafen at the receiver worker', async () => {
    await setSelf(a, true, false);
    const dropped = waitForEvent(started.relay, 'drop', (x) => x.kind === 'datagram' && x.reason === 'muted' && x.id === a.sessionId);
    const mutedBefore = started.relay.stats().datagrams.muted;
    a.sendDatagram(voice(40));
    await dropped;
    expect(started.relay.stats().datagrams.muted).toBe(mutedBefore + 1);
    // D (worker 0) listens in lobby for this test: worker 0 handles each loopback copy from worker 1 in one
    // fan-out, so D hearing a datagram proves A's worker has dealt with it. C hearing it (worker 1) does not:
    // under load the copy can still sit in worker 0's socket when A undeafens, and A would then rightly get it.
    await d.join('lobby');
    await setSelf(a, false, true);
    const heardByA = a.datagramCount;
    // B (worker 1) talks while A (worker 0) is deafened: C and D hear it, A does not.
    b.sendDatagram(voice(41));
    expect((await receiveVoice(c, 1))[0]?.seq).toBe(41);
    expect((await receiveVoice(d, 1))[0]?.seq).toBe(41);
    expect(a.datagramCount).toBe(heardByA);
    await setSelf(a, false, false);
    b.sendDatagram(voice(42));
    expect((await receiveVoice(c, 1))[0]?.seq).toBe(42);
    expect((await receiveVoice(d, 1))[0]?.seq).toBe(42);
    expect((await receiveVoice(a, 1))[0]?.seq).toBe(42);
    expect(a.datagrams).toHaveLength(0);
    a.sendDatagram(voice(43));
    expect((await receiveVoice(b, 1))[0]?.seq).toBe(43);
    expect((await receiveVoice(c, 1))[0]?.seq).toBe(43);
    expect((await receiveVoice(d, 1))[0]?.seq).toBe(43);
    await d.join('quiet');
    await started.relay.voiceSettled();
  });

  it('moves a session into a room held by the other worker without a new offer', async () => {
    const readies: number[] = [];
    const off = started.relay.on('voice-ready', (x) => readies.push(x.sessionId));
    await d.join('lobby');
    await started.relay.voiceSettled();
    b.sendDatagram(voice(50));
    const [atD] = await Promise.all([receiveVoice(d, 1), receiveVoice(a, 1), receiveVoice(c, 1)]);
    expect(atD[0]).toMatchObject({ sender: b.sessionId, room: lobby, seq: 50 });
    d.sendDatagram(voice(51));
    const [atB] = await Promise.all([receiveVoice(b, 1), receiveVoice(a, 1), receiveVoice(c, 1)]);
    expect(atB[0]).toMatchObject({ sender: d.sessionId, room: lobby, seq: 51 });
    off();
    expect(readies).toEqual([]);
    expect(workerOf(d)).toBe(0);
    await d.join('quiet');
    await started.relay.voiceSettled();
  });

  it('survives a SIGKILLed worker: others keep voice and control, the affected client reconnects and gets voice again', async () => {
    const victim = started.relay.stats().voiceWorkers[0]!;
    const exited = waitForEvent(started.relay, 'voice-worker-exited', (x) => x.index === 0);
    const respawned = waitForEvent(started.relay, 'voice-worker-up', (x) => x.index === 0, 30_000);
    process.kill(victim.pid, 'SIGKILL');
    expect(await exited).toMatchObject({ pid: victim.pid, signal: 'SIGKILL', sessions: 2 });
    // A and D lost voice: the relay closed their control sockets with "service restart" so they reconnect.
    expect((await a.socket.closed).code).toBe(CloseCode.VoiceLost);
    expect((await d.socket.closed).code).toBe(CloseCode.VoiceLost);
    // Worker 1's voice and everyone's control traffic are unaffected.
    b.sendDatagram(voice(60));
    expect((await receiveVoice(c, 1))[0]?.seq).toBe(60);
    await Promise.all([b.ping(), c.ping(), e.ping()]);
    expect(started.logs.some((l) => l.startsWith('error voice worker exited [worker:0') && l.includes('signal:SIGKILL'))).toBe(true);
    // A reconnects with its key and offers again; it gets voice (on the respawned or the surviving worker).
    const up = await respawned;
    expect(up.pid).not.toBe(victim.pid);
    a = await connectClient(started.relay.wsUrl, { name: 'A', key: a.key });
    await a.openVoice();
    b.sendDatagram(voice(61));
    expect((await receiveVoice(a, 1))[0]).toMatchObject({ sender: b.sessionId, seq: 61 });
    expect((await receiveVoice(c, 1))[0]?.seq).toBe(61);
    a.sendDatagram(voice(62));
    expect((await receiveVoice(b, 1))[0]).toMatchObject({ sender: a.sessionId, seq: 62 });
    expect(started.relay.stats().voiceWorkers[0]!.crashes).toBe(1);
  });
});

describe('relay.close() with voice workers', () => {
  it('leaves no worker process behind', async () => {
    const relay = await startRelay({ voiceWorkers: 2 });
    const pids = relay.relay.stats().voiceWorkers.map((w) => w.pid);
    expect(pids).toHaveLength(2);
    await relay.cleanup();
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.map(alive)).toEqual([false, false]);
  });
});
