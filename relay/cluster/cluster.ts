/**
 * One relay's part in a cluster of relays serving one organisation over NATS
 * JetStream (docs/CLUSTER.md). It is the tree's {@link TreeReplication}:
 *
 * - **The shared log** is a JetStream stream (file storage). The writer
 *   appends each accepted batch with the expected last sequence set to the
 *   entry its state is at, so an append from a writer that is behind (it lost
 *   the lease while paused, or another relay appended meanwhile) is refused
 *   and the log never forks; it answers nothing before the append is acked.
 * - **One writer at a time** holds the lease (lease.ts). A relay that takes
 *   it first reads the log to its end, then writes; until then submissions
 *   are answered CLUSTER_UNAVAILABLE. On an empty log the first writer appends
 *   its whole tree, so every relay starts from the same document.
 * - **Every relay follows the log** (log-follower.ts), the writer included
 *   (it skips its own entries, already applied).
 * - **Other relays forward** their clients' ops to the writer (core NATS
 *   request/reply) and answer their client once they hold the entry.
 */
import { connect } from '@nats-io/transport-node';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { ForwardedOps, ForwardedVerdicts, LogBatch, OpRoute, TreeReplication } from '../tree/replication.ts';
import { decodeForwardedOps, decodeForwardedVerdicts, encodeForwardedOps, encodeForwardedVerdicts, encodeLogBatch } from './codec.ts';
import { WriterLease } from './lease.ts';
import { PresenceSync } from './presence-sync.ts';
import type { Roster } from '../presence/roster.ts';
import { LogFollower } from './log-follower.ts';
import { RelayDirectory } from './relay-directory.ts';
import type { LogTarget } from './log-follower.ts';
import { clusterNames } from './options.ts';
import { CrossVoice } from './cross-voice.ts';
import type { CrossVoiceDeps } from './cross-voice.ts';
import { RelayLinks } from './relay-links.ts';
import { RemoteModeration } from './remote-moderation.ts';
import type { RelayIdentity } from '../access/identity.ts';
import type { Clock, RtcOptions } from '../options.ts';
import type { ClusterNames, ResolvedClusterOptions } from './options.ts';
import type { ClusterRole, ClusterStatus } from './cluster-status.ts';
import { startRoomPlacement } from './placement/index.ts';
import type { PlacementStats, RoomPlacement } from './placement/index.ts';
import type { Presence } from '../presence/presence.ts';

/** What the cluster drives on this relay: the room tree. */
export interface ClusterTree extends LogTarget {
  submitForwarded(ops: ForwardedOps): Promise<ForwardedVerdicts>;
  logged(seq: number): Promise<void>;
  seedLog(): Promise<void>;
}

/** How long a scrape waits for NATS before showing the cluster figures it has. */
const STATUS_TIMEOUT_MS = 1_000;

/** See the module comment. Create with {@link Cluster.connect}, then {@link Cluster.attach}. */
export class Cluster implements TreeReplication {
  readonly options: ResolvedClusterOptions;
  readonly names: ClusterNames;
  readonly nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #lease: WriterLease;
  readonly #events: TypedEmitter<RelayEvents>;
  /** KV buckets other parts (presence) open on the same connection. */
  readonly kvm: Kvm;
  #tree: ClusterTree | null = null;
  #follower: LogFollower | null = null;
  #connected = true;
  #writer = false;
  #catchingUp = false;
  #seeding = false;
  #submitSub: Subscription | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #ticking = false;
  #closed = false;
  #role: ClusterRole = 'follower';
  #presence: PresenceSync | null = null;
  #links: RelayLinks | null = null;
  #voice: CrossVoice | null = null;
  /** The log position at the previous stall check, while behind the stream (null: not behind). */
  #behindAt: number | null = null;
  #directory: RelayDirectory | null = null;
  #moderation: RemoteModeration | null = null;
  #placement: RoomPlacement | null = null;

  private constructor(options: ResolvedClusterOptions, nc: NatsConnection, lease: KV, events: TypedEmitter<RelayEvents>) {
    this.options = options;
    this.names = clusterNames(options.name);
    this.nc = nc;
    this.#js = jetstream(nc, { timeout: options.requestTimeoutMs });
    this.kvm = new Kvm(nc);
    this.#lease = new WriterLease(lease, options.relayId, options.leaseTtlMs);
    this.#events = events;
  }

  /** Connects to NATS and makes sure the log stream and the lease bucket exist. */
  static async connect(options: ResolvedClusterOptions, events: TypedEmitter<RelayEvents>): Promise<Cluster> {
    const nc = await connect({
      servers: [...options.servers],
      name: `parley-${options.name}-${options.relayId}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 2_000,
      maxPingOut: 2,
    });
    try {
      const names = clusterNames(options.name);
      const jsm = await jetstreamManager(nc, { timeout: options.requestTimeoutMs });
      const exists = await jsm.streams.info(names.stream).then(() => true, () => false);
      if (!exists) {
        await jsm.streams
          .add({ name: names.stream, subjects: [names.logSubject], storage: 'file' as never, num_replicas: options.replicas, duplicate_window: 120_000_000_000 })
          .catch(async (error: unknown) => {
            // Another relay created it in the meantime.
            if (!(await jsm.streams.info(names.stream).then(() => true, () => false))) throw error;
          });
      }
      const lease = await new Kvm(nc).create(names.leaseBucket, { ttl: options.leaseTtlMs, history: 1, replicas: options.replicas });
      const cluster = new Cluster(options, nc, lease, events);
      cluster.#watchStatus();
      return cluster;
    } catch (error) {
      await nc.close().catch(() => {});
      throw error;
    }
  }

  /**
   * Starts following the log and competing for the lease; resolves once this
   * relay holds the log as it was at the call, so it never serves clients a
   * tree older than the cluster's at start.
   */
  async attach(tree: ClusterTree, roster: Roster, registry: Presence): Promise<void> {
    this.#tree = tree;
    this.#presence = await PresenceSync.start(this, roster, (error) => this.#events.emit('internal-error', { where: 'cluster presence', error }));
    const presence = this.#presence;
    const onModerationError = (error: unknown): void => void this.#events.emit('internal-error', { where: 'cluster moderation', error });
    const { moderationSubjectPrefix: subjectPrefix } = this.names;
    this.#moderation = new RemoteModeration({ nc: this.nc, subjectPrefix, relayId: this.options.relayId, requestTimeoutMs: this.options.requestTimeoutMs, sessions: roster, origin: (id) => presence.origin(id), onError: onModerationError });
    presence.dedupeWith(this.#moderation);
    this.#directory = await RelayDirectory.start(this);
    // Every signed-in client of this relay hears when the cluster's relays change (RelayList; AuthOk carries them at sign-in).
    this.#directory.onChange(() => {
      const urls = this.relayUrls();
      for (const s of roster.sessions()) s.send({ case: 'relayList', value: { urls } });
    });
    const directory = this.#directory;
    this.#placement = await startRoomPlacement({ kvm: this.kvm, names: this.names, options: this.options, roster, presence: registry, relayOf: (id) => presence.relayOf(id), urlOf: (id) => directory.urlOf(id), events: this.#events });
    this.#follower = new LogFollower(this.#js, this.names.stream, tree, (where, error) => this.#events.emit('internal-error', { where, error }));
    this.#follower.start();
    const last = (await (await jetstreamManager(this.nc, { timeout: this.options.requestTimeoutMs })).streams.info(this.names.stream)).state.last_seq;
    await tree.logged(last);
    // Three renewals per lifetime: one lost renewal never costs the lease.
    this.#timer = setInterval(() => void this.#tick(), Math.max(100, Math.floor(this.options.leaseTtlMs / 3)));
    void this.#tick();
  }

  /**
   * Starts voice between relays (cross-voice.ts) over relay-to-relay links
   * (relay-links.ts), after {@link attach}. The caller binds the returned
   * bridge to its voice router and gives it to the router as its remote fan-out.
   */
  attachVoice(deps: { readonly identity: RelayIdentity; readonly rtc: RtcOptions; readonly presence: CrossVoiceDeps['presence']; readonly clock: Clock }): CrossVoice {
    const presence = this.#presence;
    if (!presence) throw new Error('attachVoice before attach');
    const links = new RelayLinks({
      nc: this.nc,
      subjectPrefix: this.names.linkSubjectPrefix,
      relayId: this.options.relayId,
      identity: deps.identity,
      rtc: deps.rtc,
      now: () => deps.clock.now(),
      requestTimeoutMs: this.options.requestTimeoutMs,
      retryMs: 1_000,
      onDatagram: (peer, message) => voice.receive(peer, message),
      onLink: (peer, up) => {
        voice.linkChanged(peer, up);
        this.#events.emit('cluster-link', { peer, up });
      },
      onError: (where, error) => this.#events.emit('cluster-link-failed', { where, error }),
    });
    const voice = new CrossVoice({ presence: deps.presence, relayOf: (id) => presence.relayOf(id), shownAs: (relay, id) => presence.shownAs(relay, id), links, clock: deps.clock });
    this.#links = links;
    this.#voice = voice;
    return voice;
  }

  /** Kicks and moves of users of other relays (AdminService `remote`); null until {@link attach}. */
  get moderation(): RemoteModeration | null {
    return this.#moderation;
  }

  /** Room placement counters; null until {@link attach}. */
  placement(): PlacementStats | null {
    return this.#placement?.stats() ?? null;
  }

  /** Cross-relay voice counters; undefined until {@link attachVoice}. */
  get voice(): CrossVoice | null {
    return this.#voice;
  }

  /** This relay's part now. */
  get role(): ClusterRole {
    return this.#role;
  }

  /** The advertised control-socket URLs of the live relays (for the clients' relay list). */
  relayUrls(): string[] {
    return this.#directory?.urls() ?? [];
  }

  /** This relay's view of the cluster, for `/metrics`. Never rejects: what NATS does not answer in time is null. */
  async status(): Promise<ClusterStatus> {
    const connected = this.#connected && !this.#closed;
    const opts = { timeout: STATUS_TIMEOUT_MS };
    const [streamSeq, writer] = connected
      ? await Promise.all([
          jetstreamManager(this.nc, opts)
            .then((jsm) => jsm.streams.info(this.names.stream))
            .then((i) => i.state.last_seq, () => null),
          this.#lease.holder().catch(() => null),
        ])
      : [null, null];
    const roomLeases = this.#placement?.stats().held ?? 0;
    return { relayId: this.options.relayId, role: this.#role, connected, peers: this.#directory?.peers ?? 1, logSeq: this.#tree?.logSeq ?? 0, streamSeq, writer, roomLeases };
  }

  route(): OpRoute {
    if (!this.#connected || this.#closed) return 'unavailable';
    if (this.#writer) return 'local';
    return this.#catchingUp ? 'unavailable' : 'forward';
  }

  async forward(ops: ForwardedOps): Promise<ForwardedVerdicts> {
    const reply = await this.nc.request(this.names.submitSubject, encodeForwardedOps(ops), { timeout: this.options.requestTimeoutMs });
    const decoded = decodeForwardedVerdicts(reply.data);
    if (!decoded.ok) throw new Error(`writer reply: ${decoded.error.detail}`);
    return decoded.value;
  }

  async append(batch: LogBatch, afterSeq: number): Promise<number> {
    if (!this.#writer && !this.#seeding) throw new Error('not the writer');
    try {
      const ack = await this.#js.publish(this.names.logSubject, encodeLogBatch(batch), {
        // The same position gives the same id: a client-side retry of this publish is de-duplicated.
        msgID: `${this.options.relayId}:${afterSeq}`,
        expect: { lastSequence: afterSeq, streamName: this.names.stream },
        timeout: this.options.requestTimeoutMs,
      });
      if (ack.duplicate) throw new Error(`log entry after ${afterSeq} was already written`);
      return ack.seq;
    } catch (error) {
      // Refused (another writer appended, or NATS is away): stop writing until the lease is taken again after catching up.
      await this.#demote(true);
      throw error;
    }
  }

  /** One lease round: renew it, or take it when free. */
  async #tick(): Promise<void> {
    if (this.#ticking || this.#closed || !this.#connected || !this.#tree) return;
    this.#ticking = true;
    try {
      if (this.#lease.held) {
        if (!(await this.#lease.renew())) await this.#demote(false);
      } else if (await this.#lease.acquire()) {
        await this.#catchUp();
      } else {
        await this.#checkStalled();
      }
    } catch (error) {
      this.#events.emit('internal-error', { where: 'cluster lease', error });
    } finally {
      this.#ticking = false;
    }
  }

  /** A follower behind the stream that made no progress since the last round gets a new consumer (see LogFollower.restart). */
  async #checkStalled(): Promise<void> {
    const tree = this.#tree!;
    const jsm = await jetstreamManager(this.nc, { timeout: this.options.requestTimeoutMs });
    const last = (await jsm.streams.info(this.names.stream)).state.last_seq;
    if (last <= tree.logSeq) {
      this.#behindAt = null;
      return;
    }
    if (this.#behindAt === tree.logSeq) {
      this.#events.emit('internal-error', { where: 'cluster log follower', error: new Error(`stalled at ${tree.logSeq} of ${last}; reading on with a new consumer`) });
      this.#follower?.restart();
    }
    this.#behindAt = tree.logSeq;
  }

  /** Holding the lease: read the log to its end (seeding an empty one), then write. */
  async #catchUp(): Promise<void> {
    const tree = this.#tree!;
    this.#catchingUp = true;
    this.#setRole('unavailable');
    try {
      const jsm = await jetstreamManager(this.nc, { timeout: this.options.requestTimeoutMs });
      const last = (await jsm.streams.info(this.names.stream)).state.last_seq;
      await tree.logged(last);
      if (!this.#lease.held || this.#closed) return;
      if (last === 0) {
        // Before any op: the log's first entry must be the whole tree.
        this.#seeding = true;
        try {
          await tree.seedLog();
        } finally {
          this.#seeding = false;
        }
        if (tree.logSeq === 0 || !this.#lease.held) return;
      }
      this.#submitSub = this.nc.subscribe(this.names.submitSubject, { callback: (error, msg) => void (error ? null : this.#answer(msg.data, (d) => msg.respond(d))) });
      this.#writer = true;
    } finally {
      this.#catchingUp = false;
      this.#setRole(this.#writer ? 'writer' : this.#connected ? 'follower' : 'unavailable');
    }
  }

  async #answer(data: Uint8Array, respond: (d: Uint8Array) => void): Promise<void> {
    const decoded = decodeForwardedOps(data);
    // An undecodable request gets no answer: the forwarding relay times out into CLUSTER_UNAVAILABLE.
    if (!decoded.ok || !this.#tree) return;
    respond(encodeForwardedVerdicts(await this.#tree.submitForwarded(decoded.value)));
  }

  async #demote(release: boolean): Promise<void> {
    const was = this.#writer;
    this.#writer = false;
    this.#submitSub?.unsubscribe();
    this.#submitSub = null;
    if (release) await this.#lease.release();
    else this.#lease.drop();
    if (was) this.#setRole(this.#connected ? 'follower' : 'unavailable');
  }

  #watchStatus(): void {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') {
          this.#connected = false;
          // A writer cut off from NATS cannot append; its lease will expire and another relay takes over.
          if (this.#writer) await this.#demote(false);
          this.#setRole('unavailable');
        } else if (s.type === 'reconnect') {
          this.#connected = true;
          this.#follower?.restart();
          // What changed in presence while NATS was away is shown now, not at the next heartbeat.
          void this.#presence?.reconnected();
          this.#setRole(this.#writer ? 'writer' : 'follower');
          void this.#tick();
        }
      }
    })().catch(() => {});
  }

  #setRole(role: ClusterRole): void {
    if (role === this.#role) return;
    this.#role = role;
    this.#events.emit('cluster-role', { role, logSeq: this.#tree?.logSeq ?? 0 });
  }

  /** Leaves the cluster: gives the lease up at once, stops following, closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#writer || this.#lease.held) await this.#demote(true);
    this.#links?.close();
    this.#moderation?.close();
    await this.#placement?.close();
    await this.#presence?.close();
    await this.#directory?.close();
    await this.#follower?.stop();
    await this.nc.drain().catch(() => this.nc.close());
  }

  /** As if the process died: the connection is cut, the lease is not given up (it expires). For failure tests. */
  async abort(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#writer = false;
    this.#lease.drop();
    this.#setRole('unavailable');
    this.#links?.close();
    this.#placement?.abort();
    this.#directory?.abort();
    const stopping = this.#follower?.stop();
    await this.nc.close().catch(() => {});
    await stopping;
  }
}
