/**
 * Prometheus metrics of one relay, through `prom-client`. Each relay owns its
 * own `Registry` (never prom-client's global one), so two relays in one
 * process, as in tests, keep separate figures. Gauges and the voice counters
 * are read from `relay.stats()` at scrape time (the hot path only increments
 * integers); sign-ins, lock-outs, op verdicts and chat writes are counted from
 * relay events. Names follow Prometheus conventions: `parley_` prefix,
 * `_total` on counters, base units (seconds, bytes).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Registry } from 'prom-client';
import type { EventSource } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { RelayStats } from '../stats.ts';
import type { CertificateProbe } from './readiness.ts';
import type { ClusterStatus } from '../cluster/index.ts';
import { registerClusterMetrics } from './cluster-metrics.ts';

/** What the metrics read; all functions are called at scrape time. */
export interface MetricsSources {
  readonly events: EventSource<RelayEvents>;
  readonly stats: () => RelayStats;
  /** Signed-in sessions. */
  readonly sessions: () => number;
  /** Rooms in the tree. */
  readonly rooms: () => number;
  /** The TLS hook; without it the certificate gauge is absent. */
  readonly certificate?: CertificateProbe | undefined;
  /** In a cluster: this relay's view of it; without it the cluster gauges are absent. */
  readonly cluster?: (() => Promise<ClusterStatus>) | undefined;
}

/** The relay's metrics registry and the listeners feeding it. */
export class RelayMetrics {
  readonly registry = new Registry();
  readonly #offs: Array<() => void> = [];
  readonly #loop = monitorEventLoopDelay({ resolution: 20 });

  constructor(src: MetricsSources) {
    const r = this.registry;
    const { stats } = src;
    this.#loop.enable();
    const loop = this.#loop;

    new Gauge({ name: 'parley_sessions', help: 'Signed-in sessions.', registers: [r], collect() { this.set(src.sessions()); } });
    new Gauge({ name: 'parley_rooms', help: 'Rooms in the room tree.', registers: [r], collect() { this.set(src.rooms()); } });
    // Counters owned by DropStats: exposed as counters whose value is set at scrape time.
    new Counter({
      name: 'parley_voice_forwarded_total',
      help: 'Voice frames sent to listeners (one per listener and frame).',
      registers: [r],
      collect() { this.reset(); this.inc(stats().forwarded); },
    });
    // Files (issue 16): what the fallback carried, so "under 1 % through the relay" can be watched.
    new Counter({
      name: 'parley_file_relay_bytes_total',
      help: 'File chunk bytes carried by the relay fallback, by direction (in: from holders, out: to downloaders).',
      labelNames: ['direction'],
      registers: [r],
      collect() {
        this.reset();
        const f = stats().files;
        this.inc({ direction: 'in' }, f?.relayBytesIn ?? 0);
        this.inc({ direction: 'out' }, f?.relayBytesOut ?? 0);
      },
    });
    new Counter({
      name: 'parley_file_signals_total',
      help: 'File-connection signalling messages forwarded between two members.',
      registers: [r],
      collect() { this.reset(); this.inc(stats().files?.signalsForwarded ?? 0); },
    });
    new Gauge({ name: 'parley_files_tracked', help: 'Files the tracker follows.', registers: [r], collect() { this.set(stats().files?.filesTracked ?? 0); } });
    new Counter({
      name: 'parley_voice_bundled_total',
      help: 'Of the forwarded frames, those sent packed in BUNDLE datagrams.',
      registers: [r],
      collect() { this.reset(); this.inc(stats().bundled); },
    });
    new Gauge({
      name: 'parley_voice_bundled_ratio',
      help: 'Share of forwarded frames that went out bundled (0..1, since start).',
      registers: [r],
      collect() {
        const s = stats();
        this.set(s.forwarded === 0 ? 0 : s.bundled / s.forwarded);
      },
    });
    new Counter({
      name: 'parley_voice_dropped_total',
      help: 'Voice datagrams dropped, by reason.',
      labelNames: ['reason'],
      registers: [r],
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(stats().datagrams)) this.inc({ reason }, n);
      },
    });
    new Counter({
      name: 'parley_frames_dropped_total',
      help: 'Control frames dropped, by reason.',
      labelNames: ['reason'],
      registers: [r],
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(stats().frames)) this.inc({ reason }, n);
      },
    });
    const perWorker = (name: string, help: string, pick: (w: RelayStats['voiceWorkers'][number]) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['worker'],
        registers: [r],
        collect() {
          this.reset();
          for (const w of stats().voiceWorkers) this.set({ worker: String(w.index) }, pick(w));
        },
      });
    };
    perWorker('parley_voice_worker_sessions', 'Sessions placed on each voice worker.', (w) => w.sessions.length);
    perWorker('parley_voice_worker_forwarded', 'Frames each voice worker slot forwarded since start.', (w) => w.forwarded);
    perWorker('parley_voice_worker_dropped', 'Datagrams each voice worker slot dropped since start.', (w) => w.dropped);
    perWorker('parley_voice_worker_crashes', 'Unexpected exits of each voice worker slot.', (w) => w.crashes);
    perWorker('parley_voice_worker_up', '1 while a process runs in the voice worker slot.', (w) => (w.pid > 0 ? 1 : 0));

    const verdicts = new Counter({ name: 'parley_op_verdicts_total', help: 'Signed ops by verdict (accepted or the refusal code).', labelNames: ['code'], registers: [r] });
    const chat = new Counter({ name: 'parley_chat_items_total', help: 'Chat items stored, by action.', labelNames: ['action'], registers: [r] });
    const signIns = new Counter({ name: 'parley_sign_ins_total', help: 'Successful sign-ins.', registers: [r] });
    const failures = new Counter({ name: 'parley_sign_in_failures_total', help: 'Refused sign-ins.', registers: [r] });
    const lockouts = new Counter({ name: 'parley_lockouts_total', help: 'Addresses locked out after repeated failures.', registers: [r] });
    // Zero series exist from the start, so a rate() over them works before the first event.
    verdicts.inc({ code: 'accepted' }, 0);
    chat.inc({ action: 'post' }, 0);
    this.#offs.push(
      src.events.on('op-verdict', (e) => verdicts.inc({ code: e.code })),
      src.events.on('chat-stored', (e) => chat.inc({ action: e.action })),
      src.events.on('authenticated', () => signIns.inc()),
      src.events.on('auth-refused', () => failures.inc()),
      src.events.on('address-locked', () => lockouts.inc()),
    );

    new Gauge({
      name: 'parley_event_loop_lag_seconds',
      help: 'Event-loop delay of the relay process since the last scrape (p99 and max).',
      labelNames: ['stat'],
      registers: [r],
      collect() {
        this.set({ stat: 'p99' }, loop.percentile(99) / 1e9);
        this.set({ stat: 'max' }, loop.max / 1e9);
        loop.reset();
      },
    });
    new Gauge({
      name: 'parley_memory_bytes',
      help: 'Memory of the relay process by kind (rss, heap_used, heap_total, external).',
      labelNames: ['kind'],
      registers: [r],
      collect() {
        const m = process.memoryUsage();
        this.set({ kind: 'rss' }, m.rss);
        this.set({ kind: 'heap_used' }, m.heapUsed);
        this.set({ kind: 'heap_total' }, m.heapTotal);
        this.set({ kind: 'external' }, m.external);
      },
    });
    if (src.cluster) registerClusterMetrics(r, src.cluster);
    const certificate = src.certificate;
    if (certificate) {
      // TLS hook: relay/tls/ supplies the probe when it serves HTTPS.
      new Gauge({
        name: 'parley_certificate_expiry_seconds',
        help: 'Unix time at which the served TLS certificate expires.',
        registers: [r],
        collect() { this.set(certificate().expiresAt / 1000); },
      });
      new Gauge({
        name: 'parley_certificate_valid',
        help: '1 while the served TLS certificate is valid.',
        registers: [r],
        collect() { this.set(certificate().ok ? 1 : 0); },
      });
    }
  }

  /** Prometheus text exposition of every metric. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content type of {@link scrape}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Detaches the event listeners and stops the event-loop monitor. Idempotent. */
  close(): void {
    for (const off of this.#offs.splice(0)) off();
    this.#loop.disable();
  }
}
