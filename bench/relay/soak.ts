/**
 * Soak: a steady population with talkers in every room, while other users
 * keep joining and leaving (full handshake, room join, voice channel, then
 * close) for the whole run. Reports the relay's memory over time, delay and
 * loss of the steady population, and whether the relay crashed.
 */
import { fileURLToPath } from 'node:url';
import { Child } from './ipc.ts';
import type { LoadReply, LoadRequest, SimUser, TargetAddress } from './ipc.ts';
import { LoadRig, round } from './load-rig.ts';
import type { StepResult } from './load-rig.ts';
import { roomId } from './rooms.ts';
import { describeStep, progress } from './scenarios.ts';

/** Soak settings. */
export interface SoakOptions {
  readonly seconds: number;
  readonly users: number;
  readonly rooms: number;
  readonly speakersPerRoom: number;
  /** Churn users joining (and as many leaving) per second. */
  readonly churnPerSecond: number;
}

/** Soak report. */
export interface SoakResult {
  readonly seconds: number;
  readonly users: number;
  readonly rooms: number;
  readonly speakersPerRoom: number;
  readonly churnJoins: number;
  readonly churnFailures: number;
  readonly rssStartKiB: number;
  readonly rssEndKiB: number;
  readonly rssMaxKiB: number;
  /** RSS samples, one per measured window. */
  readonly rssKiB: readonly number[];
  /** V8 heap in use per window (after the window; not forced by a GC). */
  readonly heapUsedKiB: readonly number[];
  readonly crashes: number;
  readonly internalErrors: number;
  readonly worstLossPct: number;
  readonly worstP99Ms: number;
  readonly windows: readonly StepResult[];
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const WINDOW = { warmupMs: 500, measureMs: 8_000 };

/** Runs a soak. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  progress(`soak: ${options.users} users in ${options.rooms} rooms, ${options.speakersPerRoom} talking per room, ${options.churnPerSecond} joins+leaves/s, ${options.seconds} s`);
  const rig = await LoadRig.start({ target: 'relay', users: options.users, rooms: options.rooms });
  const churn = new Child<LoadRequest, LoadReply>(here('./load-process.ts'), 'churn');
  await churn.ready();
  const address: TargetAddress = rig.address;
  let churnJoins = 0;
  let churnFailures = 0;
  let nextId = 1_000_000;
  const present: number[] = [];
  const endAt = performance.now() + options.seconds * 1000;
  let stopping = false;
  const churnLoop = (async () => {
    while (!stopping && performance.now() < endAt) {
      const t0 = performance.now();
      const joining: SimUser[] = Array.from({ length: options.churnPerSecond }, () => {
        const id = nextId++;
        const r = id % options.rooms;
        return { id, room: roomId(r), voiceId: r + 1 };
      });
      const res = await churn.request({ type: 'connect', target: address, users: joining, concurrency: 2, bundles: true });
      if (res.type === 'connected') {
        churnJoins += res.connected;
        churnFailures += res.failedIds.length;
        const failed = new Set(res.failedIds);
        present.push(...joining.filter((u) => !failed.has(u.id)).map((u) => u.id));
      }
      if (present.length > options.churnPerSecond * 10) await churn.request({ type: 'disconnect', ids: present.splice(0, options.churnPerSecond) });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - t0))));
    }
  })();
  const windows: StepResult[] = [];
  const rss: number[] = [];
  const heap: number[] = [];
  let crashes = 0;
  try {
    while (performance.now() < endAt - WINDOW.measureMs - WINDOW.warmupMs) {
      if (rig.targetExited) {
        crashes++;
        break;
      }
      const w = await rig.step(options.speakersPerRoom * options.rooms, WINDOW);
      windows.push(w);
      rss.push(rig.rssKiB());
      heap.push((await rig.targetStats()).heapUsedKiB);
      progress(`soak t=${Math.round(options.seconds - (endAt - performance.now()) / 1000)} s: ${describeStep(w)} rss=${rss.at(-1)} KiB heap=${heap.at(-1)} KiB churn=${churnJoins}`);
    }
  } finally {
    stopping = true;
    await churnLoop.catch(() => {});
  }
  const stats = rig.targetExited ? undefined : await rig.targetStats();
  if (rig.targetExited) crashes = Math.max(crashes, 1);
  await churn.stop({ type: 'exit' });
  await rig.close();
  return {
    seconds: options.seconds,
    users: options.users,
    rooms: options.rooms,
    speakersPerRoom: options.speakersPerRoom,
    churnJoins,
    churnFailures,
    rssStartKiB: rss[0] ?? 0,
    rssEndKiB: rss.at(-1) ?? 0,
    rssMaxKiB: Math.max(0, ...rss),
    rssKiB: rss,
    heapUsedKiB: heap,
    crashes,
    internalErrors: stats?.internalErrors ?? -1,
    worstLossPct: round(Math.max(0, ...windows.map((w) => w.lossPct)), 3),
    worstP99Ms: round(Math.max(0, ...windows.map((w) => w.p99Ms)), 3),
    windows,
  };
}
