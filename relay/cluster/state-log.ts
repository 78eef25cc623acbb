/**
 * The cluster's second ordered log: roles, bans, invites and chat (the
 * "shared state"; the room tree has its own, cluster.ts). A JetStream stream
 * `PARLEY_<name>_STATE` holds every accepted change in one order; the writer
 * (the relay holding the cluster's lease, the same one that writes the tree)
 * judges every request from every relay against its own state, appends the
 * change with the expected last sequence (a stale writer is refused, so the
 * log never forks), applies it, and only then answers. Every relay follows
 * the stream from the position in its own store and applies each entry.
 *
 * Why a second stream and not more entry kinds in the tree's (decision D120):
 * followers never judge, they apply the writer's verdicts, so the only order
 * that matters across the two kinds is the writer's own, and the writer has
 * applied both logs to their ends before it judges anything. Apart, a chat
 * flood does not queue behind tree batches (and tree group commits do not
 * wait for chat), and the tree's code stays as it was.
 *
 * What a request and an entry mean is the {@link StateMachine}'s business
 * (shared-state.ts); this module only orders, fences, forwards and follows.
 */
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { StoreTable } from '../storage/store-table.ts';
import type { OpRoute } from '../tree/replication.ts';
import { decodeStateReply, encodeStateReply } from './state-codec.ts';
import { decodeStateBatch } from './state-batch.ts';
import { GroupCommit } from './group-commit.ts';
import type { ClusterNames, ResolvedClusterOptions } from './options.ts';

/** What the log drives: judging requests (on the writer) and applying entries (everywhere). */
export interface StateMachine {
  /** Writer only: decides one request (from any relay); commits its change with {@link StateLog.commit}; returns the reply for the submitter. */
  judge(request: Uint8Array): Promise<Uint8Array>;
  /** Applies one entry of the log here (durable, then shown to local clients). Applying an entry twice must change nothing the second time. */
  apply(entry: Uint8Array): Promise<void>;
  /**
   * What judging `request` reads that an earlier request's change could
   * alter (group-commit.ts); null, or no method: anything, so it is judged
   * alone. Requests touching nothing in common share one append.
   */
  touches?(request: Uint8Array): readonly string[] | null;
}

/** The part of the cluster the state log uses. */
export interface StateCluster {
  readonly nc: NatsConnection;
  readonly names: ClusterNames;
  readonly options: ResolvedClusterOptions;
  route(): OpRoute;
}

/** NATS names of the state log of cluster `names`. */
export function stateNames(names: ClusterNames): { stream: string; subject: string; submit: string } {
  return { stream: `${names.stream}_STATE`, subject: `${names.logSubject}.state`, submit: `${names.submitSubject}.state` };
}

const POSITION = 'seq';
/** Backlog entries applied between two writes of the position. */
const BACKLOG_RUN = 512;

/** See the module comment. Create with {@link StateLog.open}, {@link StateLog.bind} the machine, then {@link StateLog.start}. */
export class StateLog {
  readonly #cluster: StateCluster;
  readonly #js: JetStreamClient;
  readonly #names: ReturnType<typeof stateNames>;
  readonly #position: StoreTable<number>;
  readonly #events: TypedEmitter<RelayEvents>;
  #machine: StateMachine | null = null;
  #seq: number;
  #waiters: Array<{ seq: number; resolve: () => void }> = [];
  /** Applies run one at a time, in log order (the follower's and the writer's own). */
  #applying: Promise<void> = Promise.resolve();
  /** Judgements run one at a time on the writer; their entries share appends. */
  readonly #group: GroupCommit;
  /** The writer has read the log to its end since it became the writer. */
  #ready = false;
  #sub: Subscription | null = null;
  #messages: ConsumerMessages | null = null;
  #run: Promise<void> | null = null;
  #stopped = false;

  private constructor(cluster: StateCluster, position: StoreTable<number>, events: TypedEmitter<RelayEvents>) {
    this.#cluster = cluster;
    this.#js = jetstream(cluster.nc, { timeout: cluster.options.requestTimeoutMs });
    this.#names = stateNames(cluster.names);
    this.#position = position;
    this.#seq = position.get(POSITION) ?? 0;
    this.#events = events;
    this.#group = new GroupCommit({
      judge: (request) => this.#judge(request),
      touches: (request) => this.#machine?.touches?.(request) ?? null,
      ready: () => this.#catchUp(),
      append: (frame) => this.#append(frame),
      // Room for the headers (expected stream and sequence) besides the payload.
      maxFrameBytes: () => (cluster.nc.info?.max_payload ?? 1024 * 1024) - 4096,
      maxRequests: cluster.options.stateBatchMax,
    });
  }

  /** Makes sure the stream exists; the position is read from `position` (a table of the relay's store). */
  static async open(cluster: StateCluster, position: StoreTable<number>, events: TypedEmitter<RelayEvents>): Promise<StateLog> {
    const names = stateNames(cluster.names);
    const jsm = await jetstreamManager(cluster.nc, { timeout: cluster.options.requestTimeoutMs });
    const exists = (): Promise<boolean> => jsm.streams.info(names.stream).then(() => true, () => false);
    if (!(await exists())) {
      await jsm.streams.add({ name: names.stream, subjects: [names.subject], storage: 'file' as never, num_replicas: cluster.options.replicas }).catch(async (error: unknown) => {
        // Another relay created it in the meantime.
        if (!(await exists())) throw error;
      });
    }
    return new StateLog(cluster, position, events);
  }

  /** The log's last entry applied here. */
  get seq(): number {
    return this.#seq;
  }

  /** Sets what judges and applies. */
  bind(machine: StateMachine): void {
    this.#machine = machine;
  }

  /** Follows the log and answers forwarded requests while writer; resolves once the log as it was now is applied here. */
  async start(): Promise<void> {
    this.#events.on('cluster-role', ({ role }) => this.#roleChanged(role));
    if (this.#cluster.route() === 'local') this.#roleChanged('writer');
    this.#run = this.#follow().finally(() => (this.#run = null));
    const jsm = await jetstreamManager(this.#cluster.nc, { timeout: this.#cluster.options.requestTimeoutMs });
    await this.reached((await jsm.streams.info(this.#names.stream)).state.last_seq);
  }

  /** Resolves once entry `seq` is applied here. */
  reached(seq: number): Promise<void> {
    if (this.#seq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  /**
   * Has the writer judge `request` (here when this relay is the writer) and
   * resolves with its reply once the change it made is applied here; null
   * when there is no writer to ask now (answer CLUSTER_UNAVAILABLE).
   */
  async submit(request: Uint8Array): Promise<Uint8Array | null> {
    const route = this.#cluster.route();
    if (route === 'local') return this.#group.submit(request);
    if (route !== 'forward') return null;
    try {
      const msg = await this.#cluster.nc.request(this.#names.submit, request, { timeout: this.#cluster.options.requestTimeoutMs });
      const decoded = decodeStateReply(msg.data);
      if (!decoded.ok || decoded.value === null) return null;
      await this.reached(decoded.value.seq);
      return decoded.value.reply;
    } catch {
      return null;
    }
  }

  /** Inside a judgement only: the change goes into the log (with others judged meanwhile); resolves once durable and applied here. Rejects when refused or NATS is away. */
  commit(entry: Uint8Array): Promise<void> {
    return this.#group.commit(entry);
  }

  /** Appends and entries appended since start (one append carries a whole group-commit batch). */
  get appendStats(): { readonly appends: number; readonly entries: number } {
    return { ...this.#group.stats };
  }

  /** One frame after the last entry (fenced), then applied here. */
  async #append(frame: Uint8Array): Promise<void> {
    const after = this.#seq;
    try {
      const ack = await this.#js.publish(this.#names.subject, frame, {
        expect: { lastSequence: after, streamName: this.#names.stream },
        timeout: this.#cluster.options.requestTimeoutMs,
      });
      await this.#applyAt(ack.seq, frame);
    } catch (error) {
      // Another relay appended (this one is behind) or NATS is away: read the log again before judging anything.
      this.#ready = false;
      throw error;
    }
  }

  /** Before a batch: the writer has the log to its end since it became the writer. */
  async #catchUp(): Promise<boolean> {
    if (this.#ready) return true;
    try {
      const jsm = await jetstreamManager(this.#cluster.nc, { timeout: this.#cluster.options.requestTimeoutMs });
      // Bounded: a follower that cannot read the log now must not hold every later request in the queue.
      if (!(await this.#within(this.reached((await jsm.streams.info(this.#names.stream)).state.last_seq)))) return false;
      this.#ready = true;
      return true;
    } catch (error) {
      this.#events.emit('internal-error', { where: 'cluster state judge', error });
      return false;
    }
  }

  async #judge(request: Uint8Array): Promise<Uint8Array | null> {
    const machine = this.#machine;
    if (!machine || this.#cluster.route() !== 'local') return null;
    try {
      return await machine.judge(request);
    } catch (error) {
      this.#events.emit('internal-error', { where: 'cluster state judge', error });
      return null;
    }
  }

  /** True when `p` settles within the request timeout. */
  async #within(p: Promise<void>): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.#cluster.options.requestTimeoutMs)));
    try {
      return await Promise.race([p.then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #roleChanged(role: string): void {
    if (role !== 'writer') {
      this.#ready = false;
      this.#sub?.unsubscribe();
      this.#sub = null;
      return;
    }
    if (this.#sub) return;
    this.#sub = this.#cluster.nc.subscribe(this.#names.submit, {
      callback: (error, msg) => {
        if (error) return;
        void this.#group.submit(msg.data).then((reply) => msg.respond(encodeStateReply(reply === null ? null : { reply, seq: this.#seq })));
      },
    });
  }

  /**
   * Applies entry `seq` unless already held, then records the position
   * (unless `record` is false: a follower reading a backlog records it once
   * per run of entries); in order with every other apply.
   */
  #applyAt(seq: number, entry: Uint8Array, record = true): Promise<void> {
    const task = this.#applying.then(async () => {
      if (seq <= this.#seq) return;
      if (seq !== this.#seq + 1) throw new Error(`state log gap: at ${this.#seq}, got ${seq}`);
      const entries = decodeStateBatch(entry);
      // Only relays write the log: a frame this relay cannot read (another version) is reported and skipped, never a stall.
      if (!entries.ok) this.#events.emit('internal-error', { where: 'cluster state log', error: new Error(`undecodable frame ${seq}: ${entries.error.detail}`) });
      else for (const e of entries.value) await this.#machine!.apply(e);
      // Not synced: LevelDB's log keeps writes in order, so the position never outlives the effects written before it,
      // and a position lost in a crash (or not yet recorded in a backlog) only makes this relay apply entries again (which changes nothing).
      if (record) await this.#position.set(POSITION, seq);
      this.#seq = seq;
      const waiting = this.#waiters;
      this.#waiters = waiting.filter((w) => w.seq > seq);
      for (const w of waiting) if (w.seq <= seq) w.resolve();
    });
    this.#applying = task.catch(() => {});
    return task;
  }

  async #follow(): Promise<void> {
    while (!this.#stopped) {
      try {
        const consumer = await this.#js.consumers.get(this.#names.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.#seq + 1 });
        const messages = await consumer.consume({ max_messages: 256 });
        this.#messages = messages;
        if (this.#stopped) break;
        let unrecorded = 0;
        for await (const m of messages) {
          if (m.seq <= this.#seq) continue;
          // The store is behind what was delivered (a failed apply): start again from the store's position.
          if (m.seq > this.#seq + 1) break;
          // A backlog (more delivered behind this one): the position is written once per run, not per entry.
          const record = m.info.pending === 0 || ++unrecorded >= BACKLOG_RUN;
          if (record) unrecorded = 0;
          await this.#applyAt(m.seq, m.data, record);
        }
        messages.stop();
      } catch (error) {
        // Stopped, or the connection is gone for good (the relay was cut off: Cluster.abort).
        if (this.#stopped || this.#cluster.nc.isClosed()) break;
        this.#events.emit('internal-error', { where: 'cluster state follower', error });
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Stops following and answering. */
  async close(): Promise<void> {
    this.#stopped = true;
    this.#sub?.unsubscribe();
    this.#sub = null;
    this.#messages?.stop();
    await this.#run;
  }
}
