/**
 * A target (the relay or the UDP baseline) plus load generator processes
 * holding the simulated users, set up once and then driven step by step:
 * each step makes S users per room speak and measures one window.
 */
import { fileURLToPath } from 'node:url';
import { pinProcess } from './cpu-pinning.ts';
import { Histogram } from './histogram.ts';
import { Child } from './ipc.ts';
import type { LoadReply, LoadRequest, SimUser, TargetAddress, TargetReply, TargetRequest } from './ipc.ts';
import { nowUs } from './packet.ts';
import { cpuPercent, markCpu, rssKiB } from './proc-stats.ts';
import type { CpuMark } from './proc-stats.ts';
import { roomId } from './rooms.ts';

/** Which forwarder a rig drives. */
export type TargetKind = 'relay' | 'udp';

/** Shape of a rig. */
export interface RigOptions {
  readonly target: TargetKind;
  readonly users: number;
  readonly rooms: number;
  /** Load generator processes (default: one per 50 users, 2..4). */
  readonly generators?: number;
  /**
   * Forwarder processes, rooms sharded across them (room i on shard i mod n):
   * how the relay's datagram path scales when rooms run on several cores.
   * Default 1.
   */
  readonly shards?: number;
  /** Relay voice worker processes (createRelay `voiceWorkers`); their CPU counts as the target's. Default 0. */
  readonly voiceWorkers?: number;
  /** Relay ICE UDP mux: all PeerConnections of shard i on port `udpMuxPort + i` (see RtcOptions). Default off. */
  readonly udpMuxPort?: number;
  /** The relay's rooms under a 10-deep chain carrying 100 rules (`--perms`, perms-tree.ts). Default false. */
  readonly perms?: boolean;
  /** Simulated clients offer to read BUNDLE datagrams, as the web client does. Default true. */
  readonly bundles?: boolean;
  /** CPUs for the forwarder processes (relay, its workers, or the baseline), taskset list. Default: any. */
  readonly targetCpus?: string;
  /** CPUs for the load generators, taskset list. Default: any. */
  readonly generatorCpus?: string;
}

/** Timing of one measured step. */
export interface StepTiming {
  readonly warmupMs: number;
  readonly measureMs: number;
}

/** What one step measured. */
export interface StepResult {
  /** People talking at once, spread evenly over the rooms. */
  readonly talkers: number;
  /** Talkers per room (fractional when they do not divide evenly). */
  readonly speakersPerRoom: number;
  /** Copies the load asked for per second (speakers × 50 × (room size − 1)). */
  readonly offeredPerSec: number;
  /** Copies that arrived per second. */
  readonly forwardedPerSec: number;
  readonly lossPct: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Percent of one core used by the forwarder process(es). */
  readonly targetCpuPct: number;
  /** Forwarder CPU time per forwarded copy, µs (all its threads: JS, SCTP, DTLS, syscalls). */
  readonly targetCpuUsPerCopy: number;
  /** Percent of one core used by all load generators together. */
  readonly generatorCpuPct: number;
  /** Generator send ticks that ran late (> 5 ms): a sign the generator, not the forwarder, was short of CPU. */
  readonly lateTicks: number;
  /** Percent of the copies the forwarder sent in the window that left packed in bundles (the relay falling behind). */
  readonly bundledPct: number;
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const DEFAULT_TIMING: StepTiming = { warmupMs: 500, measureMs: 3_000 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function expectOk<T extends { type: string }, K extends T['type']>(reply: T, type: K): Extract<T, { type: K }> {
  if (reply.type !== type) throw new Error(`expected ${type}, got ${reply.type}`);
  return reply as Extract<T, { type: K }>;
}

/** A running target and its load. */
export class LoadRig {
  readonly options: RigOptions;
  readonly #targets: ReadonlyArray<Child<TargetRequest, TargetReply>>;
  readonly #targetPids: readonly number[];
  /** Where the users connected (the first shard's address when sharded). */
  readonly address: TargetAddress;
  readonly #generators: Array<Child<LoadRequest, LoadReply>>;
  /** Connected users by room index. */
  readonly #rooms: SimUser[][];
  readonly #byGenerator: Map<number, number>;
  /** Forwarder RSS before any user connected, KiB. */
  readonly idleRssKiB: number;
  /** Users that connected / failed, and extra voice offers needed. */
  readonly connected: number;
  readonly failed: number;
  readonly retries: number;
  readonly connectMs: number;

  private constructor(init: {
    options: RigOptions;
    targets: ReadonlyArray<Child<TargetRequest, TargetReply>>;
    targetPids: readonly number[];
    address: TargetAddress;
    generators: Array<Child<LoadRequest, LoadReply>>;
    rooms: SimUser[][];
    byGenerator: Map<number, number>;
    idleRssKiB: number;
    failed: number;
    retries: number;
    connectMs: number;
  }) {
    this.options = init.options;
    this.#targets = init.targets;
    this.#targetPids = init.targetPids;
    this.address = init.address;
    this.#generators = init.generators;
    this.#rooms = init.rooms;
    this.#byGenerator = init.byGenerator;
    this.idleRssKiB = init.idleRssKiB;
    this.failed = init.failed;
    this.connected = init.rooms.reduce((n, r) => n + r.length, 0);
    this.retries = init.retries;
    this.connectMs = init.connectMs;
  }

  /** Starts the target and the generators and connects every user. */
  static async start(options: RigOptions): Promise<LoadRig> {
    const shardCount = options.shards ?? 1;
    const module = here(options.target === 'relay' ? './relay-process.ts' : './udp-forwarder.ts');
    const targets = Array.from({ length: shardCount }, (_, i) => new Child<TargetRequest, TargetReply>(module, `${options.target}-${i}`));
    const generatorCount = options.generators ?? Math.min(4, Math.max(2, Math.ceil(options.users / 50)));
    const generators = Array.from({ length: generatorCount }, (_, i) => new Child<LoadRequest, LoadReply>(here('./load-process.ts'), `load-${i}`));
    try {
      await Promise.all([...targets, ...generators].map((c) => c.ready()));
      const started = await Promise.all(
        targets.map(async (t, i) =>
          expectOk(
            await t.request({
              type: 'start',
              rooms: options.rooms,
              workers: 1,
              ...(options.voiceWorkers ? { voiceWorkers: options.voiceWorkers } : {}),
              ...(options.perms ? { perms: true } : {}),
              ...(options.udpMuxPort !== undefined ? { udpMuxPort: options.udpMuxPort + i } : {}),
            }),
            'started',
          ),
        ),
      );
      const targetPids = started.flatMap((s) => s.pids);
      // Before any user connects: the threads their PeerConnections start inherit the mask.
      if (options.targetCpus !== undefined) for (const pid of targetPids) pinProcess(pid, options.targetCpus);
      if (options.generatorCpus !== undefined) for (const g of generators) pinProcess(g.pid, options.generatorCpus);
      await sleep(200);
      const idleRssKiB = targetPids.reduce((n, pid) => n + rssKiB(pid), 0);
      const users: SimUser[] = Array.from({ length: options.users }, (_, id) => ({ id, room: roomId(id % options.rooms), voiceId: (id % options.rooms) + 1 }));
      const byGenerator = new Map<number, number>();
      for (const u of users) byGenerator.set(u.id, u.id % generatorCount);
      const t0 = performance.now();
      const replies = await Promise.all(
        generators.map(async (g, i) => {
          const mine = users.filter((u) => byGenerator.get(u.id) === i);
          const out = [];
          for (let shard = 0; shard < shardCount; shard++) {
            const share = mine.filter((u) => (u.voiceId - 1) % shardCount === shard);
            if (share.length > 0) out.push(expectOk(await g.request({ type: 'connect', target: started[shard]!.address, users: share, concurrency: 4, bundles: options.bundles ?? true }), 'connected'));
          }
          return out;
        }),
      ).then((r) => r.flat());
      const connectMs = performance.now() - t0;
      const failedIds = new Set(replies.flatMap((r) => r.failedIds));
      const rooms: SimUser[][] = Array.from({ length: options.rooms }, () => []);
      for (const u of users) if (!failedIds.has(u.id)) rooms[u.id % options.rooms]!.push(u);
      return new LoadRig({
        options,
        targets,
        targetPids,
        address: started[0]!.address,
        generators,
        rooms,
        byGenerator,
        idleRssKiB,
        failed: failedIds.size,
        retries: replies.reduce((n, r) => n + r.retries, 0),
        connectMs,
      });
    } catch (error) {
      for (const c of [...targets, ...generators]) if (!c.exited) c.process.kill('SIGKILL');
      throw error;
    }
  }

  /** Forwarder process ids (CPU and memory are read from /proc). */
  get targetPids(): readonly number[] {
    return this.#targetPids;
  }

  /** Connected users: the most talkers a step can have. */
  get maxTalkers(): number {
    return this.connected;
  }

  /** Forwarder RSS now, KiB. */
  rssKiB(): number {
    return this.#targetPids.reduce((n, pid) => n + rssKiB(pid), 0);
  }

  /** The forwarders' counters (forwarded, drops, internal errors), summed over shards. */
  async targetStats(): Promise<Extract<TargetReply, { type: 'stats' }>> {
    const all = await Promise.all(this.#targets.map(async (t) => expectOk(await t.request({ type: 'stats' }), 'stats')));
    const drops: Record<string, number> = {};
    for (const s of all) for (const [k, v] of Object.entries(s.drops)) drops[k] = (drops[k] ?? 0) + v;
    return {
      type: 'stats',
      forwarded: all.reduce((n, s) => n + s.forwarded, 0),
      bundled: all.reduce((n, s) => n + s.bundled, 0),
      drops,
      internalErrors: all.reduce((n, s) => n + s.internalErrors, 0),
      heapUsedKiB: all.reduce((n, s) => n + s.heapUsedKiB, 0),
      externalKiB: all.reduce((n, s) => n + s.externalKiB, 0),
    };
  }

  /** True if a forwarder process is gone (crashed). */
  get targetExited(): boolean {
    return this.#targets.some((t) => t.exited);
  }

  /** Runs one step with `talkers` people talking, spread evenly over the rooms. */
  async step(talkers: number, timing: StepTiming = DEFAULT_TIMING): Promise<StepResult> {
    const n = this.#rooms.length;
    const speakers = this.#rooms.flatMap((r, i) => r.slice(0, Math.floor(talkers / n) + (i < talkers % n ? 1 : 0)));
    const roomSize = new Map<number, number>();
    for (const r of this.#rooms) for (const u of r) roomSize.set(u.id, r.length);
    const startUs = nowUs() + 300_000;
    const measureFromUs = startUs + timing.warmupMs * 1000;
    const measureToUs = measureFromUs + timing.measureMs * 1000;
    const stopUs = measureToUs + 100_000;
    await Promise.all(
      this.#generators.map(async (g, i) =>
        expectOk(
          await g.request({
            type: 'run',
            speakers: speakers.filter((u) => this.#byGenerator.get(u.id) === i).map((u) => u.id),
            startUs,
            measureFromUs,
            measureToUs,
            stopUs,
          }),
          'running',
        ),
      ),
    );
    const genPids = this.#generators.map((g) => g.pid);
    await sleep((measureFromUs - nowUs()) / 1000);
    const targetFrom: CpuMark = markCpu(this.#targetPids);
    const genFrom: CpuMark = markCpu(genPids);
    const countsFrom = await this.targetStats();
    await sleep((measureToUs - nowUs()) / 1000);
    const targetCpuPct = cpuPercent(targetFrom, markCpu(this.#targetPids));
    const generatorCpuPct = cpuPercent(genFrom, markCpu(genPids));
    const countsTo = await this.targetStats();
    const copies = countsTo.forwarded - countsFrom.forwarded;
    // Drain: packets stamped inside the window still in flight.
    await sleep((stopUs - nowUs()) / 1000 + 500);
    const results = await Promise.all(this.#generators.map(async (g) => expectOk(await g.request({ type: 'collect' }), 'result')));
    const delay = new Histogram();
    let expected = 0;
    let received = 0;
    let lateTicks = 0;
    for (const r of results) {
      delay.merge(r.delay);
      received += r.receivedInWindow;
      lateTicks += r.lateTicks;
      for (const [id, sent] of Object.entries(r.sentInWindow)) expected += sent * ((roomSize.get(Number(id)) ?? 1) - 1);
    }
    const seconds = timing.measureMs / 1000;
    const offered = speakers.reduce((n, u) => n + 50 * ((roomSize.get(u.id) ?? 1) - 1), 0);
    return {
      talkers: speakers.length,
      speakersPerRoom: round(speakers.length / n, 2),
      offeredPerSec: offered,
      forwardedPerSec: Math.round(received / seconds),
      lossPct: expected > 0 ? round(Math.max(0, (1 - received / expected) * 100), 3) : 0,
      p50Ms: round(delay.quantileMs(0.5), 3),
      p99Ms: round(delay.quantileMs(0.99), 3),
      maxMs: round(delay.quantileMs(1), 3),
      targetCpuPct: round(targetCpuPct, 1),
      targetCpuUsPerCopy: received > 0 ? round((targetCpuPct / 100) * 1e6 / (received / seconds), 2) : 0,
      generatorCpuPct: round(generatorCpuPct, 1),
      lateTicks,
      bundledPct: copies > 0 ? round(((countsTo.bundled - countsFrom.bundled) / copies) * 100, 1) : 0,
    };
  }

  /** Disconnects users by id (soak churn). */
  async disconnect(ids: readonly number[]): Promise<void> {
    await Promise.all(
      this.#generators.map((g, i) => g.request({ type: 'disconnect', ids: ids.filter((id) => this.#byGenerator.get(id) === i) })),
    );
  }

  /** Stops every process. */
  async close(): Promise<void> {
    await Promise.all(this.#generators.map((g) => g.stop({ type: 'exit' })));
    await Promise.all(this.#targets.map((t) => t.stop({ type: 'exit' })));
  }
}

/** Rounds to `digits` decimals. */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
