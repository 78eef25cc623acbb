/**
 * The main process's side of voice workers: forks N child processes
 * (worker-main.ts, run with the tsx loader like the relay itself), places
 * each session's PeerConnection on one of them, relays signalling over IPC,
 * mirrors the voice-relevant presence to all of them, tells every worker the
 * others' loopback ports, sums their counters, and respawns a worker that
 * dies (its sessions are reported `lost`). A {@link VoicePlane}.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TypedEmitter } from '../../../proto/typed-emitter.ts';
import { RelayError } from '../../errors.ts';
import type { RelayEvents } from '../../events.ts';
import type { RtcOptions } from '../../options.ts';
import type { Presence, VoiceChange } from '../../presence/presence.ts';
import type { DropStats } from '../../stats.ts';
import type { VoicePlane, VoicePlaneOutput, VoiceWorkerStats } from '../plane.ts';
import { parseFromWorker } from './ipc.ts';
import type { FromWorker, ToWorker, WorkerLimits } from './ipc.ts';
import { chooseWorker } from './placement.ts';

/** Dependencies of {@link VoiceWorkerPool}. */
export interface VoiceWorkerPoolDeps {
  /** Worker processes, >= 1. */
  readonly count: number;
  readonly limits: WorkerLimits;
  /** `udpMuxPort`, when set, is the first worker's port; worker i uses `udpMuxPort + i`. */
  readonly rtc: RtcOptions;
  readonly presence: Presence;
  readonly output: VoicePlaneOutput;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  /**
   * How long start-up may take before `start` rejects, ms. Default 120 000: it only bounds a broken
   * start, and spawning the workers (each compiles its modules) took over 30 s on a loaded 2-core box.
   */
  readonly startTimeoutMs?: number;
  /** In a cluster: the workers' way to the relay links (link-gateway.ts), one more loopback peer after the last worker. */
  readonly gateway?: PoolGateway;
}

/** What the pool needs of the gateway to the relay links ({@link LinkGateway} fits). */
export interface PoolGateway {
  /** Its slot index (the worker count). */
  readonly index: number;
  readonly port: number;
  /** True for a user of another relay: placed on the gateway's slot while it listens. */
  carries(sessionId: number): boolean;
  /** Sees every message broadcast to the workers. */
  observe(msg: ToWorker): void;
  close(): void;
}

interface Slot {
  readonly index: number;
  child: ChildProcess | null;
  pid: number;
  /** Loopback UDP port once the worker said `up`; 0 before. */
  port: number;
  readonly sessions: Set<number>;
  forwarded: number;
  dropped: number;
  crashes: number;
  startedAt: number;
  restartDelayMs: number;
  restartTimer: NodeJS.Timeout | undefined;
  /** Pending `sync` barriers by id. */
  readonly syncs: Map<number, () => void>;
}

const ENTRY = fileURLToPath(new URL('./worker-main.ts', import.meta.url));
/** The repository root, so `--import tsx` resolves as it does for `npm run relay`. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A worker that lived this long before dying is respawned at once; faster deaths back off up to MAX. */
const STABLE_MS = 10_000;
const MAX_RESTART_DELAY_MS = 5_000;
const KILL_AFTER_MS = 2_000;

/** Voice PeerConnections spread over worker processes. */
export class VoiceWorkerPool implements VoicePlane {
  readonly #deps: VoiceWorkerPoolDeps;
  readonly #slots: Slot[];
  /** Session -> worker index holding its PeerConnection. */
  readonly #placement = new Map<number, number>();
  /** Session -> its last voice presence (replayed to a respawned worker). */
  readonly #voice = new Map<number, VoiceChange>();
  /** Users of other relays placed on the gateway's slot (in a room, not deafened). */
  readonly #viaGateway = new Set<number>();
  readonly #unwatch: () => void;
  #closing = false;
  #nextSync = 1;
  #startWaiters: Array<() => void> = [];

  private constructor(deps: VoiceWorkerPoolDeps) {
    this.#deps = deps;
    this.#slots = Array.from({ length: deps.count }, (_, index) => ({
      index,
      child: null,
      pid: 0,
      port: 0,
      sessions: new Set<number>(),
      forwarded: 0,
      dropped: 0,
      crashes: 0,
      startedAt: 0,
      restartDelayMs: 100,
      restartTimer: undefined,
      syncs: new Map<number, () => void>(),
    }));
    this.#unwatch = deps.presence.watchVoice((change) => this.#presenceChanged(change));
  }

  /** Forks the workers and resolves once all are up. Rejects with `RelayError('voice-worker')` otherwise. */
  static async start(deps: VoiceWorkerPoolDeps): Promise<VoiceWorkerPool> {
    if (!Number.isInteger(deps.count) || deps.count < 1) throw RelayError.invalidOptions(`voice workers must be >= 1 [count:${deps.count}]`);
    const pool = new VoiceWorkerPool(deps);
    const all = new Promise<void>((resolve) => pool.#startWaiters.push(resolve));
    for (const slot of pool.#slots) pool.#spawn(slot);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(RelayError.voiceWorker('voice workers did not start in time')), deps.startTimeoutMs ?? 120_000);
    });
    try {
      await Promise.race([all, timeout]);
    } catch (error) {
      await pool.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return pool;
  }

  offer(sessionId: number, sdp: string, bundles: boolean, offerId: number): void {
    const voiceId = this.#voice.get(sessionId)?.voiceId ?? 0;
    const running = this.#slots.filter((s) => s.port !== 0);
    const chosen = chooseWorker(
      running.map((slot) => ({
        index: slot.index,
        load: slot.sessions.size - (slot.sessions.has(sessionId) ? 1 : 0),
        roomMembers: voiceId === 0 ? 0 : [...slot.sessions].filter((s) => s !== sessionId && this.#voice.get(s)?.voiceId === voiceId).length,
      })),
    );
    if (chosen === undefined) {
      this.#deps.output.rejected(sessionId, 'offer');
      return;
    }
    this.#place(sessionId, chosen);
    this.#send(this.#slots[chosen]!, { t: 'offer', s: sessionId, sdp, b: bundles, o: offerId });
  }

  candidate(sessionId: number, candidate: string, mid: string): void {
    const index = this.#placement.get(sessionId);
    if (index !== undefined) this.#send(this.#slots[index]!, { t: 'candidate', s: sessionId, candidate, mid });
  }

  end(sessionId: number): void {
    this.#place(sessionId, -1);
  }

  settled(): Promise<void> {
    const running = this.#slots.filter((s) => s.port !== 0 && s.child?.connected);
    return Promise.all(
      running.map(
        (slot) =>
          new Promise<void>((resolve) => {
            const id = this.#nextSync++;
            slot.syncs.set(id, resolve);
            this.#send(slot, { t: 'sync', id });
          }),
      ),
    ).then(() => {});
  }

  workers(): readonly VoiceWorkerStats[] {
    return this.#slots.map((s) => ({
      index: s.index,
      pid: s.port !== 0 ? s.pid : 0,
      sessions: [...s.sessions],
      forwarded: s.forwarded,
      dropped: s.dropped,
      crashes: s.crashes,
    }));
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#unwatch();
    await Promise.all(this.#slots.map((slot) => this.#stop(slot)));
    this.#deps.gateway?.close();
  }

  /** Moves the session's PeerConnection to worker `index` (-1: nowhere), telling every worker. */
  #place(sessionId: number, index: number): void {
    const before = this.#placement.get(sessionId);
    if (before !== undefined && before !== index) {
      const old = this.#slots[before]!;
      old.sessions.delete(sessionId);
      this.#send(old, { t: 'end', s: sessionId });
    }
    if (index < 0) this.#placement.delete(sessionId);
    else {
      this.#placement.set(sessionId, index);
      this.#slots[index]!.sessions.add(sessionId);
    }
    if (before !== index) this.#broadcast({ t: 'placed', s: sessionId, w: index });
  }

  #presenceChanged(change: VoiceChange): void {
    if (change.voiceId === 0) this.#voice.delete(change.sessionId);
    else this.#voice.set(change.sessionId, change);
    this.#broadcast({ t: 'presence', s: change.sessionId, v: change.voiceId, m: change.muted, d: change.deafened });
    const gateway = this.#deps.gateway;
    if (!gateway?.carries(change.sessionId)) return;
    // A listener of another relay: frames of its room go to the gateway once (the worker's own rule for other workers).
    const s = change.sessionId;
    if (change.voiceId === 0) this.#viaGateway.delete(s);
    else if (!change.deafened && !this.#viaGateway.has(s)) {
      this.#viaGateway.add(s);
      this.#broadcast({ t: 'placed', s, w: gateway.index });
    } else if (change.deafened && this.#viaGateway.delete(s)) this.#broadcast({ t: 'placed', s, w: -1 });
  }

  /** Every slot's loopback port, then the gateway's. */
  #ports(): ToWorker {
    const ports = this.#slots.map((s) => s.port);
    if (this.#deps.gateway) ports.push(this.#deps.gateway.port);
    return { t: 'peers', ports };
  }

  #spawn(slot: Slot): void {
    slot.restartTimer = undefined;
    if (this.#closing) return;
    const { limits, rtc } = this.#deps;
    const child = fork(ENTRY, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    slot.child = child;
    slot.pid = child.pid ?? 0;
    slot.port = 0;
    slot.startedAt = Date.now();
    const workerRtc: RtcOptions = rtc.udpMuxPort !== undefined ? { ...rtc, udpMuxPort: rtc.udpMuxPort + slot.index } : rtc;
    child.on('message', (raw: unknown) => {
      if (slot.child !== child) return;
      const msg = parseFromWorker(raw);
      if (!msg) {
        this.#deps.events.emit('internal-error', { where: `voice worker ${slot.index} ipc`, error: new TypeError('malformed message from worker') });
        return;
      }
      this.#fromWorker(slot, msg);
    });
    child.on('error', (error) => this.#deps.events.emit('internal-error', { where: `voice worker ${slot.index}`, error }));
    child.on('exit', (code, signal) => this.#exited(slot, child, code, signal));
    this.#send(slot, { t: 'init', index: slot.index, limits, rtc: workerRtc });
  }

  #fromWorker(slot: Slot, msg: FromWorker): void {
    const { output, stats, events } = this.#deps;
    // Signalling from a worker that no longer holds the session (it was re-placed) is stale.
    const holds = (s: number): boolean => this.#placement.get(s) === slot.index;
    switch (msg.t) {
      case 'up':
        slot.port = msg.port;
        this.#replay(slot);
        this.#broadcast(this.#ports());
        events.emit('voice-worker-up', { index: slot.index, pid: slot.pid });
        if (this.#slots.every((s) => s.port !== 0)) {
          for (const resolve of this.#startWaiters) resolve();
          this.#startWaiters = [];
        }
        return;
      case 'description':
        if (holds(msg.s)) output.description(msg.s, msg.o, msg.type, msg.sdp);
        return;
      case 'candidate':
        if (holds(msg.s)) output.candidate(msg.s, msg.o, msg.candidate, msg.mid);
        return;
      case 'ready':
        if (holds(msg.s)) output.ready(msg.s);
        return;
      case 'rejected':
        if (holds(msg.s)) output.rejected(msg.s, msg.what);
        return;
      case 'stats': {
        stats.merge(msg.forwarded, msg.bundled, msg.drops, msg.samples);
        slot.forwarded += msg.forwarded;
        for (const n of Object.values(msg.drops)) slot.dropped += n ?? 0;
        return;
      }
      case 'error':
        events.emit('internal-error', { where: `voice worker ${slot.index}: ${msg.where}`, error: new Error(msg.message) });
        return;
      case 'synced':
        slot.syncs.get(msg.id)?.();
        slot.syncs.delete(msg.id);
        return;
    }
  }

  /** Brings a (re)started worker's mirror up to date. */
  #replay(slot: Slot): void {
    for (const c of this.#voice.values()) this.#send(slot, { t: 'presence', s: c.sessionId, v: c.voiceId, m: c.muted, d: c.deafened });
    for (const [s, w] of this.#placement) this.#send(slot, { t: 'placed', s, w });
    const gateway = this.#deps.gateway;
    if (gateway) for (const s of this.#viaGateway) this.#send(slot, { t: 'placed', s, w: gateway.index });
  }

  #exited(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    slot.child = null;
    slot.port = 0;
    // A dead worker applies nothing more: its barriers are passed.
    for (const resolve of slot.syncs.values()) resolve();
    slot.syncs.clear();
    if (this.#closing) return;
    slot.crashes++;
    const lost = [...slot.sessions];
    this.#deps.events.emit('voice-worker-exited', { index: slot.index, pid: slot.pid, code, signal, sessions: lost.length });
    for (const s of lost) this.#place(s, -1);
    this.#broadcast(this.#ports());
    for (const s of lost) this.#deps.output.lost(s);
    // Respawn: at once after a long life, with a growing delay after quick deaths (a crash loop).
    const lived = Date.now() - slot.startedAt;
    slot.restartDelayMs = lived > STABLE_MS ? 100 : Math.min(slot.restartDelayMs * 2, MAX_RESTART_DELAY_MS);
    slot.restartTimer = setTimeout(() => this.#spawn(slot), slot.restartDelayMs);
  }

  async #stop(slot: Slot): Promise<void> {
    clearTimeout(slot.restartTimer);
    const child = slot.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Closing the channel is the worker's signal to exit (worker-main.ts); SIGKILL if it does not.
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    await exited;
    clearTimeout(timer);
  }

  #broadcast(msg: ToWorker): void {
    this.#deps.gateway?.observe(msg);
    for (const slot of this.#slots) if (slot.port !== 0) this.#send(slot, msg);
  }

  #send(slot: Slot, msg: ToWorker): void {
    const child = slot.child;
    if (!child?.connected) return;
    try {
      child.send(msg);
    } catch (error) {
      this.#deps.events.emit('internal-error', { where: `voice worker ${slot.index} send`, error });
    }
  }
}
