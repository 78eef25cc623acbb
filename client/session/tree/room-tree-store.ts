/**
 * The client's room tree: a read-only Yjs replica of the relay's tree
 * document (cached, so the last known tree shows at once and offline), an
 * outbox of signed ops, and the view the user sees: server state plus pending
 * ops (crdt/overlay.ts).
 *
 * On (re)connect the documents are synced first (SyncStep1 -> SyncStep2),
 * then the outbox is sent in sequence order. An acknowledged op leaves the
 * outbox (its effect is already in the synced document: the relay broadcasts
 * before it acknowledges); a refused one leaves the outbox and the view, and
 * is listed in `refused` with the reason (the rollback). Rate-limited or
 * internal refusals keep the op for a later retry.
 *
 * Tree epochs (PROTOCOL.md, "Documents"): the relay may rebuild its tree
 * document under a new epoch (to forget deleted rooms). The replica's epoch
 * is cached with it and sent with every SyncStep1; a message of another
 * epoch replaces the replica (the outbox stays: ops are intents, re-checked
 * by the relay). The replica, its epoch and the chunked sync messages are
 * kept in tree-sync.ts.
 */
import * as Y from 'yjs';
import { decodeOpBody, encodeOpBody, extendProjection, MEMBERS_DOC, MembersReplica, opHex, project, readRooms, SYNC_STEP2, TREE_DOC, validateOp } from '../../../crdt/index.ts';
import type { OpBody, OpIntent, Projection, Rooms } from '../../../crdt/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import type { EnvelopeInit, Envelope, OpHistory, OpResults } from '../../../proto/index.ts';
import type { Signer } from '../../../keys/index.ts';
import { describeOp, refusalText } from '../../ui/describe-op.ts';
import type { CachedMeta, QueuedOp, TreeCache } from './tree-cache.ts';
import { toRoomView } from './room-view.ts';
import { TreeSync } from './tree-sync.ts';
import type { RoomView } from './room-view.ts';
import { fromHex } from '../../../proto/bytes.ts';
import { denialOf } from '../perms/denial.ts';
import type { PermissionDenialView } from '../perms/denial.ts';

/** Ops per SubmitOps frame (the relay's maximum). */
const CHUNK = 128;
/** Delay before retrying ops the relay could not take (rate limit, storage), ms. */
const RETRY_MS = 2000;
/** Delay before writing the replica to the cache after an update, ms. */
const SAVE_MS = 250;
/** Most refusals kept for display. */
const MAX_REFUSED = 20;

/** A change the relay (or the local check) refused. */
export interface RefusedChange {
  readonly opIdHex: string;
  /** What the change was, e.g. "Rename “Quiet room” to “Lobby”". */
  readonly what: string;
  /** Why it was refused, in words. */
  readonly why: string;
  readonly code: ErrorCode;
  /** Refused by a room's permissions: which one, where, and the deciding rule (the "Why?" action). */
  readonly denial?: PermissionDenialView | null;
}

/** One audit log entry as shown. */
export interface HistoryEntryView {
  readonly seq: number;
  readonly appliedAtMs: number;
  readonly authorHex: string;
  readonly what: string;
  /** null while checking; false when the signature does not verify (or the entry does not parse). */
  readonly verified: boolean | null;
}

/** The tree state the session exposes. */
export interface TreeView {
  /** empty: nothing known; cached: from the last visit; syncing: connected, catching up; live: in sync. */
  readonly status: 'empty' | 'cached' | 'syncing' | 'live';
  /** Ops waiting for the relay. */
  readonly pendingCount: number;
  readonly refused: readonly RefusedChange[];
  readonly history: { readonly entries: readonly HistoryEntryView[]; readonly more: boolean; readonly loading: boolean; readonly forbidden: boolean } | null;
  /** The role this tree was last seen with (offline editing rights). */
  readonly role: CachedMeta['role'];
}

/** A tree edit from the UI (ids and signature are added here). */
export type TreeEdit = Exclude<OpIntent, { kind: 'member.join' }>;

/** What the store needs. */
export interface RoomTreeStoreDeps {
  readonly cache: TreeCache;
  readonly signer: Signer;
  readonly now: () => number;
  /** The tree's status, outbox and history, and its rooms (server state plus pending ops). */
  readonly onChange: (view: TreeView, rooms: readonly RoomView[]) => void;
  /** Verifies an audit entry's signature (the UI marks each ✓ or unverifiable). */
  readonly verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

interface Pending extends QueuedOp {
  readonly op: OpBody;
}

export const emptyTreeView: TreeView = { status: 'empty', pendingCount: 0, refused: [], history: null, role: null };

/** See the module comment. */
export class RoomTreeStore {
  readonly #deps: RoomTreeStoreDeps;
  /** Who is connected now: rebuilt on every connection, and whenever the relay starts a new epoch. */
  readonly #members = new MembersReplica();
  /** The replica and its epoch, and the chunked sync messages being joined. */
  readonly #tree = new TreeSync(this.#members);
  #meta: CachedMeta | null = null;
  #pending: Pending[] = [];
  readonly #inFlight = new Set<string>();
  #send: ((msg: EnvelopeInit) => boolean) | null = null;
  #view: TreeView = emptyTreeView;
  #rooms: readonly RoomView[] = [];
  #server: Rooms = new Map();
  /** Cached projection; null when the server state or the queue (other than by appending) changed. */
  #proj: Projection | null = null;
  #opened: Promise<void> | null = null;
  #chain: Promise<void> = Promise.resolve();
  #saveTimer: unknown = null;
  #retryTimer: unknown = null;

  constructor(deps: RoomTreeStoreDeps) {
    this.#deps = deps;
  }

  get view(): TreeView {
    return this.#view;
  }

  /** The rooms as shown: server state plus pending ops. */
  get rooms(): readonly RoomView[] {
    return this.#rooms;
  }

  /** Loads the cache (once). */
  open(): Promise<void> {
    return (this.#opened ??= (async () => {
      const { doc, meta, outbox } = await this.#deps.cache.load();
      this.#tree.load(doc, meta?.treeEpoch ?? 0);
      this.#meta = meta;
      this.#pending = outbox.flatMap((q) => {
        const d = decodeOpBody(q.body);
        return d.ok ? [{ ...q, op: d.value }] : [];
      });
      this.#server = readRooms(this.#tree.doc);
      this.#proj = null;
      this.#update({ status: this.#server.size > 0 ? 'cached' : 'empty', role: meta?.role ?? null });
    })());
  }

  /** Signed in: remember relay and role, sync both documents; the outbox follows the tree's SyncStep2. */
  async connected(relayKey: Uint8Array, role: CachedMeta['role'], send: (msg: EnvelopeInit) => boolean): Promise<void> {
    await this.open();
    const relayKeyHex = opHex(relayKey);
    if (this.#meta && this.#meta.relayKeyHex !== relayKeyHex) {
      // Another relay at this address: nothing cached belongs to it.
      await this.#deps.cache.clear();
      this.#tree.clear();
      this.#pending = [];
      this.#server = new Map();
    }
    this.#meta = { relayKeyHex, role };
    this.#proj = null;
    this.#send = send;
    this.#inFlight.clear();
    // Membership is about this connection only: a relay that restarted knows nothing of the old sessions.
    this.#members.reset();
    this.#tree.resetChunks();
    this.#tree.request(send);
    send({ case: 'crdtSync', value: { doc: MEMBERS_DOC, data: this.#members.step1() } });
    this.#update({ status: 'syncing', role });
  }

  /** The connection is gone: keep everything, show the cached state. */
  disconnected(): void {
    this.#send = null;
    this.#inFlight.clear();
    if (this.#view.status !== 'empty') this.#update({ status: 'cached' });
  }

  /** Handles a relay message meant for the tree; false when it is not one. */
  handle(msg: Envelope['msg']): boolean {
    switch (msg.case) {
      case 'crdtSync': {
        const data = this.#tree.join(msg.value, this.#send);
        if (data === null) return true;
        if (msg.value.doc === MEMBERS_DOC) {
          this.#members.apply(msg.value.epoch, data, this);
          return true;
        }
        if (msg.value.doc !== TREE_DOC) return true;
        const newEpoch = msg.value.epoch !== this.#tree.epoch;
        const applied = this.#tree.apply(msg.value.epoch, data, this, this.#send);
        if (applied.kind === 'restarted') {
          this.#server = new Map();
          this.#proj = null;
          this.#update({ status: 'syncing' });
          return true;
        }
        const type = applied.type;
        if (type === null) return true;
        const hadRooms = this.#server.size > 0;
        this.#server = readRooms(this.#tree.doc);
        this.#proj = null;
        // A new epoch may mean rooms this user may no longer see (hidden rooms): a cached copy with
        // rooms is replaced at once, not after the debounce a close could cancel. A first sync has
        // none to replace, and encoding a large tree (~200 ms at 2,000 rooms) would delay showing it.
        if (newEpoch && hadRooms) this.#saveNow();
        else this.#scheduleSave();
        if (type === SYNC_STEP2) {
          this.#update({ status: 'live' });
          this.#flush();
        } else {
          this.#update({});
        }
        return true;
      }
      case 'opResults':
        this.#results(msg.value);
        return true;
      case 'opHistory':
        void this.#history(msg.value);
        return true;
      default:
        return false;
    }
  }

  /** Queues a tree edit: checked locally, signed, stored, shown, then sent when connected. */
  edit(edit: TreeEdit): Promise<void> {
    const run = this.#chain.then(() => this.#edit(edit));
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Removes a refusal from the list (the user read it). */
  dismiss(opIdHex: string): void {
    this.#update({ refused: this.#view.refused.filter((r) => r.opIdHex !== opIdHex) });
  }

  /** Asks the relay for a page of the audit log (older than `beforeSeq`; 0 = newest). */
  requestHistory(beforeSeq = 0): void {
    if (!this.#send?.({ case: 'opHistoryRequest', value: { beforeSeq: BigInt(beforeSeq), limit: 50 } })) return;
    const prev = this.#view.history;
    this.#update({ history: { entries: beforeSeq > 0 ? (prev?.entries ?? []) : [], more: prev?.more ?? false, loading: true, forbidden: false } });
  }

  /** Session ids and rooms from the membership document. */
  members(): Map<number, string> {
    return this.#members.members();
  }

  close(): void {
    const clear = this.#deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    if (this.#saveTimer !== null) clear(this.#saveTimer);
    if (this.#retryTimer !== null) clear(this.#retryTimer);
    this.#send = null;
  }

  async #edit(edit: TreeEdit): Promise<void> {
    await this.open();
    const meta = this.#meta;
    const { signer, cache, now } = this.#deps;
    const view = this.#projection();
    const actor = { keyHex: opHex(signer.publicKey), role: meta?.role ?? 'guest' } as const;
    const rejection = meta ? validateOp(view.rooms, actor, edit, { occupancy: () => 0 }) : { code: 'unknown-key' as const, reason: 'not connected to this relay yet' };
    if (rejection || !meta) {
      const denial = rejection?.denial ? { ...rejection.denial, ruleId: rejection.denial.ruleId ?? '' } : null;
      const why = denial ? refusalText(ErrorCode.OP_FORBIDDEN, denial, this.#rooms) : (rejection?.reason ?? 'not connected yet');
      this.#refuse({ opIdHex: `local-${now()}`, what: describeOp(edit, view.rooms), why, code: denial ? ErrorCode.OP_FORBIDDEN : ErrorCode.BAD_REQUEST, denial });
      return;
    }
    const seq = await cache.nextSeq(actor.keyHex);
    const opId = crypto.getRandomValues(new Uint8Array(16));
    const op = { ...edit, relayKey: fromHex(meta.relayKeyHex), opId, author: signer.publicKey, seq, clientTimeMs: Math.floor(now()) } as OpBody;
    const body = encodeOpBody(op);
    const signature = await signer.sign(body);
    const queued: QueuedOp = { opIdHex: opHex(opId), seq, body, signature };
    await cache.put(queued);
    this.#pending.push({ ...queued, op });
    if (this.#proj) extendProjection(this.#proj, this.#server, { id: queued.opIdHex, intent: op }, actor);
    this.#update({});
    this.#flush();
  }

  #flush(): void {
    const send = this.#send;
    if (!send || this.#view.status !== 'live') return;
    const todo = this.#pending.filter((p) => !this.#inFlight.has(p.opIdHex));
    for (let i = 0; i < todo.length; i += CHUNK) {
      const chunk = todo.slice(i, i + CHUNK);
      if (!send({ case: 'submitOps', value: { ops: chunk.map((p) => ({ body: p.body, signature: p.signature })) } })) return;
      for (const p of chunk) this.#inFlight.add(p.opIdHex);
    }
  }

  #results(msg: OpResults): void {
    let retry = false;
    const refused: RefusedChange[] = [];
    const done = new Set<string>();
    for (const r of msg.results) {
      const id = opHex(r.opId);
      const p = this.#pending.find((x) => x.opIdHex === id);
      if (!p) continue;
      this.#inFlight.delete(id);
      if (r.code === ErrorCode.RATE_LIMITED || r.code === ErrorCode.INTERNAL || r.code === ErrorCode.CLUSTER_UNAVAILABLE) {
        retry = true;
        continue;
      }
      done.add(id);
      if (r.code !== ErrorCode.UNSPECIFIED) {
        const denial = denialOf(r);
        const rooms = this.#projection().rooms;
        refused.push({ opIdHex: id, what: describeOp(p.op, rooms), why: refusalText(r.code, denial, this.#rooms), code: r.code, denial });
      }
    }
    if (done.size > 0) {
      this.#pending = this.#pending.filter((p) => !done.has(p.opIdHex));
      this.#proj = null;
      for (const id of done) void this.#deps.cache.remove(id);
    }
    if (refused.length > 0) this.#refuse(...refused);
    else if (done.size > 0) this.#update({});
    if (retry && this.#retryTimer === null) {
      this.#retryTimer = (this.#deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms)))(() => {
        this.#retryTimer = null;
        this.#flush();
      }, RETRY_MS);
    }
  }

  async #history(msg: OpHistory): Promise<void> {
    if (msg.code === ErrorCode.SLOW_DOWN) {
      // Back-pressure: keep what is shown; "older" asks again.
      const prev = this.#view.history;
      this.#update({ history: { entries: prev?.entries ?? [], more: true, loading: false, forbidden: false } });
      return;
    }
    if (msg.code !== ErrorCode.UNSPECIFIED) {
      this.#update({ history: { entries: [], more: false, loading: false, forbidden: true } });
      return;
    }
    const fresh = msg.entries.map((e) => {
      const d = e.op ? decodeOpBody(e.op.body) : null;
      return {
        entry: {
          seq: Number(e.serverSeq),
          appliedAtMs: Number(e.appliedAtMs),
          authorHex: d?.ok ? opHex(d.value.author) : '',
          what: d?.ok ? describeOp(d.value, this.#server) : 'Unreadable entry',
          verified: d?.ok ? null : false,
        } as HistoryEntryView,
        check: d?.ok && e.op ? () => this.#deps.verify(d.value.author, e.op!.body, e.op!.signature) : null,
      };
    });
    const known = (this.#view.history?.entries ?? []).filter((e) => !fresh.some((f) => f.entry.seq === e.seq));
    let entries = [...known, ...fresh.map((f) => f.entry)].sort((a, b) => b.seq - a.seq);
    this.#update({ history: { entries, more: msg.more, loading: false, forbidden: false } });
    const verdicts = await Promise.all(fresh.map((f) => (f.check ? f.check().catch(() => false) : Promise.resolve(false))));
    const bySeq = new Map(fresh.map((f, i) => [f.entry.seq, verdicts[i]!]));
    entries = (this.#view.history?.entries ?? entries).map((e) => (bySeq.has(e.seq) ? { ...e, verified: bySeq.get(e.seq)! } : e));
    this.#update({ history: { ...(this.#view.history ?? { more: msg.more, loading: false, forbidden: false }), entries } });
  }

  #refuse(...changes: RefusedChange[]): void {
    this.#update({ refused: [...this.#view.refused, ...changes].slice(-MAX_REFUSED) });
  }

  #projection(): Projection {
    const actor = { keyHex: opHex(this.#deps.signer.publicKey), role: this.#meta?.role ?? 'guest' } as const;
    return (this.#proj ??= project(this.#server, this.#pending.map((p) => ({ id: p.opIdHex, intent: p.op })), actor));
  }

  #scheduleSave(): void {
    if (this.#saveTimer !== null) return;
    this.#saveTimer = (this.#deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms)))(() => {
      this.#saveTimer = null;
      this.#saveNow();
    }, SAVE_MS);
  }

  /** Writes the replica and its epoch to the cache now (a pending debounced save is dropped: this covers it). */
  #saveNow(): void {
    if (this.#saveTimer !== null) {
      (this.#deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.#saveTimer);
      this.#saveTimer = null;
    }
    const meta = this.#meta;
    if (meta) void this.#deps.cache.saveDoc(Y.encodeStateAsUpdate(this.#tree.doc), { ...meta, treeEpoch: this.#tree.epoch });
  }

  /** Recomputes the rooms from server state and pending ops, then publishes. */
  #update(patch: Partial<TreeView>): void {
    const p = this.#projection();
    this.#rooms = [...p.rooms.values()].map((r) => toRoomView(r, p.pendingRooms.has(r.id)));
    this.#view = { ...this.#view, ...patch, pendingCount: this.#pending.length };
    this.#deps.onChange(this.#view, this.#rooms);
  }
}

