/**
 * The relay's op pipeline: one signed op in, one verdict out, in this order
 * (docs/ARCHITECTURE.md, "Room tree"):
 *
 *   size -> parse -> relay key -> acceptable author key -> known key ->
 *   signature (node:crypto) -> repeated op id (earlier verdict) -> sequence
 *   above the device's last -> authorize against the current tree ->
 *   invariants -> apply
 *
 * The signature comes before the repeated-op-id answer: a forged op that
 * reuses a known op id must not be answered with that op's verdict
 * ("applied") as if it were the author's retry.
 *
 * Synchronous and storage-free: it validates and applies to the in-memory
 * tree (`rooms`) and returns the records to persist and the rooms it changed;
 * the tree service turns a whole batch's changes into one document update
 * ({@link OpPipeline.writeDoc}), writes everything in one synced batch and
 * only then acknowledges. Nothing refused touches the document.
 */
import * as Y from 'yjs';
import { applyOp, readRooms, authorize as defaultAuthorize, decodeOpBody, MAX_OP_BODY_BYTES, opHex, peekOpId, SIGNATURE_BYTES, validateOp, writeRooms } from '../../crdt/index.ts';
import type { Actor, Authorize, OpBody, PermissionDenial, RejectCode, Rooms } from '../../crdt/index.ts';
import { isAcceptablePublicKey } from '../../keys/public-key.ts';
import { InlineVerifier } from './signature-pool.ts';
import type { AuditRecord, LoadedTree, Verdict } from './tree-persistence.ts';
import type { FreeVerdicts } from './free-verdicts.ts';
import { sameBytes } from '../../proto/bytes.ts';
import { hiddenRoomNamed } from '../visibility/op-rooms.ts';
import { projectRooms } from '../visibility/visible-set.ts';
import type { Hidden } from '../visibility/visible-set.ts';
import type { LoggedOp } from './replication.ts';
import { aclJson } from '../../perms/index.ts';
import type { RoomAcl } from '../../perms/index.ts';

/** What the pipeline asks of the rest of the relay. */
export interface OpPipelineDeps {
  readonly relayKey: Uint8Array;
  /** The actor behind a key, or null for a key the relay does not know. */
  readonly actorOf: (keyHex: string) => Actor | null;
  /** Members in a room now (user limits). */
  readonly occupancy: (roomId: string) => number;
  readonly now: () => number;
  readonly authorize?: Authorize;
}

/** The outcome of one op. */
export interface OpOutcome {
  /** Hex op id; empty when the body did not parse. */
  readonly opIdHex: string;
  readonly opId: Uint8Array;
  readonly code: RejectCode | null;
  readonly reason: string;
  /** For a refusal by the permission check: the permission, room and deciding rule. */
  readonly denial?: PermissionDenial;
  /** Audit position of an applied op, else 0. */
  readonly seq: number;
  /** The device's sequence number now used up, to persist before answering (null for unattributable refusals and repeats). */
  readonly deviceSeq: number | null;
  /** The author's key (hex) when `deviceSeq` is set. */
  readonly deviceHex: string;
  /** The verdict to persist (for repeats of this op id), with `deviceSeq`. */
  readonly verdict: Verdict | null;
  /** The audit record of an applied op. */
  readonly audit: AuditRecord | null;
  /** Room ids whose records changed or vanished. */
  readonly changed: ReadonlySet<string>;
  /** The parsed op (for member.join side effects), when applied. */
  readonly op: OpBody | null;
  /** What a cluster's shared log records of this outcome (attributable verdicts only), else null. */
  readonly logged: LoggedOp | null;
}

/** A signature verdict computed ahead of the pipeline (signature-pool.ts), for the key it was computed with. */
export interface PreVerified {
  readonly author: Uint8Array;
  readonly ok: boolean;
}

const EMPTY = new Uint8Array(0);
const NOTHING: ReadonlySet<string> = new Set();

function refuse(code: RejectCode, reason: string, opId: Uint8Array = EMPTY): OpOutcome {
  return { opIdHex: opHex(opId), opId, code, reason, seq: 0, deviceSeq: null, deviceHex: '', verdict: null, audit: null, changed: NOTHING, op: null, logged: null };
}

/** The authoritative room tree and the op bookkeeping, in memory. */
export class OpPipeline {
  #doc: Y.Doc;
  readonly rooms: Rooms;
  readonly #deps: OpPipelineDeps;
  readonly #devices: Map<string, number>;
  readonly #verdicts: Map<string, Verdict>;
  /** Verdicts of keys without a role, bounded (free-verdicts.ts); persisted by the tree service. */
  readonly free: FreeVerdicts;
  readonly #inline = new InlineVerifier();
  readonly #authorize: Authorize;
  #nextSeq: number;
  #nextVoiceId: number;

  constructor(loaded: LoadedTree, deps: OpPipelineDeps, free: FreeVerdicts) {
    this.free = free;
    this.#doc = loaded.doc;
    this.rooms = loaded.rooms;
    this.#devices = loaded.devices;
    this.#verdicts = loaded.verdicts;
    this.#nextSeq = loaded.nextSeq;
    this.#deps = deps;
    this.#authorize = deps.authorize ?? defaultAuthorize;
    this.#nextVoiceId = Math.max(0, ...[...loaded.rooms.values()].map((r) => r.voiceId)) + 1;
  }

  /** The authoritative tree document. */
  get doc(): Y.Doc {
    return this.#doc;
  }

  /** Replaces the document by `doc`, which must hold exactly `rooms` (a new epoch, tree-epoch.ts). */
  replaceDoc(doc: Y.Doc): void {
    const old = this.#doc;
    this.#doc = doc;
    old.destroy();
  }

  /** Drops the stored verdict of an op id (past its retention): a retry is then judged by its sequence number. */
  forgetVerdict(opIdHex: string): void {
    this.#verdicts.delete(opIdHex);
  }

  /**
   * Writes the current state of `changed` rooms into the document in one
   * transaction and returns that update (v1), or null if nothing differed.
   * Called once per batch: one Yjs transaction and one update per batch
   * instead of per op (the per-op transactions and merging them cost more
   * than validation), and a room renamed twice in a batch adds one item, not
   * two. Ops validate against `rooms`, never the document, so deferring is
   * invisible to them; the document is only served and broadcast after the
   * batch is durable anyway.
   */
  writeDoc(changed: ReadonlySet<string>): Uint8Array | null {
    if (changed.size === 0) return null;
    let update: Uint8Array | null = null;
    const capture = (u: Uint8Array): void => {
      update = u;
    };
    this.doc.on('update', capture);
    try {
      writeRooms(this.doc, this.rooms, changed, 'relay');
    } finally {
      this.doc.off('update', capture);
    }
    return update;
  }

  /**
   * Runs one signed op through the pipeline. Never throws on bad input.
   * `preVerified` is the signature verdict computed off-thread; it is used,
   * at the signature step, only when it was computed for this op's author.
   * `submitter` is the key of the session that sent the op: a `member.join`
   * moves the session that submits it, so it must be its author's
   * (docs/PROTOCOL.md, "member.join"); someone else's is refused before its
   * sequence number is used, so the author can still submit it.
   * `hidden`: rooms the submitting session may not see; an op naming one is
   * refused as if the room did not exist, before any permission check.
   * `actorOf`: who the author is (the cluster writer judges a forwarded op
   * with the submitting relay's view of its author).
   */
  process(body: Uint8Array, signature: Uint8Array, preVerified?: PreVerified, submitter?: Uint8Array, hidden?: Hidden, actorOf: (keyHex: string) => Actor | null = this.#deps.actorOf): OpOutcome {
    if (body.byteLength > MAX_OP_BODY_BYTES) return refuse('too-large', `op body over ${MAX_OP_BODY_BYTES} bytes`, peekOpId(body));
    const parsed = decodeOpBody(body);
    if (!parsed.ok) return refuse('malformed', parsed.error.detail, peekOpId(body));
    const op = parsed.value;
    const opIdHex = opHex(op.opId);
    if (!sameBytes(op.relayKey, this.#deps.relayKey)) return refuse('wrong-relay', 'op is for another relay', op.opId);
    // A small-order key verifies any signature (keys/public-key.ts); records from before the rule
    // may still know one, so the author is checked here as well as at sign-in.
    if (!isAcceptablePublicKey(op.author)) return refuse('bad-signature', 'author key not acceptable', op.opId);
    const keyHex = opHex(op.author);
    const actor = actorOf(keyHex);
    if (!actor) return refuse('unknown-key', 'author key unknown to this relay', op.opId);
    const signed = preVerified && sameBytes(preVerified.author, op.author) ? preVerified.ok : this.#inline.verify(op.author, body, signature);
    if (signature.byteLength !== SIGNATURE_BYTES || !signed) {
      return refuse('bad-signature', 'signature does not verify', op.opId);
    }
    if (op.kind === 'member.join' && submitter && !sameBytes(submitter, op.author)) {
      return refuse('forbidden', 'member.join must be submitted by its author', op.opId);
    }
    const earlier = this.#verdicts.get(opIdHex) ?? this.free.get(opIdHex);
    if (earlier) {
      return { ...refuse(earlier.code ?? 'internal', earlier.reason, op.opId), code: earlier.code, seq: earlier.seq };
    }
    if (op.seq <= (this.#devices.get(keyHex) ?? 0)) return refuse('replayed', `sequence ${op.seq} is not above the last seen from this device`, op.opId);
    // From here the op is attributable: its sequence number is used up whatever the verdict.
    this.#devices.set(keyHex, op.seq);
    // A key without a role is free to make: its verdicts go to the bounded store, not the 90-day batches.
    const free = actor.role === 'guest';
    // An op naming a room its submitter may not see is judged against the tree that submitter sees,
    // so the answer is the one a room that does not exist gets, whatever it is (no oracle).
    const ctx = { occupancy: this.#deps.occupancy };
    const seen = hidden && hiddenRoomNamed(op, hidden) !== null ? projectRooms(this.rooms, hidden) : this.rooms;
    const rejection = validateOp(seen, actor, op, ctx, this.#authorize) ?? (seen === this.rooms ? null : validateOp(this.rooms, actor, op, ctx, this.#authorize));
    if (rejection) {
      const verdict: Verdict = { code: rejection.code, reason: rejection.reason, seq: 0 };
      if (free) this.free.add(keyHex, op.opId, opIdHex, verdict);
      else this.#verdicts.set(opIdHex, verdict);
      const logged: LoggedOp = { body, signature, code: rejection.code, reason: rejection.reason, seq: 0, atMs: this.#deps.now(), free };
      return { ...refuse(rejection.code, rejection.reason, op.opId), deviceSeq: op.seq, deviceHex: keyHex, verdict: free ? null : verdict, logged, ...(rejection.denial ? { denial: rejection.denial } : {}) };
    }
    // The document is written once per batch (writeDoc), not per op: see writeDoc.
    const changed = applyOp(this.rooms, op, () => this.#nextVoiceId++);
    // A join changes no tree state: it is presence, not history, so it takes no audit position (seq 0).
    const audited = op.kind !== 'member.join';
    const seq = audited ? this.#nextSeq++ : 0;
    const verdict: Verdict = { code: null, reason: '', seq };
    if (free) this.free.add(keyHex, op.opId, opIdHex, verdict);
    else this.#verdicts.set(opIdHex, verdict);
    const audit: AuditRecord | null = audited ? { seq, atMs: this.#deps.now(), body, signature } : null;
    const logged: LoggedOp = { body, signature, code: null, reason: '', seq, atMs: audit?.atMs ?? this.#deps.now(), free };
    return { opIdHex, opId: op.opId, code: null, reason: '', seq, deviceSeq: op.seq, deviceHex: keyHex, verdict: free ? null : verdict, audit, changed, op, logged };
  }

  /**
   * Takes over the bookkeeping of one verdict another relay (the cluster's
   * writer) reached: device sequence, verdict, audit position. The tree
   * itself follows the writer's document ({@link followDoc}), not the op, so
   * every relay holds the very same Yjs document. Null for bytes that do not
   * parse (the writer never logs such).
   */
  applyLogged(entry: LoggedOp): OpOutcome | null {
    const parsed = decodeOpBody(entry.body);
    if (!parsed.ok) return null;
    const op = parsed.value;
    const opIdHex = opHex(op.opId);
    const keyHex = opHex(op.author);
    if (op.seq > (this.#devices.get(keyHex) ?? 0)) this.#devices.set(keyHex, op.seq);
    const verdict: Verdict = { code: entry.code, reason: entry.reason, seq: entry.seq };
    if (entry.free) this.free.add(keyHex, op.opId, opIdHex, verdict);
    else this.#verdicts.set(opIdHex, verdict);
    if (entry.seq >= this.#nextSeq) this.#nextSeq = entry.seq + 1;
    const audit: AuditRecord | null = entry.code === null && entry.seq > 0 ? { seq: entry.seq, atMs: entry.atMs, body: entry.body, signature: entry.signature } : null;
    return { opIdHex, opId: op.opId, code: entry.code, reason: entry.reason, seq: entry.seq, deviceSeq: op.seq, deviceHex: keyHex, verdict: entry.free ? null : verdict, audit, changed: NOTHING, op: entry.code === null ? op : null, logged: null };
  }

  /**
   * Makes the in-memory tree equal to the document (after the writer's update
   * or snapshot was applied to it, or a new document replaced it) and returns
   * the ids of rooms that changed or vanished.
   */
  followDoc(doc: Y.Doc): Set<string> {
    if (doc !== this.#doc) this.replaceDoc(doc);
    const next = readRooms(doc);
    const changed = new Set<string>();
    for (const [id, room] of next) {
      const old = this.rooms.get(id);
      // The ACL too: a follower that missed rule changes would enforce (and show) the old rules.
      if (!old || old.name !== room.name || old.parent !== room.parent || old.position !== room.position || old.description !== room.description || old.userLimit !== room.userLimit || old.voiceId !== room.voiceId || !sameAcl(old.acl, room.acl)) {
        this.rooms.set(id, room);
        changed.add(id);
      }
    }
    for (const id of [...this.rooms.keys()]) {
      if (!next.has(id)) {
        this.rooms.delete(id);
        changed.add(id);
      }
    }
    for (const room of next.values()) if (room.voiceId >= this.#nextVoiceId) this.#nextVoiceId = room.voiceId + 1;
    return changed;
  }
}

/** Whether two ACLs are the same (their canonical JSON). */
function sameAcl(a: RoomAcl, b: RoomAcl): boolean {
  return a === b || JSON.stringify(aclJson(a)) === JSON.stringify(aclJson(b));
}
