/**
 * The one JSON object `npm run bench:relay -- --json` prints: headline
 * figures first (the names), then everything they were derived from.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import type { StepResult } from './load-rig.ts';
import { round } from './load-rig.ts';
import { SATURATION_LOSS_PCT, SATURATION_P99_MS } from './saturation.ts';
import type { Saturation } from './saturation.ts';
import type { ScenarioResult } from './scenarios.ts';

/** The machine, and how busy it was (other processes share these cores). */
export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memGiB: number;
  readonly node: string;
  readonly loadavgStart: readonly number[];
  loadavgEnd: readonly number[];
}

/** What the headline is computed from. */
export interface BenchInputs {
  readonly machine: MachineInfo;
  readonly scenarios: readonly ScenarioResult[];
  readonly relay: Saturation;
  /** The same rig past the delay limit: loss ≤ 1 % only. */
  readonly throughput: Saturation;
  readonly baseline: Saturation;
  /** Users in the saturation rig: the most talkers a search can try. */
  readonly maxTalkers: number;
  readonly half: StepResult | undefined;
  readonly baselineAtHalf: StepResult | undefined;
  readonly rssPerUserKB: number;
  readonly workers?: unknown;
  /** In-relay voice worker scaling (createRelay `voiceWorkers` 1 and 2). */
  readonly voiceWorkers?: unknown;
  readonly saturationRig: { readonly users: number; readonly rooms: number; readonly relayUdpMux: boolean; readonly clientsReadBundles: boolean; readonly targetCpus?: string; readonly generatorCpus?: string };
  readonly seconds: number;
}

/** Machine facts at start. */
export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? '?',
    memGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    loadavgStart: loadavg().map((x) => round(x, 2)),
    loadavgEnd: [],
  };
}

/** Median CPU µs per copy over steps that forwarded something. */
function usPerCopy(sat: Saturation): number | null {
  const xs = sat.steps.filter((s) => s.forwardedPerSec > 0 && s.targetCpuUsPerCopy > 0).map((s) => s.targetCpuUsPerCopy).sort((a, b) => a - b);
  return xs.length === 0 ? null : xs[Math.floor(xs.length / 2)]!;
}

/** Builds the printed object. */
export function buildReport(x: BenchInputs): Record<string, unknown> {
  const sat = x.relay.best;
  const base = x.baseline.best;
  const baseCapped = base !== undefined && x.baseline.firstBad === undefined && base.talkers >= x.maxTalkers;
  const relayCapped = sat !== undefined && x.relay.firstBad === undefined && sat.talkers >= x.maxTalkers;
  return {
    forwardedPerSec: sat?.forwardedPerSec ?? 0,
    p50AddedMs: x.half?.p50Ms ?? null,
    p99AddedMs: x.half?.p99Ms ?? null,
    maxAddedMs: x.half?.maxMs ?? null,
    lossPct: x.half?.lossPct ?? null,
    relayCpuPct: sat?.targetCpuPct ?? null,
    rssPerUserKB: x.rssPerUserKB,
    baselineForwardedPerSec: base?.forwardedPerSec ?? 0,
    ratioToBaseline: sat && base && base.forwardedPerSec > 0 ? round(sat.forwardedPerSec / base.forwardedPerSec, 3) : null,
    // A search that never failed stopped at the rig's room size: the true figure is at least that.
    relayCappedByRig: relayCapped,
    baselineCappedByRig: baseCapped,
    generatorCpuPctAtSaturation: sat?.generatorCpuPct ?? null,
    // Independent of whether the generator could push the forwarder to its limit on a shared box:
    // CPU per copy, and the rate one fully used core would give at that cost.
    relayCpuUsPerCopy: usPerCopy(x.relay),
    relayProjectedPerCorePerSec: usPerCopy(x.relay) ? Math.round(1e6 / usPerCopy(x.relay)!) : null,
    baselineCpuUsPerCopy: usPerCopy(x.baseline),
    baselineProjectedPerCorePerSec: usPerCopy(x.baseline) ? Math.round(1e6 / usPerCopy(x.baseline)!) : null,
    // Past the 5 ms limit (the co-located generators then need more than their core): the most forwarded
    // with ≤ 1 % loss, with the delay and CPU it came with. Capped by the rig when no step failed.
    throughputPerSecLossOnly: x.throughput.best?.forwardedPerSec ?? null,
    throughputStep: x.throughput.best ?? null,
    throughputCappedByRig: x.throughput.best !== undefined && x.throughput.firstBad === undefined && x.throughput.best.talkers >= x.maxTalkers,
    halfSaturation: x.half ?? null,
    baselineAtHalfSaturationLoad: x.baselineAtHalf ?? null,
    addedOverBaselineAtHalfMs: x.half && x.baselineAtHalf ? {
      p50: round(x.half.p50Ms - x.baselineAtHalf.p50Ms, 3),
      p99: round(x.half.p99Ms - x.baselineAtHalf.p99Ms, 3),
    } : null,
    scenarios: x.scenarios,
    saturation: {
      limits: { p99Ms: SATURATION_P99_MS, lossPct: SATURATION_LOSS_PCT },
      rig: x.saturationRig,
      relay: x.relay,
      baseline: x.baseline,
    },
    ...(x.workers !== undefined ? { workers: x.workers } : {}),
    ...(x.voiceWorkers !== undefined ? { voiceWorkers: x.voiceWorkers } : {}),
    method: {
      delay: 'one-way, sender stamp (CLOCK_MONOTONIC µs in the Opus payload tail) to the receiving client\'s message callback; includes both clients\' WebRTC stacks, so it over-states the relay\'s share',
      added: 'p50/p99/maxAddedMs are that one-way delay through the relay at the step nearest 50% of the relay\'s saturation rate; addedOverBaselineAtHalfMs subtracts the UDP baseline under the same load',
      loss: '1 - copies received / (packets sent in the window × (room size - 1))',
      cpu: 'percent of one core, from /proc/<pid>/stat over the measurement window',
      windowSeconds: x.seconds,
    },
    machine: x.machine,
  };
}
