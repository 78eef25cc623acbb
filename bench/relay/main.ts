/**
 * `npm run bench:relay -- --json [--users N] [--rooms R] [--speakers S] [--seconds T] [--no-bundles] [--perms] [--relay-cpus LIST --generator-cpus LIST] [--soak | --voice-workers-only | --compare-bundles]`
 *
 * Starts a real relay and simulated clients in separate processes (see
 * load-rig.ts), runs the scenarios, a saturation search on the relay and on a
 * plain-UDP baseline under the same load, and prints ONE JSON object on
 * stdout (progress goes to stderr). `--users/--rooms/--speakers` replace the
 * three default scenarios with one; `--seconds` is the measurement window of
 * each step (default 3), or the soak's length with `--soak` (default 600).
 * `--voice-workers-only` runs just the in-relay worker scaling (saturation
 * with `voiceWorkers` 1 and 2, one relay process) and prints
 * `{ voiceWorkers, machine }`. `--no-bundles`: the simulated clients do not
 * offer to read BUNDLE datagrams (the relay then sends every frame alone);
 * `--compare-bundles` runs each scenario with and without them. `--perms`:
 * the relay's rooms sit under a 10-deep chain carrying 100 rules
 * (perms-tree.ts) for the scenarios and the one-process saturation search,
 * to show forwarding costs the same with permissions (the speak decision is
 * made at join and on rule changes, never per datagram).
 * `--relay-cpus 0-1 --generator-cpus 2-5` pins the forwarder processes and
 * the load generators to separate CPUs (taskset), for boxes with the cores
 * to spare: delay and worker scaling are then measured without the
 * generators competing for the forwarder's cores.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { round } from './load-rig.ts';
import type { StepResult } from './load-rig.ts';
import { buildReport, machineInfo } from './report.ts';
import { findSaturation, withinLossLimit } from './saturation.ts';
import { isCpuList } from './cpu-pinning.ts';
import type { RigOptions } from './load-rig.ts';
import type { Saturation } from './saturation.ts';
import { DEFAULT_SCENARIOS, describeStep, measureScenario, progress, SATURATION_RIG, speakersFor, withRig } from './scenarios.ts';
import type { ScenarioResult, ScenarioSpec } from './scenarios.ts';
import { runSoak } from './soak.ts';

/** CPU masks for the forwarder and the generators (`--relay-cpus`, `--generator-cpus`). */
type Pinning = Pick<RigOptions, 'targetCpus' | 'generatorCpus'>;

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer [value:${text}]`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      'voice-workers-only': { type: 'boolean', default: false },
      users: { type: 'string' },
      rooms: { type: 'string' },
      speakers: { type: 'string' },
      seconds: { type: 'string' },
      'no-bundles': { type: 'boolean', default: false },
      perms: { type: 'boolean', default: false },
      'compare-bundles': { type: 'boolean', default: false },
      'relay-cpus': { type: 'string' },
      'generator-cpus': { type: 'string' },
    },
    strict: true,
  });
  const users = positive('users', values.users);
  const rooms = positive('rooms', values.rooms);
  const speakers = positive('speakers', values.speakers);
  const seconds = positive('seconds', values.seconds);
  const machine = machineInfo();
  // Simulated clients read bundles as the web client does; --no-bundles measures the relay without them.
  const bundles = !values['no-bundles'];
  for (const flag of ['relay-cpus', 'generator-cpus'] as const) {
    const list = values[flag];
    if (list !== undefined && !isCpuList(list)) {
      console.error(`--${flag} takes a CPU list like 0-1 or 0,2 [value:${list}]`);
      process.exitCode = 2;
      return;
    }
  }
  // On a box with enough cores, keep the generators off the forwarder's cores (applies to every rig).
  const pinning = {
    ...(values['relay-cpus'] !== undefined ? { targetCpus: values['relay-cpus'] } : {}),
    ...(values['generator-cpus'] !== undefined ? { generatorCpus: values['generator-cpus'] } : {}),
  };

  if (values.soak) {
    const soak = await runSoak({
      seconds: seconds ?? 600,
      users: users ?? 100,
      rooms: rooms ?? 10,
      speakersPerRoom: speakers ?? 2,
      churnPerSecond: 2,
    });
    machine.loadavgEnd = loadavg().map((x) => round(x, 2));
    console.log(JSON.stringify({ soak, machine }));
    return;
  }

  const timing = { warmupMs: 500, measureMs: (seconds ?? 3) * 1000 };
  if (values['voice-workers-only']) {
    const voiceWorkers = await measureVoiceWorkers(SATURATION_RIG, timing, 40_000 + Math.floor(Math.random() * 20_000), bundles, pinning);
    machine.loadavgEnd = loadavg().map((x) => round(x, 2));
    console.log(JSON.stringify({ voiceWorkers, machine }, null, values.json ? 0 : 2));
    return;
  }
  const specs: readonly ScenarioSpec[] =
    users || rooms || speakers
      ? [{ name: 'custom', users: users ?? 100, rooms: rooms ?? 10, speakersPerRoom: speakers ?? 2 }]
      : DEFAULT_SCENARIOS;
  if (values['compare-bundles']) {
    const compare = await compareBundles(specs, timing, 40_000 + Math.floor(Math.random() * 20_000), pinning);
    machine.loadavgEnd = loadavg().map((x) => round(x, 2));
    console.log(JSON.stringify({ compareBundles: compare, machine }, null, values.json ? 0 : 2));
    return;
  }
  const largest = specs.reduce((a, b) => (b.users > a.users ? b : a));
  // Saturation runs on fewer, bigger rooms: each talker then costs 49 copies, so the search
  // measures per-copy cost rather than the fixed cost of hundreds of idle PeerConnections.
  const satRig = specs === DEFAULT_SCENARIOS ? SATURATION_RIG : { users: largest.users, rooms: largest.rooms };
  const muxPort = 40_000 + Math.floor(Math.random() * 20_000);
  const scenarios: ScenarioResult[] = [];
  let rssPerUserKB = 0;
  for (const spec of specs) {
    await withRig({ target: 'relay', users: spec.users, rooms: spec.rooms, udpMuxPort: muxPort, bundles, perms: values.perms, ...pinning }, async (rig) => {
      const result = await measureScenario(rig, spec, timing);
      scenarios.push(result);
      if (spec === largest) rssPerUserKB = result.rssPerUserKB;
    });
  }
  let relay: Saturation = { best: undefined, firstBad: undefined, steps: [] };
  let throughput: Saturation = { best: undefined, firstBad: undefined, steps: [] };
  let half: StepResult | undefined;
  let halfTalkers = 1;
  let maxTalkers = 0;
  await withRig({ target: 'relay', ...satRig, udpMuxPort: muxPort, bundles, perms: values.perms, ...pinning }, async (rig) => {
    maxTalkers = rig.maxTalkers;
    relay = await findSaturation(rig, { timing, start: 2 });
    for (const s of relay.steps) progress(`saturation [relay]: ${describeStep(s)}`);
    const best = relay.best;
    if (best) {
      halfTalkers = speakersFor(best.offeredPerSec / 2, best.offeredPerSec / best.talkers, rig.maxTalkers);
      half = await rig.step(halfTalkers, timing);
      progress(`half saturation [relay]: ${describeStep(half)}`);
    }
    // Past the delay limit: the most the relay forwards with ≤ 1 % loss, whatever the delay.
    throughput = await findSaturation(rig, { timing, start: Math.max(2, (relay.best?.talkers ?? 1) * 2), good: withinLossLimit, bisections: 1 });
    for (const s of throughput.steps) progress(`throughput [relay]: ${describeStep(s)}`);
  });
  // Scaling: the same rooms sharded over two relay processes (one per core).
  let twoShards: Saturation = { best: undefined, firstBad: undefined, steps: [] };
  await withRig({ target: 'relay', ...satRig, shards: 2, udpMuxPort: muxPort + 10, bundles, ...pinning }, async (rig) => {
    twoShards = await findSaturation(rig, { timing, start: Math.max(2, relay.best?.talkers ?? 2) });
    for (const s of twoShards.steps) progress(`saturation [relay x2]: ${describeStep(s)}`);
  });
  const voiceWorkers = await measureVoiceWorkers(satRig, timing, muxPort + 20, bundles, pinning, relay.best?.talkers);
  let baseline: Saturation = { best: undefined, firstBad: undefined, steps: [] };
  let baselineAtHalf: StepResult | undefined;
  await withRig({ target: 'udp', users: largest.users, rooms: largest.rooms, ...pinning }, async (rig) => {
    scenarios.push(await measureScenario(rig, largest, timing));
  });
  await withRig({ target: 'udp', ...satRig, ...pinning }, async (rig) => {
    baseline = await findSaturation(rig, { timing, start: 2 });
    for (const s of baseline.steps) progress(`saturation [udp]: ${describeStep(s)}`);
    baselineAtHalf = await rig.step(halfTalkers, timing);
    progress(`same load as relay half saturation [udp]: ${describeStep(baselineAtHalf)}`);
  });
  machine.loadavgEnd = loadavg().map((x) => round(x, 2));
  const report = buildReport({
    machine,
    scenarios,
    relay,
    throughput,
    baseline,
    maxTalkers,
    half,
    baselineAtHalf,
    rssPerUserKB,
    seconds: timing.measureMs / 1000,
    saturationRig: { ...satRig, relayUdpMux: true, clientsReadBundles: bundles, ...pinning },
    workers: {
      note: 'rooms sharded over N relay processes (room i on process i mod N), users connect to the one holding their room; the control plane is not shared between them',
      one: { forwardedPerSec: relay.best?.forwardedPerSec ?? 0, relayCpuPct: relay.best?.targetCpuPct ?? null },
      two: { forwardedPerSec: twoShards.best?.forwardedPerSec ?? 0, relayCpuPct: twoShards.best?.targetCpuPct ?? null, steps: twoShards.steps },
      scaling: relay.best && twoShards.best ? round(twoShards.best.forwardedPerSec / relay.best.forwardedPerSec, 3) : null,
    },
    voiceWorkers,
  });
  // With --perms, the scenarios and the one-process saturation ran under the 10-deep, 100-rule tree.
  const perms = values.perms ? { depth: 10, rules: 100, appliesTo: ['scenarios (relay)', 'saturation (relay, one process)'] } : null;
  console.log(JSON.stringify({ ...report, perms }, null, values.json ? 0 : 2));
}

/** Talkers of the fixed overload step in the voice worker measurement (8 × 49 × 50 = 19,600 copies/s offered). */
const STRESS_TALKERS = 8;

/**
 * In-relay scaling: one relay process with `voiceWorkers` 1, then 2 (the
 * control plane shared, PeerConnections placed by the relay). The ratio of
 * the two saturation rates is `workerScaling1to2`.
 */
async function measureVoiceWorkers(
  rig: { readonly users: number; readonly rooms: number },
  timing: { readonly warmupMs: number; readonly measureMs: number },
  muxPort: number,
  bundles: boolean,
  pinning: Pinning,
  startTalkers = 2,
): Promise<{
  note: string;
  rates: Record<string, number>;
  cpuPct: Record<string, number | null>;
  steps: Record<string, readonly StepResult[]>;
  workerScaling1to2: number | null;
  stress: Record<string, StepResult | null>;
  stressScaling1to2: number | null;
}> {
  const found: Record<string, Saturation> = {};
  const stress: Record<string, StepResult | null> = {};
  for (const n of [1, 2]) {
    await withRig({ target: 'relay', ...rig, voiceWorkers: n, udpMuxPort: muxPort + 2 * n, bundles, ...pinning }, async (r) => {
      const sat = await findSaturation(r, { timing, start: Math.max(2, startTalkers) });
      for (const s of sat.steps) progress(`saturation [relay, ${n} voice worker${n > 1 ? 's' : ''}]: ${describeStep(s)}`);
      found[n] = sat;
      // A fixed load past the latency limit: how much each count forwards when CPU, not p99, binds.
      const talkers = Math.min(STRESS_TALKERS, r.maxTalkers);
      stress[n] = await r.step(talkers, timing);
      progress(`stress [relay, ${n} voice worker${n > 1 ? 's' : ''}]: ${describeStep(stress[n]!)}`);
    });
  }
  const one = found[1]?.best;
  const two = found[2]?.best;
  return {
    note: 'one relay process with createRelay voiceWorkers = N child processes forwarding voice (PeerConnections placed per room by the relay); rates are saturation forwarded copies/s; cpuPct sums the relay and its workers; the load generators share the same cores',
    rates: { '1': one?.forwardedPerSec ?? 0, '2': two?.forwardedPerSec ?? 0 },
    cpuPct: { '1': one?.targetCpuPct ?? null, '2': two?.targetCpuPct ?? null },
    steps: { '1': found[1]?.steps ?? [], '2': found[2]?.steps ?? [] },
    workerScaling1to2: one && two ? round(two.forwardedPerSec / one.forwardedPerSec, 3) : null,
    stress,
    stressScaling1to2: stress[1] && stress[2] && stress[1].forwardedPerSec > 0 ? round(stress[2].forwardedPerSec / stress[1].forwardedPerSec, 3) : null,
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);

/**
 * `--compare-bundles`: each scenario twice in one run, on a fresh relay each
 * time, with clients that read bundles and with clients that do not; reports
 * both and the ratios (what bundling buys when the relay falls behind).
 */
async function compareBundles(
  specs: readonly ScenarioSpec[],
  timing: { readonly warmupMs: number; readonly measureMs: number },
  muxPort: number,
  pinning: Pinning,
): Promise<readonly { name: string; withBundles: ScenarioResult; without: ScenarioResult; forwardedRatio: number; relayCpuUsPerCopyRatio: number | null }[]> {
  const out = [];
  for (const spec of specs) {
    const results: Record<'with' | 'without', ScenarioResult | undefined> = { with: undefined, without: undefined };
    for (const mode of ['without', 'with'] as const) {
      await withRig({ target: 'relay', users: spec.users, rooms: spec.rooms, udpMuxPort: muxPort + (mode === 'with' ? 1 : 0), bundles: mode === 'with', ...pinning }, async (rig) => {
        results[mode] = await measureScenario(rig, { ...spec, name: `${spec.name} (${mode} bundles)` }, timing);
      });
    }
    const withBundles = results.with!;
    const without = results.without!;
    out.push({
      name: spec.name,
      withBundles,
      without,
      forwardedRatio: round(withBundles.forwardedPerSec / Math.max(1, without.forwardedPerSec), 2),
      relayCpuUsPerCopyRatio: without.targetCpuUsPerCopy > 0 ? round(withBundles.targetCpuUsPerCopy / without.targetCpuUsPerCopy, 2) : null,
    });
  }
  return out;
}
