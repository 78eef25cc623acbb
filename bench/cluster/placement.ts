/**
 * Room placement (docs/CLUSTER.md "Room placement"): N users in M rooms join
 * through relays picked at random (seeded, printed), on three real relays of
 * one cluster (this process, real nats-server, real node-datachannel clients
 * and relay links). In each room one user speaks F frames, every other user
 * of the room hears them all; `crossRelayCopyRatio` = frames the relays sent
 * each other ÷ frames spoken (0: every room on one relay; at most 2 with
 * three relays). Measured twice in the same run: first with the clients
 * ignoring the relays' RoomPlacement advice (as without placement), then
 * after they follow it (test/helpers/placement-users.ts, the web client's
 * behaviour), with the time that took and the number of moves.
 */
import { performance } from 'node:perf_hooks';
import { ROOT_ID } from '../../crdt/index.ts';
import { decodeDownlink, encodeVoice } from '../../proto/index.ts';
import { OpClient } from '../../test/helpers/ops.ts';
import { PlacedUsers } from '../../test/helpers/placement-users.ts';
import { connectClient, generateKey } from '../../test/helpers/relay-client.ts';
import { startRelayCluster } from '../../test/helpers/relay-cluster.ts';
import { waitForEvent } from '../../test/helpers/start-relay.ts';

/** What {@link measurePlacement} reports. */
export interface PlacementResult {
  readonly users: number;
  readonly rooms: number;
  readonly framesPerRoom: number;
  readonly seed: number;
  /** Cross-relay copies per spoken frame with users where they joined. */
  readonly withoutPlacement: { readonly crossRelayCopyRatio: number; readonly relaysPerRoom: number };
  /** The same after following the advice. */
  readonly withPlacement: { readonly crossRelayCopyRatio: number; readonly relaysPerRoom: number; readonly settleMs: number; readonly moves: number };
}

/** A small seeded PRNG (mulberry32): the relay each user joins through. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** See the module comment. */
export async function measurePlacement(o: { users: number; rooms: number; frames: number; seed?: number }): Promise<PlacementResult> {
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  process.stderr.write(`bench:cluster placement seed ${seed} (BENCH_CLUSTER_PLACEMENT_SEED)\n`);
  const random = prng(seed);
  const cluster = await startRelayCluster(3, { reachableUrls: true, relay: { limits: { maxDatagramAgeMs: 0 } } });
  const placed = new PlacedUsers(60_000);
  try {
    const relays = cluster.relays;
    const urlOf = (i: number): string => `ws://127.0.0.1:${relays[i]!.relay.port}/ws`;
    const roomIds = [...Array(o.rooms).keys()].map((i) => `bench-room-${i}`);
    // The rooms, made once through relay 1 by its first admin; every relay has them before anyone joins.
    const known = relays.map((r) => Promise.all(roomIds.map((id) => waitForEvent(r.relay, 'tree-changed', (e) => e.rooms.includes(id), 60_000))));
    const admin = new OpClient(await connectClient(urlOf(0), { name: 'Admin', key: generateKey(), invite: relays[0]!.relay.bootstrapInvite! }));
    await admin.sync();
    for (const [i, roomId] of roomIds.entries()) await admin.run({ kind: 'room.create', args: { roomId, name: `Room ${i}`, parentId: ROOT_ID, index: i, description: '', userLimit: 0 } });
    await Promise.all(known);
    await admin.client.close();
    for (let i = 0; i < o.users; i++) await placed.add(`U${i}`, generateKey(), roomIds[i % o.rooms]!, urlOf(Math.floor(random() * relays.length)));

    let seq = 0;
    const crossSent = (): number => relays.reduce((sum, r) => sum + (r.relay.cluster?.voice()?.sent ?? 0), 0);
    const seqOf = (d: Uint8Array): number => {
      const p = decodeDownlink(d);
      return p.ok ? p.value.seq : -1;
    };
    /** One speaker per room, F frames each, heard by everyone else in the room: cross copies per spoken frame. */
    const speak = async (): Promise<number> => {
      const before = crossSent();
      let spoken = 0;
      for (const roomId of roomIds) {
        const inRoom = placed.users.filter((u) => u.roomId === roomId);
        const [speaker, ...listeners] = inRoom;
        if (!speaker || listeners.length === 0) continue;
        const first = (seq += 1_000);
        const seqs = [...Array(o.frames).keys()].map((k) => first + k);
        const heard = listeners.map((l) => Promise.all(seqs.map((s) => l.client.nextDatagram((d) => seqOf(d) === s, 60_000))));
        for (const s of seqs) speaker.client.sendDatagram(encodeVoice({ seq: s, ts: s * 960, flags: 0, payload: new Uint8Array(40) }));
        spoken += seqs.length;
        await Promise.all(heard);
      }
      return (crossSent() - before) / Math.max(1, spoken);
    };
    const relaysPerRoom = (): number => roomIds.reduce((sum, id) => sum + new Set(placed.users.filter((u) => u.roomId === id).map((u) => u.url)).size, 0) / roomIds.length;

    const spreadRatio = await speak();
    const spread = relaysPerRoom();
    const started = performance.now();
    const moves = await placed.settle();
    const settleMs = Math.round(performance.now() - started);
    const placedRatio = await speak();
    const round = (x: number): number => Math.round(x * 1_000) / 1_000;
    return {
      users: o.users,
      rooms: o.rooms,
      framesPerRoom: o.frames,
      seed,
      withoutPlacement: { crossRelayCopyRatio: round(spreadRatio), relaysPerRoom: round(spread) },
      withPlacement: { crossRelayCopyRatio: round(placedRatio), relaysPerRoom: round(relaysPerRoom()), settleMs, moves },
    };
  } finally {
    await Promise.all(placed.users.map((u) => u.client.close().catch(() => {})));
    await cluster.close();
  }
}
