/**
 * The voice path across relays: the same load (S speakers, L listeners in
 * one room, 50 frames/s each) on one relay, then on two relays of a cluster
 * (speakers on relay 1, listeners half on relay 1, half on relay 2, so the
 * run carries both paths at once). Real relays in this process on port 0, a
 * real nats-server, real node-datachannel clients and relay links; each
 * relay in its own process (relay-child.ts), the clients in this one.
 *
 * Delay: each frame carries its send time (performance.now(), this process's
 * clock, so sender and receivers read one clock); a receiver records
 * arrival − send. Cross-relay added delay = the cross listeners' percentile
 * minus the single relay's at the same load. Two cores run the relays, the
 * clients and NATS, so the numbers carry that contention.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeDownlink, encodeVoice } from '../../proto/index.ts';
import { connectClient } from '../../test/helpers/relay-client.ts';
import type { TestClient } from '../../test/helpers/relay-client.ts';
import { startNatsServer } from '../../test/helpers/nats-server.ts';
import { startRelayProc } from './relay-proc.ts';
import type { RelayProc } from './relay-proc.ts';

/** Load of one run. */
export interface VoicePathOptions {
  readonly speakers: number;
  readonly listeners: number;
  readonly seconds: number;
  /** Voice worker processes per relay (0: voice in the relay process). */
  readonly workers?: number;
}

/** One path's delay, ms. */
export interface PathDelay {
  readonly frames: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** What {@link measureVoicePath} reports. */
export interface VoicePathResult {
  readonly speakers: number;
  readonly listeners: number;
  readonly seconds: number;
  readonly workers?: number;
  readonly oneRelay: { readonly forwardedPerSec: number; readonly delay: PathDelay };
  readonly twoRelays: {
    readonly forwardedPerSec: number;
    /** Frames relay 1 sent to relay 2 per second (one per speaker frame, not per listener). */
    readonly crossPerSec: number;
    readonly local: PathDelay;
    readonly cross: PathDelay;
  };
  /** Cross listeners' delay minus the single relay's (goal p99 ≤ 2 ms). */
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
  /** Cross listeners' delay minus relay 1's own listeners' in the same run (same load, same moment: less noise). */
  readonly crossOverLocalP50Ms: number;
  readonly crossOverLocalP99Ms: number;
}

const FRAME_MS = 20;
const round = (x: number): number => Number(x.toFixed(3));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function delay(samples: number[]): PathDelay {
  samples.sort((a, b) => a - b);
  return { frames: samples.length, p50Ms: round(percentile(samples, 50)), p99Ms: round(percentile(samples, 99)) };
}

/** Records arrival − send of every frame `client` receives into `into`. */
function record(client: TestClient, into: number[]): void {
  client.onDatagram((d) => {
    const p = decodeDownlink(d);
    if (p.ok && p.value.payload.byteLength >= 8) into.push(performance.now() - new DataView(p.value.payload.buffer, p.value.payload.byteOffset).getFloat64(0));
  });
}

/** Every speaker sends one frame per 20 ms for `seconds`, stamped with the send time. */
async function talk(speakers: readonly TestClient[], seconds: number): Promise<number> {
  const frames = Math.round((seconds * 1000) / FRAME_MS);
  const payload = new Uint8Array(60);
  const view = new DataView(payload.buffer);
  const t0 = performance.now();
  for (let seq = 0; seq < frames; seq++) {
    // Paced on the schedule, not on the previous send: a late tick catches up.
    const due = t0 + seq * FRAME_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const s of speakers) {
      view.setFloat64(0, performance.now());
      s.sendDatagram(encodeVoice({ seq, ts: seq * 960, flags: 0, payload }));
    }
  }
  // Let the last frames land (the path's delay is far below one frame).
  await new Promise((r) => setTimeout(r, 200));
  return (performance.now() - t0) / 1000;
}

async function clients(url: string, prefix: string, n: number): Promise<TestClient[]> {
  const out: TestClient[] = [];
  for (let i = 0; i < n; i++) out.push(await connectClient(url, { name: `${prefix}${i}`, bufferDatagrams: false, timeoutMs: 30_000 }));
  await Promise.all(out.map((c) => c.openVoice()));
  return out;
}

async function oneRelay(o: VoicePathOptions): Promise<VoicePathResult['oneRelay']> {
  const relay = await startRelayProc(undefined, o.workers ?? 0);
  const all: TestClient[] = [];
  try {
    const speakers = await clients(relay.wsUrl, 's', o.speakers);
    const listeners = await clients(relay.wsUrl, 'l', o.listeners);
    all.push(...speakers, ...listeners);
    await warmUp(speakers, listeners);
    const samples: number[] = [];
    for (const l of listeners) record(l, samples);
    const before = (await relay.counters()).forwarded;
    const seconds = await talk(speakers, o.seconds);
    return { forwardedPerSec: Math.round(((await relay.counters()).forwarded - before) / seconds), delay: delay(samples) };
  } finally {
    await Promise.all(all.map((c) => c.close()));
    await relay.stop();
  }
}

async function twoRelays(o: VoicePathOptions): Promise<VoicePathResult['twoRelays']> {
  const nats = await startNatsServer();
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-org-'));
  const keyFile = join(dir, 'org-key.pem');
  await writeFile(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const name = `b${randomBytes(4).toString('hex')}`;
  const relays: RelayProc[] = [];
  const all: TestClient[] = [];
  try {
    for (const id of ['r1', 'r2']) relays.push(await startRelayProc({ url: nats.url, name, id, keyFile }, o.workers ?? 0));
    const [r1, r2] = relays as [RelayProc, RelayProc];
    const speakers = await clients(r1.wsUrl, 's', o.speakers);
    const local = await clients(r1.wsUrl, 'l', Math.ceil(o.listeners / 2));
    const remote = await clients(r2.wsUrl, 'x', Math.floor(o.listeners / 2));
    all.push(...speakers, ...local, ...remote);
    await r1.linked;
    await warmUp(speakers, [...local, ...remote]);
    const localSamples: number[] = [];
    const crossSamples: number[] = [];
    for (const l of local) record(l, localSamples);
    for (const l of remote) record(l, crossSamples);
    const totals = async (): Promise<{ forwarded: number; cross: number }> => {
      const [a, b] = await Promise.all([r1.counters(), r2.counters()]);
      return { forwarded: a.forwarded + b.forwarded, cross: a.crossSent };
    };
    const before = await totals();
    const seconds = await talk(speakers, o.seconds);
    const after = await totals();
    return {
      forwardedPerSec: Math.round((after.forwarded - before.forwarded) / seconds),
      crossPerSec: Math.round((after.cross - before.cross) / seconds),
      local: delay(localSamples),
      cross: delay(crossSamples),
    };
  } finally {
    await Promise.all(all.map((c) => c.close()));
    for (const r of relays) await r.stop();
    await nats.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Until every listener has heard every speaker: presence reaches the other
 * relay through NATS, and frames cross only once both relays know everyone.
 * Warm-up frames carry 4 bytes, which {@link record} ignores.
 */
async function warmUp(speakers: readonly TestClient[], listeners: readonly TestClient[]): Promise<void> {
  const heard = listeners.map(() => new Set<number>());
  const offs = listeners.map((l, i) =>
    l.onDatagram((d) => {
      const p = decodeDownlink(d);
      if (p.ok) heard[i]!.add(p.value.sender);
    }),
  );
  try {
    for (let round = 0; heard.some((h) => h.size < speakers.length); round++) {
      if (round > 5_000) throw new Error('warm-up: frames do not cross between the relays');
      for (const s of speakers) s.sendDatagram(encodeVoice({ seq: round, ts: round * 960, flags: 0, payload: new Uint8Array(4) }));
      // One control round trip per round: the loop waits on the relay, not on a timer.
      await speakers[0]!.ping();
    }
  } finally {
    for (const off of offs) off();
  }
}

/** Runs both set-ups one after the other (never in parallel: they would share the two cores). */
export async function measureVoicePath(o: VoicePathOptions): Promise<VoicePathResult> {
  const one = await oneRelay(o);
  const two = await twoRelays(o);
  return {
    ...o,
    oneRelay: one,
    twoRelays: two,
    addedP50Ms: round(two.cross.p50Ms - one.delay.p50Ms),
    addedP99Ms: round(two.cross.p99Ms - one.delay.p99Ms),
    crossOverLocalP50Ms: round(two.cross.p50Ms - two.local.p50Ms),
    crossOverLocalP99Ms: round(two.cross.p99Ms - two.local.p99Ms),
  };
}
