/**
 * The room tree on the relay: per-connection document sync, the signed-op
 * pipeline with group commit, the audit history (pages cut in op-history.ts), and keeping presence (the
 * voice router's view of rooms) and the membership document in step.
 *
 * Group commit: the ops of one frame are validated and applied in memory at
 * once, in order; their records go into the pending batch, which is written
 * with one synced LevelDB batch. Only after that write resolves are the
 * document updates broadcast and the verdicts sent, so nobody ever sees (or
 * is told about) a change a crash could lose. Ops arriving during a write
 * join the next batch.
 *
 * Signatures are checked ahead: when a frame arrives its signatures go to the
 * verifier (a worker pool, signature-pool.ts) at once, and the frame joins an
 * ordered queue; the sequential pipeline consumes the verdicts when the
 * frame's turn comes, so frames are still processed strictly in arrival
 * order with every check in the pipeline's order.
 */
import * as Y from 'yjs';
import { encodeFullStep2, peekOpId, encodeUpdate, TREE_DOC } from '../../crdt/index.ts';
import type { RoomRecord } from '../../crdt/index.ts';
import { ErrorCode } from '../../proto/index.ts';
import type { CrdtSync, JoinRoom, OpHistoryRequest, SubmitOps } from '../../proto/index.ts';
import type { Presence } from '../presence/presence.ts';
import { KeyedBuckets } from '../rate-limit.ts';
import { MembersDoc } from './members-doc.ts';
import type { Roster } from '../presence/roster.ts';
import type { Session } from '../connection/client-connection.ts';
import type { DropStats } from '../stats.ts';
import { OpPipeline } from './op-pipeline.ts';
import type { OpPipelineDeps } from './op-pipeline.ts';
import { BatchRecords } from './batch-records.ts';
import { FreeVerdicts } from './free-verdicts.ts';
import { loadTree, logSeqEntry } from './tree-persistence.ts';
import type { ForwardedOps, ForwardedVerdicts, LogBatch } from './replication.ts';
import type { LoadedTree } from './tree-persistence.ts';
import { toHex } from '../../proto/bytes.ts';
import type { Visibility } from '../visibility/visibility.ts';
import { answerFailed, batchDocument, hasWork, newBatch, takeLogEntry, toForwarded, unavailable } from './tree-batch.ts';
import { admitFrame, processFrame } from './tree-frame.ts';
import type { FrameTurn } from './tree-frame.ts';
import type { Batch, Result } from './tree-batch.ts';
import type { TreeServiceDeps } from './tree-service-deps.ts';
import { TreeSync } from './tree-sync.ts';
import { forwardedActor, forwardOps, LogPosition } from './tree-replication.ts';
import { serveHistory } from './tree-history.ts';
import { followTree, joinRoom } from './tree-presence.ts';

/** Most ops one SubmitOps frame may carry. */
export const MAX_OPS_PER_FRAME = 128;

export type { OpLimits, TreeServiceDeps } from './tree-service-deps.ts';

/** See the module comment. Create with {@link TreeService.open}. */
export class TreeService {
  readonly #deps: TreeServiceDeps;
  #pipeline: OpPipeline;
  #records!: BatchRecords;
  readonly #members: MembersDoc;
  readonly #sync: TreeSync;
  /** Op budget per identity key, shared by its sessions (a reconnect does not refill it). */
  readonly #buckets: KeyedBuckets;
  #batch: Batch = newBatch();
  #flushing: Promise<void> | null = null;
  /** Frames in arrival order, each waiting for its signature verdicts. */
  #queue: Promise<void> = Promise.resolve();
  /** Set while the tree reloads after a failed write: queued frames wait for the reloaded state. */
  #reloading: Promise<void> | null = null;
  /** Cluster: the shared log's last entry this relay holds, and who waits for a later one. */
  readonly #log = new LogPosition(0);

  private constructor(deps: TreeServiceDeps, loaded: LoadedTree) {
    this.#deps = deps;
    this.#buckets = new KeyedBuckets(deps.clock, deps.limits.opBurst, deps.limits.opPerSecond);
    this.#members = new MembersDoc({ compactAfterDeletes: deps.limits.membersCompactAfterDeletes });
    const docs = { members: this.#members, tree: () => this.#pipeline.doc, treeEpoch: () => this.#records.epoch };
    this.#sync = new TreeSync({ docs, visibility: deps.visibility, stats: deps.stats, roster: deps.roster, pageBytes: deps.pageBytes });
    this.#pipeline = this.#adopt(loaded);
  }

  /** Loads (or seeds) the tree. */
  static async open(
    deps: Omit<TreeServiceDeps, 'presence' | 'roster' | 'stats' | 'visibility'>,
  ): Promise<{ rooms: RoomRecord[]; attach: (presence: Presence, roster: Roster, stats: DropStats, visibility: Visibility) => TreeService }> {
    const loaded = await loadTree(deps.store, deps.serverName);
    const rooms = [...loaded.rooms.values()].sort((a, b) => (a.parent === '' ? -1 : b.parent === '' ? 1 : 0));
    return { rooms, attach: (presence, roster, stats, visibility) => new TreeService({ ...deps, presence, roster, stats, visibility }, loaded) };
  }

  /** A pipeline over `loaded`, taking over its update bookkeeping (at open and after a reload). */
  #adopt(loaded: LoadedTree): OpPipeline {
    this.#log.set(loaded.logSeq);
    this.#records = new BatchRecords(loaded, this.#deps.limits.verdictRetentionMs);
    const { relayKey, actorOf, clock, presence } = this.#deps;
    const deps: OpPipelineDeps = {
      relayKey,
      actorOf,
      now: () => clock.now(),
      occupancy: (roomId) => presence.members().filter((m) => m.roomId === roomId).length,
    };
    const { freeVerdictsPerKey: perKey, freeVerdictsTotal: total } = this.#deps.limits;
    this.#deps.visibility.bind(loaded.rooms);
    return new OpPipeline(loaded, deps, FreeVerdicts.load(loaded.freeVerdictRows, { perKey, total }));
  }

  /** The applied room tree (the permission service reads rooms and their ACLs). Live: do not keep. */
  get rooms(): ReadonlyMap<string, RoomRecord> {
    return this.#pipeline.rooms;
  }

  /** The authoritative tree document (tests and benchmarks read it). */
  get doc(): Y.Doc {
    return this.#pipeline.doc;
  }

  /** A client's y-protocols message for one document. */
  sync(session: Session, msg: CrdtSync): void {
    this.#sync.sync(session, msg);
  }

  /** Signed ops from a client: processed now, answered once durable. */
  submit(session: Session, msg: SubmitOps): void {
    const { stats } = this.#deps;
    if (msg.ops.length === 0 || msg.ops.length > MAX_OPS_PER_FRAME) {
      stats.frame('bad-request', session.connId, 'op count');
      session.sendError(ErrorCode.BAD_REQUEST, `1..${MAX_OPS_PER_FRAME} ops per frame`, 'submit_ops');
      return;
    }
    const member = this.#deps.roster.member(session);
    if (!member) return;
    const route = this.#deps.replication?.route() ?? 'local';
    if (route !== 'local') {
      // Cluster, not the writer: the writer decides (tree-replication.ts).
      if (route === 'forward') void forwardOps({ ...this.#deps, replication: this.#deps.replication!, position: this.#log }, session, member.publicKey, msg.ops);
      else session.send({ case: 'opResults', value: { results: msg.ops.map((op) => unavailable(peekOpId(op.body))) } });
      return;
    }
    // The budget is charged on arrival; verification starts now, off this thread.
    const frame = admitFrame(this.#buckets, this.#deps.verifier, toHex(member.publicKey), msg.ops);
    this.#queue = this.#queue.then(async () => {
      // A verifier failure leaves the verdicts unknown: the pipeline then verifies inline.
      const verdicts = await frame.verdicts.catch(() => null);
      while (this.#reloading) await this.#reloading;
      try {
        let replies = this.#batch.replies.get(session);
        if (!replies) this.#batch.replies.set(session, (replies = []));
        this.#process({ session, replies, submitter: member.publicKey, ops: msg.ops, frame, verdicts, hidden: () => this.#deps.visibility.hiddenFor(session) });
      } catch (error) {
        this.#deps.events.emit('internal-error', { where: 'room tree ops', error });
      }
    });
  }

  /**
   * Cluster writer: ops another relay's client submitted, judged here like a
   * local frame (the same budget per key, the same pipeline) with the actors
   * that relay knows; resolves once the batch is in the shared log.
   */
  submitForwarded(fwd: ForwardedOps): Promise<ForwardedVerdicts> {
    const ops = fwd.ops.slice(0, MAX_OPS_PER_FRAME);
    const frame = admitFrame(this.#buckets, this.#deps.verifier, toHex(fwd.submitter), ops);
    return new Promise<ForwardedVerdicts>((resolve) => {
      this.#queue = this.#queue.then(async () => {
        const verdicts = await frame.verdicts.catch(() => null);
        while (this.#reloading) await this.#reloading;
        const results: Result[] = [];
        if (this.#deps.replication?.route() !== 'local') {
          resolve({ results: ops.map((op) => unavailable(peekOpId(op.body))).map(toForwarded), logSeq: 0 });
          return;
        }
        this.#batch.remote.push({ results, resolve });
        // Rooms hidden from the submitter are as unknown here as on its own relay (no existence oracle through a cluster).
        const by = forwardedActor(fwd, toHex(fwd.submitter), this.#deps.actorOf);
        const subject = { keyHex: toHex(fwd.submitter), role: by?.role ?? 'guest', roomId: by?.roomId ?? null, passwordGroups: by?.passwordGroups };
        try {
          this.#process({ session: null, replies: results, submitter: fwd.submitter, ops, frame, verdicts, actorOf: (hex) => forwardedActor(fwd, hex, this.#deps.actorOf), hidden: () => this.#deps.visibility.hiddenForSubject(subject) });
        } catch (error) {
          this.#deps.events.emit('internal-error', { where: 'room tree ops', error });
        }
      });
    });
  }

  /** Cluster: the shared log's last entry this relay holds. */
  get logSeq(): number {
    return this.#log.seq;
  }

  /** Resolves once this relay holds the shared log up to `seq`. */
  logged(seq: number): Promise<void> {
    return this.#log.reached(seq);
  }

  /**
   * Cluster: applies the shared log's entry `logSeq` (another relay's batch),
   * in order with everything else. Entries this relay already holds (its own,
   * as the writer) are skipped.
   */
  applyLog(logSeq: number, entry: LogBatch): Promise<void> {
    return (this.#queue = this.#queue.then(async () => {
      while (this.#reloading) await this.#reloading;
      // Our own batches first: the entry may be ours, appended while we waited (then it is held already), and
      // local ops must never ride in a batch marked as a log entry (they would be answered without being in the log).
      while (this.#flushing || (hasWork(this.#batch) && !this.#batch.replicated)) {
        if (this.#flushing) await this.#flushing;
        else await this.#flush();
      }
      if (logSeq <= this.#log.seq) return;
      takeLogEntry(this.#batch, this.#pipeline, logSeq, entry);
      await this.#flush();
    }));
  }

  /** Cluster writer, on an empty log: writes this relay's tree as the log's first entry, so every relay starts from the same document. */
  seedLog(): Promise<void> {
    return (this.#queue = this.#queue.then(async () => {
      if (this.#log.seq > 0) return;
      await this.#flushing;
      this.#batch.seedLog = true;
      await this.#flush();
    }));
  }

  /** Runs a frame at its turn into the current batch (tree-frame.ts), then flushes. */
  #process(turn: FrameTurn): void {
    const { stats, events, replication } = this.#deps;
    processFrame({ pipeline: this.#pipeline, stats, events, replicated: replication !== undefined }, this.#batch, turn);
    void this.#flush();
  }

  /** The unsigned JoinRoom fast path, held to member.join's rules (tree-presence.ts). */
  joinRoom(session: Session, msg: JoinRoom): void {
    joinRoom(this.#deps, this.#pipeline.rooms, session, msg);
  }

  /** A page of the audit log, for admins (tree-history.ts). */
  history(session: Session, msg: OpHistoryRequest): Promise<void> {
    return serveHistory(this.#deps, session, msg);
  }

  /** Mirrors a session's room into the membership document (null: gone). */
  memberMoved(sessionId: number, roomId: string | null): void {
    this.#sync.memberMoved(sessionId, roomId);
  }

  /**
   * Rules, roles or where people are changed visibility without a tree
   * batch (a role change, a move when rules depend on where people are):
   * every class follows, sessions whose visibility changed get new epochs live.
   */
  refreshVisibility(): void {
    this.#sync.refresh();
  }

  /** The full tree document's epoch. */
  get epoch(): number {
    return this.#records.epoch;
  }

  /** A session signed in: it gets its visibility class now, so later rule changes reach it even before it syncs. */
  admitted(session: Session): void {
    this.#sync.admitted(session);
  }

  /** The membership document (tests read it). */
  get members(): MembersDoc {
    return this.#members;
  }

  sessionClosed(session: Session): void {
    this.#sync.sessionClosed(session);
  }

  /** Resolves when every accepted op is processed, on disk and answered. */
  async drain(): Promise<void> {
    for (;;) {
      const queue = this.#queue;
      await queue;
      if (this.#flushing) await this.#flushing;
      else if (queue === this.#queue && !this.#reloading) return;
      else if (this.#reloading) await this.#reloading;
    }
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = (async () => {
      while (hasWork(this.#batch)) {
        const b = this.#batch;
        this.#batch = newBatch();
        // The tree is exactly at this batch's end here: later ops go to the next batch.
        const pipeline = this.#pipeline;
        const replicated = b.replicated?.entry;
        const { update, fresh, freshEpoch } = batchDocument(b, pipeline, this.#records.epoch, this.#deps.limits.treeEpochAfterDeletes);
        // Classes follow the same state the full document now holds; sent only once durable, like it.
        const projected = b.changed.size > 0 && !fresh ? this.#deps.visibility.reproject(b.changed) : null;
        const entries = this.#records.entries(b, fresh ? null : update, pipeline.doc, this.#deps.clock.now(), (id) => pipeline.forgetVerdict(id));
        if (fresh) entries.push(...this.#records.rebuild(fresh, freshEpoch));
        entries.push(...pipeline.free.takeEntries(this.#deps.clock.now()));
        let logSeq = b.replicated?.logSeq ?? 0;
        try {
          if (!replicated && this.#deps.replication && (b.log.length > 0 || b.seedLog || fresh)) {
            // Durable in the cluster before anything is written here or answered; refused if another writer appended meanwhile.
            const snapshot = fresh ? { v2: Y.encodeStateAsUpdateV2(fresh), epoch: freshEpoch } : b.seedLog ? { v2: Y.encodeStateAsUpdateV2(pipeline.doc), epoch: this.#records.epoch } : null;
            logSeq = await this.#deps.replication.append({ ops: b.log, update: fresh ? null : update, snapshot }, this.#log.seq);
          }
          if (logSeq > 0) {
            entries.push(logSeqEntry(logSeq));
            this.#log.set(logSeq);
          }
          if (entries.length > 0) await this.#deps.store.writeBatch(entries, true);
        } catch (error) {
          await this.#failed(b, error, logSeq > 0 ? ErrorCode.INTERNAL : this.#deps.replication ? ErrorCode.CLUSTER_UNAVAILABLE : ErrorCode.INTERNAL);
          continue;
        }
        if (fresh) {
          if (replicated) for (const id of pipeline.followDoc(fresh)) b.changed.add(id);
          else pipeline.replaceDoc(fresh);
          this.#sync.broadcast(TREE_DOC, encodeFullStep2(fresh), this.#records.epoch);
        }
        // A new full epoch starts every class over too (their tombstones of deleted rooms go with it).
        const re = fresh ? this.#deps.visibility.restart() : projected;
        if (re) this.#sync.deliver(re);
        this.#publish(b, fresh ? null : update, logSeq);
      }
    })().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  /**
   * The disk refused a batch: its ops and the ones validated after them
   * against the now-wrong memory are answered INTERNAL, and the tree is
   * reloaded from what is on disk.
   */
  async #failed(b: Batch, error: unknown, code: ErrorCode): Promise<void> {
    let reloaded = (): void => {};
    this.#reloading = new Promise<void>((resolve) => (reloaded = resolve));
    try {
      if (code === ErrorCode.CLUSTER_UNAVAILABLE) this.#deps.events.emit('cluster-append-failed', { error });
      else this.#deps.events.emit('internal-error', { where: 'room tree write', error });
      const later = this.#batch;
      this.#batch = newBatch();
      answerFailed([b, later], code);
      try {
        this.#pipeline = this.#adopt(await loadTree(this.#deps.store, this.#deps.serverName));
        this.#sync.deliver(this.#deps.visibility.restart());
      } catch (reloadError) {
        this.#deps.events.emit('internal-error', { where: 'room tree reload', error: reloadError });
      }
    } finally {
      this.#reloading = null;
      reloaded();
    }
  }

  /** After the batch is durable: broadcast, follow presence, answer. */
  #publish(b: Batch, update: Uint8Array | null, logSeq: number): void {
    for (const remote of b.remote) remote.resolve({ results: remote.results.map(toForwarded), logSeq });
    this.#log.wake();
    if (update) this.#sync.broadcast(TREE_DOC, encodeUpdate(update), this.#records.epoch);
    if (b.changed.size > 0) {
      this.#syncPresence(b.changed);
      this.#deps.events.emit('tree-changed', { rooms: [...b.changed] });
    }
    for (const { session, roomId } of b.joins) this.#deps.roster.join(session, { roomId } as JoinRoom);
    for (const [session, results] of b.replies) {
      if (results.length > 0) session.send({ case: 'opResults', value: { results } });
    }
  }

  /** Adds, updates and removes presence rooms to match the tree; people in deleted rooms go to the nearest surviving ancestor. */
  #syncPresence(changed: ReadonlySet<string>): void {
    const gone = followTree(this.#deps.presence, this.#pipeline.rooms, changed);
    // Through the roster, the one choke point of presence: broadcast, remembered, `room-changed`.
    for (const m of this.#deps.roster.roomsRemoved(gone)) this.memberMoved(m.sessionId, m.roomId);
  }
}
