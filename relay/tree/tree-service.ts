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
import { decodeOpBody, DOC_NAMES, encodeFullStep2, peekAuthor, peekOpId, encodeUpdate, MEMBERS_DOC, serverHandleSync, TREE_DOC, validateOp } from '../../crdt/index.ts';
import type { Actor, RoomRecord } from '../../crdt/index.ts';
import { ErrorCode } from '../../proto/index.ts';
import type { CrdtSync, JoinRoom, OpHistoryRequest, SignedOp, SubmitOps } from '../../proto/index.ts';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { OpResultSchema } from '../../proto/index.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Clock, RelayLimits } from '../options.ts';
import type { Presence } from '../presence/presence.ts';
import { KeyedBuckets } from '../rate-limit.ts';
import { MembersDoc } from './members-doc.ts';
import type { Roster } from '../presence/roster.ts';
import type { Session } from '../connection/client-connection.ts';
import type { DropStats } from '../stats.ts';
import type { Store } from '../storage/store.ts';
import { wireCode } from './codes.ts';
import { OpPipeline } from './op-pipeline.ts';
import type { SignatureVerifier } from './signature-pool.ts';
import type { OpPipelineDeps } from './op-pipeline.ts';
import { BatchRecords } from './batch-records.ts';
import { FreeVerdicts } from './free-verdicts.ts';
import { crdtSyncFrames } from '../connection/paged-frames.ts';
import { loadTree, logSeqEntry } from './tree-persistence.ts';
import { opHistoryPage } from './op-history.ts';
import type { ForwardedOps, ForwardedVerdicts, LogBatch, LoggedOp, TreeReplication } from './replication.ts';
import { nextTreeEpoch, rebuildTreeDoc, shouldStartTreeEpoch, treeKeyCounts } from './tree-epoch.ts';
import type { BatchVerdict } from './batch-records.ts';
import type { AuditRecord, LoadedTree } from './tree-persistence.ts';
import { toHex } from '../../proto/bytes.ts';
import type { Visibility, Reprojection } from '../visibility/visibility.ts';
import { deliver } from '../visibility/class-sync.ts';
import { hiddenRoomNamed } from '../visibility/op-rooms.ts';

/** Most ops one SubmitOps frame may carry. */
export const MAX_OPS_PER_FRAME = 128;

/** The relay limits the tree uses: the op budget per identity key, how long verdicts are kept, when the membership document starts over. */
export type OpLimits = Pick<RelayLimits, 'opBurst' | 'opPerSecond' | 'verdictRetentionMs' | 'membersCompactAfterDeletes' | 'treeEpochAfterDeletes' | 'freeVerdictsPerKey' | 'freeVerdictsTotal'>;

/** Dependencies of a {@link TreeService}. */
export interface TreeServiceDeps {
  readonly store: Store;
  readonly presence: Presence;
  readonly roster: Roster;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  readonly clock: Clock;
  readonly relayKey: Uint8Array;
  readonly serverName: string;
  readonly actorOf: (keyHex: string) => Actor | null;
  readonly limits: OpLimits;
  /** Checks a frame's signatures ahead of the pipeline (the relay owns and closes it). */
  readonly verifier: SignatureVerifier;
  /** Bytes of sync data one CrdtSync frame may carry; longer messages go in chunks (proto/sync-chunks.ts). */
  readonly pageBytes: number;
  /** Visibility classes: who is served which projection of the documents (relay/visibility/). */
  readonly visibility: Visibility;
  /** In a cluster (relay/cluster/): the shared log. Absent: this relay alone decides. */
  readonly replication?: TreeReplication;
}

type Result = MessageInitShape<typeof OpResultSchema>;

interface Batch {
  /** Last sequence number per device key: one record per device per batch, not per op. */
  devices: Map<string, number>;
  /** The batch's verdicts (with their op ids in hex, computed once by the pipeline) and applied ops: one record each per batch (op-records.ts). */
  verdicts: BatchVerdict[];
  audit: AuditRecord[];
  changed: Set<string>;
  replies: Map<Session, Result[]>;
  joins: Array<{ session: Session; roomId: string }>;
  /** Cluster writer: what the shared log records of this batch; results of ops other relays forwarded. */
  log: LoggedOp[];
  remote: Array<{ results: Result[]; resolve: (v: ForwardedVerdicts) => void }>;
  /** Cluster: the log entry this batch applies (it holds nothing else), or the writer's first entry to write. */
  replicated: { logSeq: number; entry: LogBatch } | null;
  seedLog: boolean;
}

const newBatch = (): Batch => ({ devices: new Map(), verdicts: [], audit: [], changed: new Set(), replies: new Map(), joins: [], log: [], remote: [], replicated: null, seedLog: false });
const hasWork = (b: Batch): boolean => b.replies.size > 0 || b.remote.length > 0 || b.replicated !== null || b.seedLog;

/** See the module comment. Create with {@link TreeService.open}. */
export class TreeService {
  readonly #deps: TreeServiceDeps;
  #pipeline: OpPipeline;
  #records!: BatchRecords;
  readonly #members: MembersDoc;
  readonly #subscribers = new Map<Session, Set<string>>();
  /** Op budgets by author key (hex): one person's tabs share one budget, like chat's. */
  /** Op budget per identity key, shared by its sessions (a reconnect does not refill it). */
  readonly #buckets: KeyedBuckets;
  #batch: Batch = newBatch();
  #flushing: Promise<void> | null = null;
  /** Frames in arrival order, each waiting for its signature verdicts. */
  #queue: Promise<void> = Promise.resolve();
  /** Set while the tree reloads after a failed write: queued frames wait for the reloaded state. */
  #reloading: Promise<void> | null = null;
  /** Cluster: the shared log's last entry this relay holds, and who waits for a later one. */
  #logSeq = 0;
  #logWaiters: Array<{ seq: number; resolve: () => void }> = [];

  private constructor(deps: TreeServiceDeps, loaded: LoadedTree) {
    this.#deps = deps;
    this.#buckets = new KeyedBuckets(deps.clock, deps.limits.opBurst, deps.limits.opPerSecond);
    this.#members = new MembersDoc({ compactAfterDeletes: deps.limits.membersCompactAfterDeletes });
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
    this.#logSeq = loaded.logSeq;
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
    if (!DOC_NAMES.includes(msg.doc)) {
      this.#deps.stats.frame('bad-request', session.connId, 'unknown doc');
      session.sendError(ErrorCode.BAD_REQUEST, 'unknown document', 'crdt_sync');
      return;
    }
    const members = msg.doc === MEMBERS_DOC;
    // A session that may not see some rooms is served its class's projections, never the full documents.
    const view = this.#deps.visibility.viewOf(session);
    const membersDoc = view ? view.members : this.#members;
    const treeDoc = view ? view.tree.doc : this.#pipeline.doc;
    const epoch = members ? membersDoc.epoch : view ? view.tree.epoch : this.#records.epoch;
    let result = members ? membersDoc.reply(msg.data) : serverHandleSync(treeDoc, msg.data);
    // A replica of another tree epoch (or class): its state vector means nothing here, so it gets the whole document.
    if (!members && result.kind === 'reply' && msg.epoch !== epoch) result = { kind: 'reply', data: encodeFullStep2(treeDoc) };
    if (result.kind === 'malformed') {
      this.#deps.stats.frame('malformed', session.connId, 'sync message');
      session.sendError(ErrorCode.MALFORMED, 'undecodable sync message', 'crdt_sync');
      return;
    }
    if (result.kind === 'ignored') {
      this.#deps.stats.frame('read-only-sync', session.connId);
      return;
    }
    let docs = this.#subscribers.get(session);
    if (!docs) this.#subscribers.set(session, (docs = new Set()));
    docs.add(msg.doc);
    for (const frame of crdtSyncFrames(msg.doc, result.data, epoch, this.#deps.pageBytes)) session.sendEncoded(frame);
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
      if (route === 'forward') void this.#forward(session, member.publicKey, msg.ops);
      else session.send({ case: 'opResults', value: { results: msg.ops.map((op) => unavailable(peekOpId(op.body))) } });
      return;
    }
    const who = toHex(member.publicKey);
    // The budget is charged on arrival; verification starts now, off this thread.
    const admitted = msg.ops.map(() => this.#buckets.take(who) === 0);
    const checks = msg.ops.filter((_, i) => admitted[i]).map((op) => ({ author: peekAuthor(op.body), body: op.body, signature: op.signature }));
    const verdicts = checks.length > 0 ? this.#deps.verifier.verifyAll(checks) : Promise.resolve(new Uint8Array(0));
    this.#queue = this.#queue.then(async () => {
      // A verifier failure leaves the verdicts unknown: the pipeline then verifies inline.
      const v = await verdicts.catch(() => null);
      while (this.#reloading) await this.#reloading;
      try {
        let replies = this.#batch.replies.get(session);
        if (!replies) this.#batch.replies.set(session, (replies = []));
        this.#process(session, replies, member.publicKey, msg.ops, admitted, checks, v);
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
    const who = toHex(fwd.submitter);
    const admitted = ops.map(() => this.#buckets.take(who) === 0);
    const checks = ops.filter((_, i) => admitted[i]).map((op) => ({ author: peekAuthor(op.body), body: op.body, signature: op.signature }));
    const verdicts = checks.length > 0 ? this.#deps.verifier.verifyAll(checks) : Promise.resolve(new Uint8Array(0));
    return new Promise<ForwardedVerdicts>((resolve) => {
      this.#queue = this.#queue.then(async () => {
        const v = await verdicts.catch(() => null);
        while (this.#reloading) await this.#reloading;
        const results: Result[] = [];
        if (this.#deps.replication?.route() !== 'local') {
          resolve({ results: ops.map((op) => unavailable(peekOpId(op.body))).map(toForwarded), logSeq: 0 });
          return;
        }
        this.#batch.remote.push({ results, resolve });
        try {
          this.#process(null, results, fwd.submitter, ops, admitted, checks, v, (hex) => fwd.actors.get(hex) ?? null);
        } catch (error) {
          this.#deps.events.emit('internal-error', { where: 'room tree ops', error });
        }
      });
    });
  }

  /** Cluster, not the writer: passes a client's ops to the writer, then answers once this relay holds the log entry that decided them. */
  async #forward(session: Session, submitter: Uint8Array, ops: readonly SignedOp[]): Promise<void> {
    const actors = new Map<string, Actor | null>();
    for (const op of ops) {
      const hex = toHex(peekAuthor(op.body));
      if (!actors.has(hex)) actors.set(hex, this.#deps.actorOf(hex));
    }
    let reply: ForwardedVerdicts;
    try {
      reply = await this.#deps.replication!.forward({ submitter, actors, ops: ops.map((o) => ({ body: o.body, signature: o.signature })) });
    } catch {
      session.send({ case: 'opResults', value: { results: ops.map((op) => unavailable(peekOpId(op.body))) } });
      return;
    }
    await this.logged(reply.logSeq);
    for (const r of reply.results) {
      if (r.code !== ErrorCode.UNSPECIFIED) continue;
      const op = ops.find((o) => sameId(peekOpId(o.body), r.opId));
      const parsed = op ? decodeOpBody(op.body) : null;
      if (parsed?.ok && parsed.value.kind === 'member.join') this.#deps.roster.join(session, { roomId: parsed.value.args.roomId } as JoinRoom);
    }
    session.send({ case: 'opResults', value: { results: reply.results.map((r) => ({ ...r })) } });
  }

  /** Cluster: the shared log's last entry this relay holds. */
  get logSeq(): number {
    return this.#logSeq;
  }

  /** Resolves once this relay holds the shared log up to `seq`. */
  logged(seq: number): Promise<void> {
    if (this.#logSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.#logWaiters.push({ seq, resolve }));
  }

  /**
   * Cluster: applies the shared log's entry `logSeq` (another relay's batch),
   * in order with everything else. Entries this relay already holds (its own,
   * as the writer) are skipped.
   */
  applyLog(logSeq: number, entry: LogBatch): Promise<void> {
    const done = (this.#queue = this.#queue.then(async () => {
      while (this.#reloading) await this.#reloading;
      if (logSeq <= this.#logSeq) return;
      await this.#flushing;
      const b = this.#batch;
      b.replicated = { logSeq, entry };
      for (const logged of entry.ops) {
        const out = this.#pipeline.applyLogged(logged);
        if (!out) continue;
        if (out.deviceSeq !== null) b.devices.set(out.deviceHex, out.deviceSeq);
        if (out.verdict) b.verdicts.push({ opId: out.opId, opIdHex: out.opIdHex, verdict: out.verdict });
        if (out.audit) b.audit.push(out.audit);
      }
      await this.#flush();
    }));
    return done;
  }

  /** Cluster writer, on an empty log: writes this relay's tree as the log's first entry, so every relay starts from the same document. */
  seedLog(): Promise<void> {
    return (this.#queue = this.#queue.then(async () => {
      if (this.#logSeq > 0) return;
      await this.#flushing;
      this.#batch.seedLog = true;
      await this.#flush();
    }));
  }

  #process(session: Session | null, replies: Result[], submitter: Uint8Array, ops: readonly SignedOp[] | ForwardedOps['ops'], admitted: readonly boolean[], checks: ReadonlyArray<{ author: Uint8Array }>, verdicts: Uint8Array | null, actorOf?: (keyHex: string) => Actor | null): void {
    const { stats } = this.#deps;
    const batch = this.#batch;
    const connId = session?.connId ?? 0;
    let k = 0;
    for (let i = 0; i < ops.length; i++) {
      const signed = ops[i]!;
      if (!admitted[i]) {
        // Not processed, sequence not used: the client keeps the op and retries.
        stats.frame('rate-limited', connId, 'ops');
        replies.push({ opId: peekOpId(signed.body), code: ErrorCode.RATE_LIMITED, reason: 'too many ops; retry later' });
        continue;
      }
      const pre = verdicts ? { author: checks[k]!.author, ok: verdicts[k] === 1 } : undefined;
      k++;
      const out = this.#pipeline.process(signed.body, signed.signature, pre, submitter, session ? this.#deps.visibility.hiddenFor(session) : undefined, actorOf);
      if (out.code !== null) stats.frame('op-refused', connId, out.code);
      if (this.#deps.events.has('op-verdict')) this.#deps.events.emit('op-verdict', { code: out.code ?? 'accepted' });
      if (out.deviceSeq !== null) batch.devices.set(out.deviceHex, out.deviceSeq);
      if (out.verdict) batch.verdicts.push({ opId: out.opId, opIdHex: out.opIdHex, verdict: out.verdict });
      if (out.audit) batch.audit.push(out.audit);
      if (out.logged && this.#deps.replication) batch.log.push(out.logged);
      for (const id of out.changed) batch.changed.add(id);
      // A forwarded join moves its session on the relay that holds it (#forward).
      if (out.op?.kind === 'member.join' && session) batch.joins.push({ session, roomId: out.op.args.roomId });
      replies.push({ opId: out.opId, code: wireCode(out.code), reason: out.reason, serverSeq: BigInt(out.seq), ...(out.denial ? { denial: { permission: out.denial.permission, roomId: out.denial.roomId, ruleId: out.denial.ruleId ?? '' } } : {}) });
    }
    void this.#flush();
  }

  /**
   * The unsigned JoinRoom fast path, held to member.join's rules (the same
   * authorize and room checks) before presence moves the session.
   */
  joinRoom(session: Session, msg: JoinRoom): void {
    const member = this.#deps.roster.member(session);
    if (!member) return;
    if (!this.#deps.visibility.sees(session, msg.roomId)) {
      // Word for word the answer for a room that does not exist (roster.join): no oracle.
      this.#deps.stats.frame('unknown-room', session.connId);
      session.sendError(ErrorCode.UNKNOWN_ROOM, 'no such room', 'join_room');
      return;
    }
    const actor = this.#deps.actorOf(toHex(member.publicKey)) ?? { keyHex: toHex(member.publicKey), role: 'guest' as const };
    const rejection = validateOp(this.#pipeline.rooms, actor, { kind: 'member.join', args: { roomId: msg.roomId } }, { occupancy: () => 0 });
    if (rejection?.code === 'forbidden') {
      session.sendError(ErrorCode.FORBIDDEN, rejection.reason, 'join_room');
      return;
    }
    // Unknown room and user limit are answered by presence with the JoinRoom codes.
    this.#deps.roster.join(session, msg);
  }

  /** A page of the audit log, for admins. */
  async history(session: Session, msg: OpHistoryRequest): Promise<void> {
    const member = this.#deps.roster.member(session);
    const actor = member && this.#deps.actorOf(toHex(member.publicKey));
    if (actor?.role !== 'admin') {
      session.send({ case: 'opHistory', value: { entries: [], more: false, code: ErrorCode.FORBIDDEN } });
      return;
    }
    if (session.congested) {
      session.send({ case: 'opHistory', value: { entries: [], more: true, code: ErrorCode.SLOW_DOWN } });
      return;
    }
    const hidden = this.#deps.visibility.hiddenFor(session);
    // Entries naming a room the reader may not see are left out (admins see everything; this is the rule if that changes).
    const keep =
      hidden.size === 0
        ? undefined
        : (body: Uint8Array): boolean => {
            const op = decodeOpBody(body);
            return op.ok && hiddenRoomNamed(op.value, hidden) === null && !(op.value.kind === 'room.create' && hidden.has(op.value.args.roomId));
          };
    const { entries, more } = await opHistoryPage(this.#deps.store, msg, keep);
    session.sendOptional({ case: 'opHistory', value: { entries, more, code: ErrorCode.UNSPECIFIED } }, () => ({
      case: 'opHistory',
      value: { entries: [], more: true, code: ErrorCode.SLOW_DOWN },
    }));
  }

  /** Mirrors a session's room into the membership document (null: gone). */
  memberMoved(sessionId: number, roomId: string | null): void {
    const change = this.#members.move(sessionId, roomId);
    if (change.kind !== 'none') this.#broadcastSync(MEMBERS_DOC, change.data, change.epoch);
    this.#deliver({ deliveries: this.#deps.visibility.memberMoved(sessionId, roomId), changes: [] });
    // Rules that depend on where people are: a move can change what the mover sees.
    if (roomId !== null && this.#deps.visibility.whereMatters) this.refreshVisibility();
  }

  /**
   * Rules, roles or where people are changed visibility without a tree
   * batch (a role change, a move when rules depend on where people are):
   * every class follows, sessions whose visibility changed get new epochs live.
   */
  refreshVisibility(): void {
    this.#deliver(this.#deps.visibility.reproject(new Set()));
  }

  /** Sends a reprojection's documents and has presence follow its class changes. */
  #deliver(re: Reprojection): void {
    deliver(re.deliveries, {
      subscribed: (s, doc) => this.#subscribers.get(s)?.has(doc) ?? false,
      full: (doc) => (doc === MEMBERS_DOC ? { data: encodeFullStep2(this.#members.doc), epoch: this.#members.epoch } : { data: encodeFullStep2(this.#pipeline.doc), epoch: this.#records.epoch }),
      pageBytes: this.#deps.pageBytes,
    });
    for (const c of re.changes) this.#deps.roster.visibilityChanged(c.session, c.before, c.after);
  }

  /** The full tree document's epoch. */
  get epoch(): number {
    return this.#records.epoch;
  }

  /** A session signed in: it gets its visibility class now, so later rule changes reach it even before it syncs. */
  admitted(session: Session): void {
    this.#deps.visibility.viewOf(session);
    this.#deps.roster.keepOutOf(session, this.#deps.visibility.hiddenFor(session));
  }

  /** The membership document (tests read it). */
  get members(): MembersDoc {
    return this.#members;
  }

  sessionClosed(session: Session): void {
    this.#subscribers.delete(session);
    this.#deps.visibility.sessionClosed(session);
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
        let update: Uint8Array | null;
        let fresh: Y.Doc | null;
        let freshEpoch: number;
        if (replicated) {
          // Another relay's batch: the writer's own update (or document), so every relay holds the same document.
          update = replicated.snapshot ? null : replicated.update;
          fresh = replicated.snapshot ? docOf(replicated.snapshot.v2) : null;
          freshEpoch = replicated.snapshot?.epoch ?? this.#records.epoch;
          if (update) {
            Y.applyUpdate(pipeline.doc, update, 'relay');
            for (const id of pipeline.followDoc(pipeline.doc)) b.changed.add(id);
          }
        } else {
          update = pipeline.writeDoc(b.changed);
          // A new epoch replaces this batch's update with a rebuilt document (tree-epoch.ts).
          fresh = update && this.#epochDue(b.changed) ? rebuildTreeDoc(pipeline.rooms) : null;
          freshEpoch = nextTreeEpoch(this.#records.epoch);
        }
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
            logSeq = await this.#deps.replication.append({ ops: b.log, update: fresh ? null : update, snapshot }, this.#logSeq);
          }
          if (logSeq > 0) {
            entries.push(logSeqEntry(logSeq));
            this.#logSeq = logSeq;
          }
          if (entries.length > 0) await this.#deps.store.writeBatch(entries, true);
        } catch (error) {
          await this.#failed(b, error, logSeq > 0 ? ErrorCode.INTERNAL : this.#deps.replication ? ErrorCode.CLUSTER_UNAVAILABLE : ErrorCode.INTERNAL);
          continue;
        }
        if (fresh) {
          if (replicated) for (const id of pipeline.followDoc(fresh)) b.changed.add(id);
          else pipeline.replaceDoc(fresh);
          this.#broadcastSync(TREE_DOC, encodeFullStep2(fresh), this.#records.epoch);
        }
        // A new full epoch starts every class over too (their tombstones of deleted rooms go with it).
        const re = fresh ? this.#deps.visibility.restart() : projected;
        if (re) this.#deliver(re);
        this.#publish(b, fresh ? null : update, logSeq);
      }
    })().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  /** Whether the batch that changed `changed` left enough deleted-room keys for a new tree epoch. */
  #epochDue(changed: ReadonlySet<string>): boolean {
    const rooms = this.#pipeline.rooms;
    let deleted = false;
    for (const id of changed) if (!rooms.has(id)) deleted = true;
    return deleted && shouldStartTreeEpoch(treeKeyCounts(this.#pipeline.doc, rooms), this.#deps.limits.treeEpochAfterDeletes);
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
      await this.#answerFailedAndReload(b, error, code);
    } finally {
      this.#reloading = null;
      reloaded();
    }
  }

  async #answerFailedAndReload(b: Batch, error: unknown, code: ErrorCode): Promise<void> {
    if (code === ErrorCode.CLUSTER_UNAVAILABLE) this.#deps.events.emit('cluster-append-failed', { error });
    else this.#deps.events.emit('internal-error', { where: 'room tree write', error });
    const later = this.#batch;
    this.#batch = newBatch();
    const reason = code === ErrorCode.CLUSTER_UNAVAILABLE ? 'the cluster log is unavailable; nothing changed' : 'relay storage failed; nothing changed';
    const failed = (results: Result[]): Result[] => results.map((r) => (r.code === ErrorCode.RATE_LIMITED ? r : { ...r, code, reason, serverSeq: 0n }));
    for (const batch of [b, later]) {
      for (const [session, results] of batch.replies) session.send({ case: 'opResults', value: { results: failed(results) } });
      for (const remote of batch.remote) remote.resolve({ results: failed(remote.results).map(toForwarded), logSeq: 0 });
    }
    try {
      this.#pipeline = this.#adopt(await loadTree(this.#deps.store, this.#deps.serverName));
      this.#deliver(this.#deps.visibility.restart());
    } catch (reloadError) {
      this.#deps.events.emit('internal-error', { where: 'room tree reload', error: reloadError });
    }
  }

  /** After the batch is durable: broadcast, follow presence, answer. */
  #publish(b: Batch, update: Uint8Array | null, logSeq: number): void {
    for (const remote of b.remote) remote.resolve({ results: remote.results.map(toForwarded), logSeq });
    const waiting = this.#logWaiters;
    this.#logWaiters = waiting.filter((w) => w.seq > this.#logSeq);
    for (const w of waiting) if (w.seq <= this.#logSeq) w.resolve();
    if (update) this.#broadcast(TREE_DOC, update);
    if (b.changed.size > 0) {
      this.#syncPresence(b.changed);
      this.#deps.events.emit('tree-changed', { rooms: [...b.changed] });
    }
    for (const { session, roomId } of b.joins) this.#deps.roster.join(session, { roomId } as JoinRoom);
    for (const [session, results] of b.replies) {
      if (results.length > 0) session.send({ case: 'opResults', value: { results } });
    }
  }

  #broadcast(doc: string, update: Uint8Array): void {
    this.#broadcastSync(doc, encodeUpdate(update), doc === TREE_DOC ? this.#records.epoch : 0);
  }

  /** Sends one y-protocols message to every subscriber of `doc`. */
  #broadcastSync(doc: string, data: Uint8Array, epoch: number): void {
    // Encoded once; a session gets every chunk at once, so chunks of two messages never interleave.
    // Only sessions served the full documents: a class gets its own projection's messages (#deliver).
    const frames = crdtSyncFrames(doc, data, epoch, this.#deps.pageBytes);
    const visibility = this.#deps.visibility;
    for (const [session, docs] of this.#subscribers) if (docs.has(doc) && visibility.viewOf(session) === null) for (const frame of frames) session.sendEncoded(frame);
  }

  /** Adds, updates and removes presence rooms to match the tree; people in deleted rooms go to the nearest surviving ancestor. */
  #syncPresence(changed: ReadonlySet<string>): void {
    const { presence, roster } = this.#deps;
    const rooms = this.#pipeline.rooms;
    const gone: Array<[string, string]> = [];
    for (const id of changed) {
      const room = rooms.get(id);
      if (room) {
        presence.upsertRoom(room);
        continue;
      }
      // Fallbacks first: a deleted subtree's rooms must still be found while walking up.
      let fallback = presence.roomInfo(id)?.parent ?? '';
      while (fallback !== '' && !rooms.has(fallback)) fallback = presence.roomInfo(fallback)?.parent ?? '';
      gone.push([id, fallback === '' ? 'root' : fallback]);
    }
    // Through the roster, the one choke point of presence: broadcast, remembered, `room-changed`.
    for (const m of roster.roomsRemoved(gone)) this.memberMoved(m.sessionId, m.roomId);
  }
}

const docOf = (v2: Uint8Array): Y.Doc => {
  const doc = new Y.Doc();
  Y.applyUpdateV2(doc, v2);
  return doc;
};

const unavailable = (opId: Uint8Array): Result => ({ opId, code: ErrorCode.CLUSTER_UNAVAILABLE, reason: 'the cluster log is unavailable; retry', serverSeq: 0n });

const toForwarded = (r: Result): ForwardedVerdicts['results'][number] => ({ opId: r.opId ?? new Uint8Array(0), code: r.code ?? 0, reason: r.reason ?? '', serverSeq: r.serverSeq ?? 0n });

const sameId = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
