/**
 * The room tree on the relay: per-connection document sync, the signed-op
 * pipeline with group commit, the audit history, and keeping presence (the
 * voice router's view of rooms) and the membership document in step.
 *
 * Group commit: the ops of one frame are validated and applied in memory at
 * once, in order; their records go into the pending batch, which is written
 * with one synced LevelDB batch. Only after that write resolves are the
 * document updates broadcast and the verdicts sent, so nobody ever sees (or
 * is told about) a change a crash could lose. Ops arriving during a write
 * join the next batch.
 */
import * as Y from 'yjs';
import { DOC_NAMES, encodeUpdate, MEMBERS_DOC, serverHandleSync, TREE_DOC, validateOp, writeMember } from '../../crdt/index.ts';
import type { Actor, RoomRecord } from '../../crdt/index.ts';
import { encodeEnvelope, ErrorCode } from '../../proto/index.ts';
import type { CrdtSync, JoinRoom, OpHistoryRequest, SubmitOps } from '../../proto/index.ts';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { OpResultSchema } from '../../proto/index.ts';
import type { TypedEmitter } from '../emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Clock } from '../options.ts';
import type { Presence } from '../presence.ts';
import { TokenBucket } from '../rate-limit.ts';
import type { Roster } from '../roster.ts';
import type { Session } from '../session.ts';
import type { DropStats } from '../stats.ts';
import type { Store, StoredRoom } from '../store.ts';
import { wireCode } from './codes.ts';
import { OpPipeline, peekOpId } from './op-pipeline.ts';
import type { OpPipelineDeps } from './op-pipeline.ts';
import { COMPACT_EVERY, loadTree, readAudit, snapshotEntries, updateEntry } from './tree-persistence.ts';
import type { Entry, LoadedTree } from './tree-persistence.ts';

/** Most ops one SubmitOps frame may carry. */
export const MAX_OPS_PER_FRAME = 128;
/** Largest history page. */
export const MAX_HISTORY_PAGE = 200;

/** Per-session op budget. */
export interface OpLimits {
  /** Ops a session may send at once (an offline queue flushing). Default 2000. */
  readonly opBurst: number;
  /** Ops per second refilled. Default 200. */
  readonly opPerSecond: number;
}

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
}

type Result = MessageInitShape<typeof OpResultSchema>;

interface Batch {
  entries: Entry[];
  updates: Uint8Array[];
  changed: Set<string>;
  replies: Map<Session, Result[]>;
  joins: Array<{ session: Session; roomId: string }>;
}

const newBatch = (): Batch => ({ entries: [], updates: [], changed: new Set(), replies: new Map(), joins: [] });

/** Converts a tree record to the presence/AuthOk room shape. */
export function toStoredRoom(r: RoomRecord): StoredRoom {
  return { id: r.id, name: r.name, parentId: r.parent, position: r.position, description: r.description, userLimit: r.userLimit, voiceId: r.voiceId };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** See the module comment. Create with {@link TreeService.open}. */
export class TreeService {
  readonly #deps: TreeServiceDeps;
  #pipeline: OpPipeline;
  #nextUpdate: number;
  #unsnapshotted: number[] = [];
  readonly #members = new Y.Doc();
  readonly #subscribers = new Map<Session, Set<string>>();
  readonly #buckets = new Map<Session, TokenBucket>();
  #batch: Batch = newBatch();
  #flushing: Promise<void> | null = null;

  private constructor(deps: TreeServiceDeps, loaded: LoadedTree) {
    this.#deps = deps;
    this.#pipeline = this.#makePipeline(loaded);
    this.#nextUpdate = loaded.nextUpdate;
    for (let i = 0; i < loaded.updatesSinceSnapshot; i++) this.#unsnapshotted.push(loaded.nextUpdate - loaded.updatesSinceSnapshot + i);
  }

  /** Loads (or seeds) the tree. */
  static async open(
    deps: Omit<TreeServiceDeps, 'presence' | 'roster' | 'stats'>,
  ): Promise<{ rooms: StoredRoom[]; attach: (presence: Presence, roster: Roster, stats: DropStats) => TreeService }> {
    const loaded = await loadTree(deps.store, deps.serverName);
    const rooms = [...loaded.rooms.values()].sort((a, b) => (a.parent === '' ? -1 : b.parent === '' ? 1 : 0)).map(toStoredRoom);
    return { rooms, attach: (presence, roster, stats) => new TreeService({ ...deps, presence, roster, stats }, loaded) };
  }

  #makePipeline(loaded: LoadedTree): OpPipeline {
    const { relayKey, actorOf, clock, presence } = this.#deps;
    const deps: OpPipelineDeps = {
      relayKey,
      actorOf,
      now: () => clock.now(),
      occupancy: (roomId) => presence.members().filter((m) => m.roomId === roomId).length,
    };
    return new OpPipeline(loaded, deps);
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
    const doc = msg.doc === TREE_DOC ? this.#pipeline.doc : this.#members;
    const result = serverHandleSync(doc, msg.data);
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
    session.send({ case: 'crdtSync', value: { doc: msg.doc, data: result.data } });
  }

  /** Signed ops from a client: processed now, answered once durable. */
  submit(session: Session, msg: SubmitOps): void {
    const { stats, clock, limits } = this.#deps;
    if (msg.ops.length === 0 || msg.ops.length > MAX_OPS_PER_FRAME) {
      stats.frame('bad-request', session.connId, 'op count');
      session.sendError(ErrorCode.BAD_REQUEST, `1..${MAX_OPS_PER_FRAME} ops per frame`, 'submit_ops');
      return;
    }
    let bucket = this.#buckets.get(session);
    if (!bucket) this.#buckets.set(session, (bucket = new TokenBucket(clock, limits.opBurst, limits.opPerSecond)));
    const batch = this.#batch;
    let replies = batch.replies.get(session);
    if (!replies) batch.replies.set(session, (replies = []));
    for (const signed of msg.ops) {
      if (!bucket.take()) {
        // Not processed, sequence not used: the client keeps the op and retries.
        stats.frame('rate-limited', session.connId, 'ops');
        replies.push({ opId: peekOpId(signed.body), code: ErrorCode.RATE_LIMITED, reason: 'too many ops; retry later' });
        continue;
      }
      const out = this.#pipeline.process(signed.body, signed.signature);
      if (out.code !== null) stats.frame('op-refused', session.connId, out.code);
      batch.entries.push(...out.entries);
      if (out.update) {
        const n = this.#nextUpdate++;
        batch.entries.push(updateEntry(n, out.update));
        batch.updates.push(out.update);
        this.#unsnapshotted.push(n);
        if (this.#unsnapshotted.length >= COMPACT_EVERY) {
          batch.entries.push(...snapshotEntries(this.#pipeline.doc, this.#nextUpdate, this.#unsnapshotted));
          this.#unsnapshotted = [];
        }
      }
      for (const id of out.changed) batch.changed.add(id);
      if (out.op?.kind === 'member.join' && out.entries.length > 0) batch.joins.push({ session, roomId: out.op.args.roomId });
      replies.push({ opId: out.opId, code: wireCode(out.code), reason: out.reason, serverSeq: BigInt(out.seq) });
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
    const actor = this.#deps.actorOf(hex(member.publicKey)) ?? { keyHex: hex(member.publicKey), role: 'guest' as const };
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
    const actor = member && this.#deps.actorOf(hex(member.publicKey));
    if (actor?.role !== 'admin') {
      session.send({ case: 'opHistory', value: { entries: [], more: false, code: ErrorCode.FORBIDDEN } });
      return;
    }
    const limit = Math.min(MAX_HISTORY_PAGE, msg.limit || 50);
    const rows = await readAudit(this.#deps.store, Number(msg.beforeSeq), limit + 1);
    const entries = rows.slice(0, limit).map((r) => ({ serverSeq: BigInt(r.seq), appliedAtMs: BigInt(r.atMs), op: { body: r.body, signature: r.signature } }));
    session.send({ case: 'opHistory', value: { entries, more: rows.length > limit, code: ErrorCode.UNSPECIFIED } });
  }

  /** Mirrors a session's room into the membership document (null: gone). */
  memberMoved(sessionId: number, roomId: string | null): void {
    const capture: Uint8Array[] = [];
    const on = (u: Uint8Array): void => void capture.push(u);
    this.#members.on('update', on);
    writeMember(this.#members, sessionId, roomId, 'relay');
    this.#members.off('update', on);
    for (const u of capture) this.#broadcast(MEMBERS_DOC, u);
  }

  sessionClosed(session: Session): void {
    this.#subscribers.delete(session);
    this.#buckets.delete(session);
  }

  /** Resolves when every accepted op is on disk and answered. */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = (async () => {
      while (this.#batch.replies.size > 0) {
        const b = this.#batch;
        this.#batch = newBatch();
        try {
          if (b.entries.length > 0) await this.#deps.store.writeBatch(b.entries, true);
        } catch (error) {
          await this.#failed(b, error);
          continue;
        }
        this.#publish(b);
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
  async #failed(b: Batch, error: unknown): Promise<void> {
    this.#deps.events.emit('internal-error', { where: 'room tree write', error });
    const later = this.#batch;
    this.#batch = newBatch();
    for (const batch of [b, later]) {
      for (const [session, results] of batch.replies) {
        session.send({ case: 'opResults', value: { results: results.map((r) => ({ ...r, code: ErrorCode.INTERNAL, reason: 'relay storage failed; nothing changed', serverSeq: 0n })) } });
      }
    }
    try {
      const loaded = await loadTree(this.#deps.store, this.#deps.serverName);
      this.#pipeline = this.#makePipeline(loaded);
      this.#nextUpdate = loaded.nextUpdate;
      this.#unsnapshotted = [];
    } catch (reloadError) {
      this.#deps.events.emit('internal-error', { where: 'room tree reload', error: reloadError });
    }
  }

  /** After the batch is durable: broadcast, follow presence, answer. */
  #publish(b: Batch): void {
    if (b.updates.length > 0) this.#broadcast(TREE_DOC, b.updates.length === 1 ? b.updates[0]! : Y.mergeUpdates(b.updates));
    if (b.changed.size > 0) this.#syncPresence(b.changed);
    for (const { session, roomId } of b.joins) this.#deps.roster.join(session, { roomId } as JoinRoom);
    for (const [session, results] of b.replies) {
      if (results.length > 0) session.send({ case: 'opResults', value: { results } });
    }
  }

  #broadcast(doc: string, update: Uint8Array): void {
    const frame = encodeEnvelope({ case: 'crdtSync', value: { doc, data: encodeUpdate(update) } });
    for (const [session, docs] of this.#subscribers) if (docs.has(doc)) session.sendEncoded(frame);
  }

  /** Adds, updates and removes presence rooms to match the tree; people in deleted rooms go to the nearest surviving ancestor. */
  #syncPresence(changed: ReadonlySet<string>): void {
    const { presence, roster } = this.#deps;
    const rooms = this.#pipeline.rooms;
    const moved = new Map<number, ReturnType<Presence['member']>>();
    const gone: Array<[string, string]> = [];
    for (const id of changed) {
      const room = rooms.get(id);
      if (room) {
        presence.upsertRoom(toStoredRoom(room));
        continue;
      }
      // Fallbacks first: a deleted subtree's rooms must still be found while walking up.
      let fallback = presence.roomInfo(id)?.parentId ?? '';
      while (fallback !== '' && !rooms.has(fallback)) fallback = presence.roomInfo(fallback)?.parentId ?? '';
      gone.push([id, fallback === '' ? 'root' : fallback]);
    }
    for (const [id, fallback] of gone) for (const m of presence.removeRoom(id, fallback)) moved.set(m.sessionId, m);
    for (const m of moved.values()) {
      if (!m) continue;
      const frame = encodeEnvelope({ case: 'userUpdated', value: { user: m } });
      for (const s of roster.sessions()) s.sendEncoded(frame);
      this.memberMoved(m.sessionId, m.roomId);
    }
  }
}
