/**
 * Voice between relays of a cluster (real relays, real nats-server, real
 * node-datachannel clients and relay-to-relay links): users of one room on
 * different relays hear each other, people in other rooms do not; each frame
 * crosses to the other relay once, whatever the number of listeners there;
 * mute and deafen apply across relays as on one; with NATS stopped, voice on
 * one relay and over the link already up goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect } from '@nats-io/transport-node';
import { decodeDownlink, encodeVoice, ErrorCode } from '../../../proto/index.ts';
import { decodeLinkReply, encodeLinkSignal } from '../../../relay/cluster/link-codec.ts';
import type { ForwardedVoice } from '../../../proto/index.ts';
import { connectClient, generateKey, rawPublicKeyOf, withTimeout } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { treeRooms } from '../../helpers/ops.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const payload = (seq: number): Uint8Array => Uint8Array.from({ length: 40 }, (_, i) => (seq * 31 + i) & 0xff);
// Synthetic stamps (seq × 960) do not follow the wall clock: the age gate is off here (limits below).
const voice = (seq: number): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: payload(seq) });

/** Waits for the frames numbered `seqs` on `client` (leftovers of earlier steps do not count), decoded, in seq order. */
async function heard(client: TestClient, seqs: readonly number[]): Promise<ForwardedVoice[]> {
  const seqOf = (d: Uint8Array): number => {
    const p = decodeDownlink(d);
    return p.ok ? p.value.seq : -1;
  };
  const got = await Promise.all(seqs.map((s) => client.nextDatagram((d) => seqOf(d) === s)));
  return got.map((d) => decodeDownlink(d)).flatMap((p) => (p.ok ? [p.value] : []));
}

const range = (from: number, n: number): number[] => [...Array(n).keys()].map((i) => from + i);

/**
 * Connects a client and waits until `watchers` (clients of other relays) see
 * it in `roomId`, and until it sees the users named `sees`; returns it and
 * the ids the watchers show it under.
 */
async function join(url: string, name: string, roomId: string, watchers: readonly TestClient[], sees: readonly string[] = []): Promise<{ client: TestClient; shownAs: number[] }> {
  const key = generateKey();
  const me = hex(rawPublicKeyOf(key));
  const inRoom = (u: { user?: { publicKey: Uint8Array; roomId: string } }): boolean => hex(u.user!.publicKey) === me && u.user!.roomId === roomId;
  const seen = watchers.map((w) => (roomId === 'lobby' ? w.next('userJoined', inRoom, 15_000) : w.next('userUpdated', inRoom, 15_000)));
  const client = await connectClient(url, { name, key });
  if (roomId !== 'lobby') await client.join(roomId);
  const shownAs = (await Promise.all(seen)).map((u) => u.user!.sessionId);
  await Promise.all(sees.filter((n) => !client.roster.some((u) => u.displayName === n)).map((n) => client.next('userJoined', (u) => u.user!.displayName === n, 15_000)));
  return { client, shownAs };
}

describe.runIf(hasNatsServer)('voice across relays', () => {
  let cluster: RelayCluster;
  let a: TestClient; // relay 1, lobby
  let a2: TestClient; // relay 1, lobby
  let b: TestClient; // relay 2, lobby
  let b2: TestClient; // relay 2, lobby
  let c: TestClient; // relay 2, quiet
  let d: TestClient; // relay 3, lobby
  let aOnR3: number;
  let aOnR2: number;
  let bOnR1: number;
  let lobby: number;

  beforeAll(async () => {
    cluster = await startRelayCluster(3, { relay: { limits: { maxDatagramAgeMs: 0 } } });
    const [r1, r2, r3] = cluster.relays;
    const link = (r: typeof r1, peer: string): Promise<unknown> => waitForEvent(r!.relay, 'cluster-link', (e) => e.up && e.peer === peer, 30_000);
    const linked = Promise.all([link(r1, 'r2'), link(r1, 'r3'), link(r2, 'r3')]);
    a = await connectClient(r1!.relay.wsUrl, { name: 'A', key: generateKey() });
    const first = await join(r2!.relay.wsUrl, 'B', 'lobby', [a]);
    b = first.client;
    bOnR1 = first.shownAs[0]!;
    a2 = (await join(r1!.relay.wsUrl, 'A2', 'lobby', [b])).client;
    b2 = (await join(r2!.relay.wsUrl, 'B2', 'lobby', [a])).client;
    c = (await join(r2!.relay.wsUrl, 'C', 'quiet', [a])).client;
    d = (await join(r3!.relay.wsUrl, 'D', 'lobby', [a, b], ['A', 'B', 'B2'])).client;
    aOnR2 = b.roster.find((u) => u.displayName === 'A')!.sessionId;
    aOnR3 = (d.roster.find((u) => u.displayName === 'A') ?? (await d.next('userJoined', (u) => u.user!.displayName === 'A')).user!).sessionId;
    await Promise.all([a.openVoice(), a2.openVoice(), b.openVoice(), b2.openVoice(), c.openVoice(), d.openVoice(), linked]);
    lobby = (await treeRooms(a)).find((r) => r.id === 'lobby')!.voiceId;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a, a2, b, b2, c, d].map((x) => x?.close()));
    await cluster?.close();
  });

  it('a speaker on relay 1 is heard on relays 2 and 3 in the same room, once per frame and relay, and not in another room', async () => {
    const [r1, r2, r3] = cluster.relays;
    const before1 = r1!.relay.cluster!.voice()!;
    const before2 = r2!.relay.cluster!.voice()!;
    const before3 = r3!.relay.cluster!.voice()!;
    const n = 20;
    for (let seq = 0; seq < n; seq++) expect(a.sendDatagram(voice(seq))).toBe(true);
    const [atB, atB2, atA2, atD] = await Promise.all([heard(b, range(0, n)), heard(b2, range(0, n)), heard(a2, range(0, n)), heard(d, range(0, n))]);
    expect(atD.map((p) => [p.seq, p.sender, p.room])).toEqual(range(0, n).map((seq) => [seq, aOnR3, lobby]));
    for (const got of [atB, atB2]) {
      expect(got.map((p) => p.seq)).toEqual([...Array(n).keys()]);
      for (const p of got) {
        // Named as relay 2 shows A, stamped with the room, bytes intact.
        expect(p.sender).toBe(aOnR2);
        expect(p.room).toBe(lobby);
        expect(p.payload).toEqual(payload(p.seq));
      }
    }
    expect(atA2.every((p) => p.sender === a.sessionId)).toBe(true);
    // Relay 2 fanned out each frame to B, B2 and (had it been in the room) C in one go: C got none.
    expect(c.datagramCount).toBe(0);
    // Two listeners on relay 2 and one on relay 3: one copy per frame to each relay.
    const after1 = r1!.relay.cluster!.voice()!;
    const after2 = r2!.relay.cluster!.voice()!;
    expect(after1.sent - before1.sent).toBe(2 * n);
    expect(after2.received - before2.received).toBe(n);
    expect(r3!.relay.cluster!.voice()!.received - before3.received).toBe(n);
    expect(after2.sent - before2.sent).toBe(0);
  });

  it('a speaker on relay 2 is heard on relay 1, named as relay 1 shows them', async () => {
    for (let seq = 100; seq < 110; seq++) b.sendDatagram(voice(seq));
    const [atA, atA2] = await Promise.all([heard(a, range(100, 10)), heard(a2, range(100, 10)), heard(b2, range(100, 10)), heard(d, range(100, 10))]);
    for (const got of [atA, atA2]) {
      expect(got.map((p) => p.seq)).toEqual(range(100, 10));
      expect(got.every((p) => p.sender === bOnR1 && p.room === lobby)).toBe(true);
    }
    expect(c.datagramCount).toBe(0);
  });

  it('a muted speaker sends nothing across; deafened listeners on a relay stop its copies', async () => {
    const [r1, r2] = cluster.relays;
    // B mutes: relay 2 drops B's frames before they reach anyone, here or on relay 1.
    const bMuted = a.next('userUpdated', (u) => u.user!.sessionId === bOnR1 && u.user!.muted, 15_000);
    b.send({ case: 'setSelfState', value: { muted: true, deafened: false } });
    await bMuted;
    const sent2 = r2!.relay.cluster!.voice()!.sent;
    // Barrier: relay 2 has dropped all five of B's frames (its drop events), then checks nothing crossed.
    let off = (): void => {};
    const dropped = new Promise<void>((resolve) => {
      let n = 0;
      off = r2!.relay.on('drop', (e) => {
        if (e.kind === 'datagram' && e.reason === 'muted' && e.id === b.sessionId && ++n === 5) resolve();
      });
    });
    for (let seq = 200; seq < 205; seq++) b.sendDatagram(voice(seq));
    await withTimeout(dropped, 15_000, 'muted drops').finally(() => off());
    expect(r2!.relay.cluster!.voice()!.sent).toBe(sent2);
    // B2 still speaks across.
    b2.sendDatagram(voice(205));
    await Promise.all([heard(a, [205]), heard(d, [205])]);
    expect(r2!.relay.cluster!.voice()!.sent - sent2).toBe(2);

    // A and A2 deafen: relay 1 has no listener in the lobby, so relay 2 sends it nothing (and relay 3 one copy).
    const deaf = [a, a2].map((x) => b2.next('userUpdated', (u) => u.user!.displayName === x.name && u.user!.deafened, 15_000));
    for (const x of [a, a2]) x.send({ case: 'setSelfState', value: { muted: true, deafened: true } });
    await Promise.all(deaf);
    const sentBefore = r2!.relay.cluster!.voice()!.sent;
    b2.sendDatagram(voice(300));
    await Promise.all([heard(b, [300]), heard(d, [300])]);
    expect(r2!.relay.cluster!.voice()!.sent - sentBefore).toBe(1);
    expect(r1!.relay.cluster!.voice()!.dropped['wrong-room']).toBe(0);
    for (const x of [a, a2]) x.send({ case: 'setSelfState', value: { muted: false, deafened: false } });
    b.send({ case: 'setSelfState', value: { muted: false, deafened: false } });
  });

  it('an offer not signed with the organisation key, or garbage, is refused CLUSTER_LINK_REFUSED and changes nothing', async () => {
    const [r1] = cluster.relays;
    const nc = await connect({ servers: [cluster.nats.url] });
    try {
      const subject = `parley.${cluster.name}.rtc.r1`;
      const forged = encodeLinkSignal({ type: 'offer', from: 'r0', to: 'r1', ts: Date.now(), sdp: 'v=0' }, generateKeyPairSync('ed25519').privateKey);
      const orgKey = r1!.relay.publicKey;
      // Signed with the real key but older than the offer relay 2 took from relay 1: a replay, refused.
      const orgPrivate = createPrivateKey(await readFile(cluster.keyFile, 'utf8'));
      const replayed = encodeLinkSignal({ type: 'offer', from: 'r1', to: 'r2', ts: Date.now() - 50_000, sdp: 'v=0' }, orgPrivate);
      const r2reply = decodeLinkReply((await nc.request(`parley.${cluster.name}.rtc.r2`, replayed, { timeout: 5_000 })).data, { orgKey: r1!.relay.publicKey, self: 'r1', now: Date.now() });
      expect(r2reply).toMatchObject({ ok: true, value: { ok: false, code: ErrorCode.CLUSTER_LINK_REFUSED, detail: 'offer replayed' } });
      for (const request of [forged, new TextEncoder().encode('not json'), new Uint8Array(0)]) {
        const reply = decodeLinkReply((await nc.request(subject, request, { timeout: 5_000 })).data, { orgKey, self: 'r0', now: Date.now() });
        expect(reply).toMatchObject({ ok: true, value: { ok: false, code: ErrorCode.CLUSTER_LINK_REFUSED } });
      }
    } finally {
      await nc.close();
    }
    // The links are untouched: voice still crosses.
    a.sendDatagram(voice(350));
    await Promise.all([heard(b, [350]), heard(d, [350])]);
    expect([...r1!.relay.cluster!.voice()!.links].sort()).toEqual(['r2', 'r3']);
  });

  it('NATS stopped: voice on one relay and over the open link goes on; NATS back: the relays return', async () => {
    // Undeafened above: wait until relay 2 counts relay 1's listeners again.
    await Promise.all([a, a2].map((x) => b2.next('userUpdated', (u) => u.user!.displayName === x.name && !u.user!.deafened, 15_000)));
    const down = Promise.all(cluster.relays.map((r) => waitForEvent(r!.relay, 'cluster-role', (e) => e.role === 'unavailable', 15_000)));
    await cluster.nats.stop();
    await down;
    for (let seq = 400; seq < 410; seq++) a.sendDatagram(voice(seq));
    const [same, across] = await Promise.all([heard(a2, range(400, 10)), heard(b, range(400, 10)), heard(d, range(400, 10))]);
    expect(same.map((p) => p.seq)).toEqual(range(400, 10));
    expect(across.every((p) => p.sender === aOnR2)).toBe(true);

    const back = Promise.all(cluster.relays.map((r) => waitForEvent(r!.relay, 'cluster-role', (e) => e.role !== 'unavailable', 30_000)));
    await cluster.nats.start();
    await back;
    await cluster.writer();
    // Converged: someone signing in on relay 2 now is seen on relay 1, sees A, and hears A.
    const e = (await join(cluster.relays[1]!.relay.wsUrl, 'E', 'lobby', [a], ['A'])).client;
    try {
      await e.openVoice();
      a.sendDatagram(voice(500));
      const [late] = await heard(e, [500]);
      expect(late!.sender).toBe(aOnR2);
    } finally {
      await e.close();
    }
  }, 90_000);
});
