/**
 * The default benchmark: three fixed scenarios on the relay, a saturation
 * search on the relay and on the UDP baseline with the same load, and the
 * delay at half the relay's saturation rate.
 */
import { LoadRig, round } from './load-rig.ts';
import type { RigOptions, StepResult, StepTiming, TargetKind } from './load-rig.ts';

/** A fixed scenario. */
export interface ScenarioSpec {
  readonly name: string;
  readonly users: number;
  readonly rooms: number;
  readonly speakersPerRoom: number;
}

/** The issue's three scenarios. */
export const DEFAULT_SCENARIOS: readonly ScenarioSpec[] = [
  { name: '50 users, 1 room, 3 speaking', users: 50, rooms: 1, speakersPerRoom: 3 },
  { name: '100 users, 10 rooms, 2 speaking per room', users: 100, rooms: 10, speakersPerRoom: 2 },
  { name: '500 users, 50 rooms, 2 speaking per room', users: 500, rooms: 50, speakersPerRoom: 2 },
];

/** Where the saturation search runs by default: four rooms of 50. */
export const SATURATION_RIG = { users: 200, rooms: 4 } as const;

/** A scenario's measurement plus how the rig came up. */
export interface ScenarioResult extends StepResult {
  readonly name: string;
  readonly target: TargetKind;
  readonly users: number;
  readonly rooms: number;
  readonly connected: number;
  readonly failedToConnect: number;
  /** Extra voice offers needed during set-up (libdatachannel loopback stalls). */
  readonly voiceRetries: number;
  readonly connectSeconds: number;
  /** Forwarder RSS growth per connected user, KiB (users with open voice channels, idle). */
  readonly rssPerUserKB: number;
}

/** Progress lines go to stderr; stdout carries only the final JSON. */
export function progress(line: string): void {
  process.stderr.write(`[bench:relay] ${line}\n`);
}

/** One line per step for the progress log. */
export function describeStep(r: StepResult): string {
  return `talkers=${r.talkers} offered=${r.offeredPerSec}/s fwd=${r.forwardedPerSec}/s loss=${r.lossPct}% p50=${r.p50Ms} p99=${r.p99Ms} max=${r.maxMs} ms cpu=${r.targetCpuPct}% (${r.targetCpuUsPerCopy} µs/copy) gen=${r.generatorCpuPct}% late=${r.lateTicks} bundled=${r.bundledPct}%`;
}

/** Starts a rig, runs `body`, always closes it. */
export async function withRig<T>(options: RigOptions, body: (rig: LoadRig) => Promise<T>): Promise<T> {
  progress(`starting ${options.target}${options.shards ? ` x${options.shards}` : ""} with ${options.users} users in ${options.rooms} rooms`);
  const rig = await LoadRig.start(options);
  progress(`connected ${rig.connected}/${options.users} in ${(rig.connectMs / 1000).toFixed(1)} s (retries ${rig.retries})`);
  try {
    return await body(rig);
  } finally {
    await rig.close();
  }
}

/** Measures one step and tags it with the scenario. */
export async function measureScenario(rig: LoadRig, spec: ScenarioSpec, timing?: StepTiming): Promise<ScenarioResult> {
  const rssPerUserKB = rig.connected > 0 ? round((rig.rssKiB() - rig.idleRssKiB) / rig.connected, 1) : 0;
  const step = await rig.step(spec.speakersPerRoom * spec.rooms, timing);
  progress(`${spec.name} [${rig.options.target}]: ${describeStep(step)}`);
  return {
    name: spec.name,
    target: rig.options.target,
    users: spec.users,
    rooms: spec.rooms,
    connected: rig.connected,
    failedToConnect: rig.failed,
    voiceRetries: rig.retries,
    connectSeconds: round(rig.connectMs / 1000, 1),
    rssPerUserKB,
    ...step,
  };
}

/** Talkers whose offered rate is closest to `rate`. */
export function speakersFor(rate: number, perSpeaker: number, max: number): number {
  return Math.max(1, Math.min(max, Math.round(rate / perSpeaker)));
}
