import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeKeepalive,
  encodeVoice,
  MAX_UPLINK_BYTES,
  UPLINK_HEADER_BYTES,
  VoiceFlags,
} from '../../../proto/index.ts';
import type { DatagramDropReason } from '../../../relay/index.ts';
import { connectClient, receiveVoice } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay, waitForEvent } from '../../helpers/start-relay.ts';
import { treeRooms } from '../../helpers/ops.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

let started: StartedRelay;
let a: TestClient;
let b: TestClient;
let c: TestClient;
let lobbyVoiceId: number;
let quietVoiceId: number;

/** Opus-looking payload that differs per packet. */
function payload(seq: number, size = 40): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (seq * 31 + i) & 0xff);
}

function voice(seq: number, flags = 0): Uint8Array {
  return encodeVoice({ seq, ts: seq * 960, flags, payload: payload(seq) });
}


beforeAll(async () => {
  // Stamps here are synthetic (seq × 960) and do not follow the wall clock, which the age
  // gate would rightly call stale after a slow step; overload.test.ts tests the gate.
  started = await startRelay({ limits: { maxDatagramAgeMs: 0 } });
  a = await connectClient(started.relay.wsUrl, { name: 'A' });
  b = await connectClient(started.relay.wsUrl, { name: 'B' });
  c = await connectClient(started.relay.wsUrl, { name: 'C' });
  await c.join('quiet');
  await Promise.all([a.openVoice(), b.openVoice(), c.openVoice()]);
  lobbyVoiceId = (await treeRooms(a)).find((r) => r.id === 'lobby')!.voiceId;
  quietVoiceId = (await treeRooms(a)).find((r) => r.id === 'quiet')!.voiceId;
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), c?.close()]);
  await started?.cleanup();
});

describe('relay voice forwarding', () => {
  it('forwards voice to the others in the sender room intact, and not to another room', async () => {
    const n = 20;
    for (let seq = 0; seq < n; seq++) expect(a.sendDatagram(voice(seq, seq === 0 ? VoiceFlags.Marker : 0))).toBe(true);
    const got = await receiveVoice(b, n);
    expect(got.map((p) => p.seq)).toEqual([...Array(n).keys()]);
    for (const p of got) {
      expect(p.sender).toBe(a.sessionId);
      expect(p.room).toBe(lobbyVoiceId);
      expect(p.ts).toBe(p.seq * 960);
      expect(p.flags).toBe(p.seq === 0 ? VoiceFlags.Marker : 0);
      expect(p.payload).toEqual(payload(p.seq));
    }
    // B has all of them, so any copy for C would have been sent by now.
    expect(c.datagramCount).toBe(0);
    expect(a.datagramCount).toBe(0);
    expect(started.relay.stats().forwarded).toBe(n);
  });

  it('forwards to a user who moved into the sender room, stamped with that room', async () => {
    await c.join('lobby');
    for (let seq = 100; seq < 105; seq++) a.sendDatagram(voice(seq));
    const [atC, atB] = await Promise.all([receiveVoice(c, 5), receiveVoice(b, 5)]);
    expect(atC.map((p) => [p.sender, p.room, p.seq])).toEqual([100, 101, 102, 103, 104].map((s) => [a.sessionId, lobbyVoiceId, s]));
    expect(atB.map((p) => p.seq)).toEqual([100, 101, 102, 103, 104]);
  });

  it('stamps the room a sender is in: voice in Quiet room carries its voice id and reaches only that room', async () => {
    await b.join('quiet');
    await c.join('quiet');
    b.sendDatagram(voice(7));
    const [p] = await receiveVoice(c, 1);
    expect(p).toMatchObject({ sender: b.sessionId, room: quietVoiceId, seq: 7 });
    expect(a.datagramCount).toBe(0);
    await b.join('lobby');
    await c.join('lobby');
  });

  it('does not forward to a deafened member', async () => {
    b.send({ case: 'setSelfState', value: { muted: false, deafened: true } });
    await b.next('userUpdated', (u) => u.user?.sessionId === b.sessionId && u.user.deafened);
    const before = b.datagramCount;
    for (let seq = 200; seq < 205; seq++) a.sendDatagram(voice(seq));
    await receiveVoice(c, 5);
    expect(b.datagramCount).toBe(before);
    b.send({ case: 'setSelfState', value: { muted: false, deafened: false } });
    await b.next('userUpdated', (u) => u.user?.sessionId === b.sessionId && !u.user.deafened);
    a.sendDatagram(voice(210));
    expect((await receiveVoice(b, 1))[0]?.seq).toBe(210);
    await receiveVoice(c, 1);
  });

  it('drops voice from a muted sender (counted muted) and forwards again after unmute', async () => {
    a.send({ case: 'setSelfState', value: { muted: true, deafened: false } });
    await a.next('userUpdated', (u) => u.user?.sessionId === a.sessionId && u.user.muted);
    const dropped = waitForEvent(started.relay, 'drop', (e) => e.kind === 'datagram' && e.reason === 'muted');
    const before = b.datagramCount;
    a.sendDatagram(voice(250));
    await dropped;
    a.send({ case: 'setSelfState', value: { muted: false, deafened: false } });
    await a.next('userUpdated', (u) => u.user?.sessionId === a.sessionId && !u.user.muted);
    a.sendDatagram(voice(251));
    expect((await receiveVoice(b, 1))[0]?.seq).toBe(251);
    expect(b.datagramCount).toBe(before + 1);
    await receiveVoice(c, 1);
  });

  it('counts and drops bad datagrams and keep-alives, while valid voice keeps flowing', async () => {
    const reasons: DatagramDropReason[] = ['too-large', 'unknown-kind', 'bad-length', 'keepalive'];
    const before = started.relay.stats().datagrams;
    const dropped = reasons.map((r) => waitForEvent(started.relay, 'drop', (e) => e.kind === 'datagram' && e.reason === r));
    const oversize = new Uint8Array(MAX_UPLINK_BYTES + 1);
    oversize.set(voice(1));
    a.sendDatagram(oversize);
    a.sendDatagram(Uint8Array.of(0x07, 1, 2, 3));
    a.sendDatagram(voice(2).subarray(0, UPLINK_HEADER_BYTES));
    a.sendDatagram(encodeKeepalive());
    await Promise.all(dropped);
    const after = started.relay.stats().datagrams;
    for (const r of reasons) expect(after[r], r).toBe(before[r] + 1);
    const [countB, countC] = [b.datagramCount, c.datagramCount];
    // Valid voice from the same sender and from another still flows.
    a.sendDatagram(voice(300));
    b.sendDatagram(voice(301));
    expect((await receiveVoice(c, 2)).map((p) => [p.sender, p.seq])).toEqual([
      [a.sessionId, 300],
      [b.sessionId, 301],
    ]);
    expect((await receiveVoice(b, 1))[0]).toMatchObject({ sender: a.sessionId, seq: 300 });
    expect((await receiveVoice(a, 1))[0]).toMatchObject({ sender: b.sessionId, seq: 301 });
    // None of the bad ones was forwarded: exactly the valid ones arrived.
    expect(b.datagramCount - countB).toBe(1);
    expect(c.datagramCount - countC).toBe(2);
  });

  it('replaces the PeerConnection on a second offer and keeps forwarding', async () => {
    await b.openVoice();
    a.sendDatagram(voice(400));
    expect((await receiveVoice(b, 1))[0]).toMatchObject({ sender: a.sessionId, seq: 400 });
    await receiveVoice(c, 1);
  });

  it('stops forwarding to a client that left, and tells the others', async () => {
    const d = await connectClient(started.relay.wsUrl, { name: 'D' });
    await d.openVoice();
    a.sendDatagram(voice(500));
    await receiveVoice(d, 1);
    await Promise.all([receiveVoice(b, 1), receiveVoice(c, 1)]);
    await d.close();
    await a.next('userLeft', (l) => l.sessionId === d.sessionId);
    const forwarded = started.relay.stats().forwarded;
    a.sendDatagram(voice(501));
    await Promise.all([receiveVoice(b, 1), receiveVoice(c, 1)]);
    expect(started.relay.stats().forwarded).toBe(forwarded + 2);
  });
});

describe('relay voice rate limit', () => {
  it('drops datagrams over the per-sender bucket, counted rate-limited', async () => {
    const limited = await startRelay({ limits: { datagramBurst: 5, datagramPerSecond: 0.001 } });
    try {
      const s = await connectClient(limited.relay.wsUrl, { name: 'Sender' });
      const r = await connectClient(limited.relay.wsUrl, { name: 'Receiver' });
      await Promise.all([s.openVoice(), r.openVoice()]);
      let limitedCount = 0;
      const allLimited = new Promise<void>((resolve) => {
        limited.relay.on('drop', (e) => {
          if (e.reason === 'rate-limited' && ++limitedCount === 7) resolve();
        });
      });
      for (let seq = 0; seq < 12; seq++) s.sendDatagram(voice(seq));
      const got = await receiveVoice(r, 5);
      await allLimited;
      expect(got.map((p) => p.seq)).toEqual([0, 1, 2, 3, 4]);
      expect(limited.relay.stats().datagrams['rate-limited']).toBe(7);
      expect(r.datagramCount).toBe(5);
      await Promise.all([s.close(), r.close()]);
    } finally {
      await limited.cleanup();
    }
  });
});
