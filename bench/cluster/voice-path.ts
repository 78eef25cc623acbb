/**
 * The voice path across relays, both paths in one run under one load: two
 * relays of a cluster (real nats-server, real relay links), S speakers on
 * relay 1 at 50 frames/s, L/2 listeners on relay 1 (the single-relay path) and
 * L/2 on relay 2 (the two-relay path), all in one room. Every relay and each
 * group of listeners is its own process (relay-child.ts, listener-child.ts);
 * the speakers are this one. So the two paths carry the same frames at the
 * same moment, and neither group of listeners waits behind the other's (or
 * the speakers') event loop.
 *
 * Delay: each frame carries its send time on CLOCK_MONOTONIC (one clock for
 * every process of the machine, proc-stats.ts); a listener records arrival −
 * send. Added delay is reported two ways: the cross percentile minus the
 * local one, and per frame (listener i on relay 2 minus listener i on relay 1
 * for the same frame), whose percentiles are the added delay's own. Every
 * process reports its event-loop delay and GC pauses over the window, and
 * the speakers how late their ticks ran, so a tail can be traced to who
 * caused it. Two cores run everything, so the numbers carry that contention.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeVoice } from '../../proto/index.ts';
import { connectClient } from '../../test/helpers/relay-client.ts';
import type { TestClient } from '../../test/helpers/relay-client.ts';
import { startNatsServer } from '../../test/helpers/nats-server.ts';
import { startListenerProc } from './listener-proc.ts';
import type { ListenerProc } from './listener-proc.ts';
import { monoMs, ProcMonitor } from './proc-stats.ts';
import type { ProcStats } from './proc-stats.ts';
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

/** A delay distribution, ms. */
export interface Dist {
  readonly n: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** What {@link measureVoicePath} reports. */
export interface VoicePathResult {
  readonly speakers: number;
  /** Per path (relay 1's own, relay 2's). */
  readonly listenersPerPath: number;
  readonly seconds: number;
  readonly workers: number;
  /** Frames each path should have received; lost = expected − received. */
  readonly expectedPerPath: number;
  readonly local: Dist;
  readonly cross: Dist;
  /** Cross percentile minus local percentile (the goal: p99 ≤ 2 ms). */
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
  readonly addedP999Ms: number;
  /** Per frame: the same frame on relay 2's listener i minus relay 1's listener i. */
  readonly addedPerFrame: Dist;
  readonly forwardedPerSec: number;
  /** Frames relay 1 sent to relay 2 per second, and the link messages they left in. */
  readonly crossFramesPerSec: number;
  readonly crossMessagesPerSec: number;
  /** Relay 2's last loss report to relay 1: link messages sent since the link opened, and received (null without reports). */
  readonly linkReport: { readonly sent: number; readonly received: number } | null;
  readonly proc: {
    readonly relay1: ProcStats;
    readonly relay2: ProcStats;
    readonly speakers: ProcStats & { readonly tickLateP99Ms: number };
    readonly localListeners: ProcStats;
    readonly crossListeners: ProcStats;
  };
}

const FRAME_MS = 20;
const round = (x: number): number => Number(x.toFixed(3));

function dist(samples: number[]): Dist {
  samples.sort((a, b) => a - b);
  const at = (p: number): number => round(samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? 0);
  return { n: samples.length, p50Ms: at(50), p99Ms: at(99), p999Ms: at(99.9), maxMs: round(samples[samples.length - 1] ?? 0) };
}

/** Every speaker sends one frame per 20 ms for `seconds`, stamped with the send time and its index; returns the ticks' lateness. */
async function talk(speakers: readonly TestClient[], seconds: number): Promise<{ seconds: number; late: number[] }> {
  const frames = Math.round((seconds * 1000) / FRAME_MS);
  const payload = new Uint8Array(60);
  const view = new DataView(payload.buffer);
  const late: number[] = [];
  const t0 = monoMs();
  for (let seq = 0; seq < frames; seq++) {
    // Paced on the schedule, not on the previous send: a late tick catches up.
    const due = t0 + seq * FRAME_MS;
    const wait = due - monoMs();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    late.push(monoMs() - due);
    speakers.forEach((s, i) => {
      view.setFloat64(0, monoMs());
      payload[8] = i;
      s.sendDatagram(encodeVoice({ seq, ts: seq * 960, flags: 0, payload }));
    });
  }
  const elapsed = (monoMs() - t0) / 1000;
  // Let the last frames land: the listeners' reports are asked for after this (the path's delay is far below it).
  await new Promise((r) => setTimeout(r, 200));
  return { seconds: elapsed, late };
}

/** Until both groups of listeners heard every speaker (presence crosses through NATS first); warm-up frames carry 4 bytes, not recorded. */
async function warmUp(speakers: readonly TestClient[], groups: readonly ListenerProc[]): Promise<void> {
  for (let round = 0; groups.some((g) => !g.isWarm()); round++) {
    if (round > 5_000) throw new Error('warm-up: frames do not cross between the relays');
    for (const s of speakers) s.sendDatagram(encodeVoice({ seq: round, ts: round * 960, flags: 0, payload: new Uint8Array(4) }));
    // One control round trip per round: the loop waits on the relay, not on a timer.
    await speakers[0]!.ping();
  }
}

const key = (listener: number, speaker: number, seq: number): number => (listener * 256 + speaker) * 2 ** 20 + seq;

function perFrame(local: number[], cross: number[]): number[] {
  const at = new Map<number, number>();
  for (let i = 0; i < local.length; i += 4) at.set(key(local[i]!, local[i + 1]!, local[i + 2]!), local[i + 3]!);
  const out: number[] = [];
  for (let i = 0; i < cross.length; i += 4) {
    const l = at.get(key(cross[i]!, cross[i + 1]!, cross[i + 2]!));
    if (l !== undefined) out.push(cross[i + 3]! - l);
  }
  return out;
}

const delays = (s: number[]): number[] => s.filter((_, i) => i % 4 === 3);

/** One run: see the module comment. */
export async function measureVoicePath(o: VoicePathOptions): Promise<VoicePathResult> {
  const perPath = Math.max(1, Math.floor(o.listeners / 2));
  const nats = await startNatsServer();
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-org-'));
  const keyFile = join(dir, 'org-key.pem');
  await writeFile(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const name = `b${randomBytes(4).toString('hex')}`;
  const relays: RelayProc[] = [];
  const groups: ListenerProc[] = [];
  const speakers: TestClient[] = [];
  try {
    for (const id of ['r1', 'r2']) relays.push(await startRelayProc({ url: nats.url, name, id, keyFile }, o.workers ?? 0));
    const [r1, r2] = relays as [RelayProc, RelayProc];
    for (let i = 0; i < o.speakers; i++) speakers.push(await connectClient(r1.wsUrl, { name: `s${i}`, bufferDatagrams: false, timeoutMs: 30_000 }));
    await Promise.all(speakers.map((c) => c.openVoice()));
    groups.push(await startListenerProc(r1.wsUrl, perPath, 'l', o.speakers), await startListenerProc(r2.wsUrl, perPath, 'x', o.speakers));
    const [localGroup, crossGroup] = groups as [ListenerProc, ListenerProc];
    await r1.linked;
    await warmUp(speakers, groups);
    const monitor = new ProcMonitor();
    for (const r of relays) r.reset();
    for (const g of groups) g.record();
    const before = await Promise.all([r1.counters(), r2.counters()]);
    const run = await talk(speakers, o.seconds);
    const [localRep, crossRep] = await Promise.all([localGroup.report(), crossGroup.report()]);
    const after = await Promise.all([r1.counters(), r2.counters()]);
    const speakersProc = monitor.read();
    monitor.stop();
    const local = dist(delays(localRep.samples));
    const cross = dist(delays(crossRep.samples));
    const rate = (f: (c: (typeof after)[number]) => number): number => Math.round((f(after[0]) - f(before[0]) + f(after[1]) - f(before[1])) / run.seconds);
    return {
      speakers: o.speakers,
      listenersPerPath: perPath,
      seconds: o.seconds,
      workers: o.workers ?? 0,
      expectedPerPath: o.speakers * perPath * Math.round((o.seconds * 1000) / FRAME_MS),
      local,
      cross,
      addedP50Ms: round(cross.p50Ms - local.p50Ms),
      addedP99Ms: round(cross.p99Ms - local.p99Ms),
      addedP999Ms: round(cross.p999Ms - local.p999Ms),
      addedPerFrame: dist(perFrame(localRep.samples, crossRep.samples)),
      forwardedPerSec: rate((c) => c.forwarded),
      crossFramesPerSec: rate((c) => c.crossSent),
      crossMessagesPerSec: rate((c) => c.crossMessages),
      linkReport: after[0].reported.r2 ?? null,
      proc: {
        relay1: after[0].proc,
        relay2: after[1].proc,
        speakers: { ...speakersProc, tickLateP99Ms: dist(run.late).p99Ms },
        localListeners: localRep.proc,
        crossListeners: crossRep.proc,
      },
    };
  } finally {
    await Promise.all(speakers.map((c) => c.close()));
    await Promise.all(groups.map((g) => g.stop()));
    for (const r of relays) await r.stop();
    await nats.close();
    await rm(dir, { recursive: true, force: true });
  }
}
