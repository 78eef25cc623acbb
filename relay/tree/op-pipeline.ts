/**
 * The relay's op pipeline: one signed op in, one verdict out, in this order
 * (docs/ARCHITECTURE.md, "Room tree"):
 *
 *   size -> parse -> relay key -> known key -> repeated op id (earlier verdict)
 *   -> sequence above the device's last -> signature (node:crypto) ->
 *   authorize against the current tree -> invariants -> apply
 *
 * Synchronous and storage-free: it returns the records to persist and the
 * document update; the tree service writes them in one synced batch and only
 * then acknowledges. Nothing refused touches the document.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import * as Y from 'yjs';
import { applyOp, authorize as defaultAuthorize, decodeOpBody, MAX_OP_BODY_BYTES, OP_DOMAIN, OP_ID_BYTES, opHex, SIGNATURE_BYTES, validateOp, writeRooms } from '../../crdt/index.ts';
import type { Actor, Authorize, OpBody, RejectCode, Rooms } from '../../crdt/index.ts';
import { opEntries } from './tree-persistence.ts';
import type { Entry, LoadedTree, Verdict } from './tree-persistence.ts';

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
  /** Audit position of an applied op, else 0. */
  readonly seq: number;
  /** Records to persist before answering (empty for unattributable refusals and repeats). */
  readonly entries: Entry[];
  /** The document update an applied op made (v1), if it changed the tree. */
  readonly update: Uint8Array | null;
  /** Room ids whose records changed or vanished. */
  readonly changed: ReadonlySet<string>;
  /** The parsed op (for member.join side effects), when applied. */
  readonly op: OpBody | null;
}

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const EMPTY = new Uint8Array(0);
const NOTHING: ReadonlySet<string> = new Set();

function refuse(code: RejectCode, reason: string, opId: Uint8Array = EMPTY, entries: Entry[] = []): OpOutcome {
  return { opIdHex: opHex(opId), opId, code, reason, seq: 0, entries, update: null, changed: NOTHING, op: null };
}

/** The op id of a body that did not parse, when it has one where the layout puts it (so its author can match the refusal). */
export function peekOpId(body: Uint8Array): Uint8Array {
  const start = OP_DOMAIN.byteLength + 32;
  if (body.byteLength < start + OP_ID_BYTES) return EMPTY;
  for (let i = 0; i < OP_DOMAIN.byteLength; i++) if (body[i] !== OP_DOMAIN[i]) return EMPTY;
  return body.slice(start, start + OP_ID_BYTES);
}

/** The authoritative room tree and the op bookkeeping, in memory. */
export class OpPipeline {
  readonly doc: Y.Doc;
  readonly rooms: Rooms;
  readonly #deps: OpPipelineDeps;
  readonly #devices: Map<string, number>;
  readonly #verdicts: Map<string, Verdict>;
  readonly #keys = new Map<string, KeyObject>();
  readonly #authorize: Authorize;
  #nextSeq: number;
  #nextVoiceId: number;

  constructor(loaded: LoadedTree, deps: OpPipelineDeps) {
    this.doc = loaded.doc;
    this.rooms = loaded.rooms;
    this.#devices = loaded.devices;
    this.#verdicts = loaded.verdicts;
    this.#nextSeq = loaded.nextSeq;
    this.#deps = deps;
    this.#authorize = deps.authorize ?? defaultAuthorize;
    this.#nextVoiceId = Math.max(0, ...[...loaded.rooms.values()].map((r) => r.voiceId)) + 1;
  }

  /** Runs one signed op through the pipeline. Never throws on bad input. */
  process(body: Uint8Array, signature: Uint8Array): OpOutcome {
    if (body.byteLength > MAX_OP_BODY_BYTES) return refuse('too-large', `op body over ${MAX_OP_BODY_BYTES} bytes`, peekOpId(body));
    const parsed = decodeOpBody(body);
    if (!parsed.ok) return refuse('malformed', parsed.error.detail, peekOpId(body));
    const op = parsed.value;
    const opIdHex = opHex(op.opId);
    if (!Buffer.from(op.relayKey).equals(Buffer.from(this.#deps.relayKey))) return refuse('wrong-relay', 'op is for another relay', op.opId);
    const keyHex = opHex(op.author);
    const actor = this.#deps.actorOf(keyHex);
    if (!actor) return refuse('unknown-key', 'author key unknown to this relay', op.opId);
    const earlier = this.#verdicts.get(opIdHex);
    if (earlier) {
      return { ...refuse(earlier.code ?? 'internal', earlier.reason, op.opId), code: earlier.code, seq: earlier.seq };
    }
    if (op.seq <= (this.#devices.get(keyHex) ?? 0)) return refuse('replayed', `sequence ${op.seq} is not above the last seen from this device`, op.opId);
    if (signature.byteLength !== SIGNATURE_BYTES || !this.#verify(keyHex, op.author, body, signature)) {
      return refuse('bad-signature', 'signature does not verify', op.opId);
    }
    // From here the op is attributable: its sequence number is used up whatever the verdict.
    this.#devices.set(keyHex, op.seq);
    const rejection = validateOp(this.rooms, actor, op, { occupancy: this.#deps.occupancy }, this.#authorize);
    if (rejection) {
      const verdict: Verdict = { code: rejection.code, reason: rejection.reason, seq: 0 };
      this.#verdicts.set(opIdHex, verdict);
      return refuse(rejection.code, rejection.reason, op.opId, opEntries(keyHex, op.seq, opIdHex, verdict, null));
    }
    const changed = applyOp(this.rooms, op, () => this.#nextVoiceId++);
    let update: Uint8Array | null = null;
    if (changed.size > 0) {
      const capture = (u: Uint8Array): void => {
        update = u;
      };
      this.doc.on('update', capture);
      writeRooms(this.doc, this.rooms, changed, 'relay');
      this.doc.off('update', capture);
    }
    const seq = this.#nextSeq++;
    const verdict: Verdict = { code: null, reason: '', seq };
    this.#verdicts.set(opIdHex, verdict);
    const entries = opEntries(keyHex, op.seq, opIdHex, verdict, { seq, atMs: this.#deps.now(), body, signature });
    return { opIdHex, opId: op.opId, code: null, reason: '', seq, entries, update, changed, op };
  }

  /** node:crypto Ed25519 verify with the raw key wrapped as SPKI (cached per key). */
  #verify(keyHex: string, raw: Uint8Array, body: Uint8Array, signature: Uint8Array): boolean {
    let key = this.#keys.get(keyHex);
    if (!key) {
      try {
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
      } catch {
        return false;
      }
      if (this.#keys.size > 10_000) this.#keys.clear();
      this.#keys.set(keyHex, key);
    }
    try {
      return verify(null, body, key, signature);
    } catch {
      return false;
    }
  }
}
