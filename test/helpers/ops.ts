/**
 * Signed ops from Node for tests and benchmarks: builds canonical op bodies,
 * signs them with node:crypto, submits them over a real control socket, and
 * keeps a read-only replica of the relay's tree document.
 */
import { randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import * as Y from 'yjs';
import { clientHandleSync, encodeOpBody, encodeStep1, opHex, readRooms, SYNC_STEP2, TREE_DOC } from '../../crdt/index.ts';
import type { OpIntent, RoomRecord, Rooms, SignedOp } from '../../crdt/index.ts';
import { SyncAssembler } from '../../proto/index.ts';
import type { OpResult } from '../../proto/index.ts';
import { rawPublicKeyOf } from './relay-client.ts';
import type { TestClient } from './relay-client.ts';

/** Builds and signs one op. Pass `author` (the raw public key of `key`) when signing many: exporting it costs more than signing. */
export function signOp(key: KeyObject, relayKey: Uint8Array, seq: number, intent: OpIntent, opId: Uint8Array = new Uint8Array(randomBytes(16)), author: Uint8Array = rawPublicKeyOf(key)): SignedOp {
  const body = encodeOpBody({ ...intent, relayKey, opId, author, seq, clientTimeMs: Date.now() } as Parameters<typeof encodeOpBody>[0]);
  return { body, signature: new Uint8Array(sign(null, body, key)) };
}

/** Op id (hex) of a signed op body. */
export function opIdOf(op: SignedOp): string {
  return opHex(op.body.subarray(45, 61));
}

/** A test client that submits signed ops and follows the tree document. */
export class OpClient {
  readonly client: TestClient;
  #doc = new Y.Doc();
  /** The tree epoch the replica follows: a message of another epoch replaces it (PROTOCOL.md, "Documents"). */
  epoch = 0;
  seq = 0;
  /** SyncStep2 messages applied so far (a chunked one counts once, when whole). */
  step2s = 0;
  /** Chunks the assembler refused, by code (a correct relay sends none). */
  readonly chunkErrors: string[] = [];
  readonly #chunks = new SyncAssembler();
  #onStep2: Array<() => void> = [];

  constructor(client: TestClient) {
    this.client = client;
    client.socket.tap((m) => {
      if (m.case !== 'crdtSync' || m.value.doc !== TREE_DOC) return;
      const joined = this.#chunks.push(m.value);
      if (joined.kind === 'rejected') this.chunkErrors.push(joined.code);
      if (joined.kind !== 'whole') return;
      if (m.value.epoch !== this.epoch) {
        this.#doc = new Y.Doc();
        this.epoch = m.value.epoch;
      }
      if (clientHandleSync(this.#doc, joined.data, 'relay') === SYNC_STEP2) {
        this.step2s++;
        for (const f of this.#onStep2.splice(0)) f();
      }
    });
  }

  /** The replica of the relay's tree document. */
  get doc(): Y.Doc {
    return this.#doc;
  }

  /** Signs `intent` with this client's key and the next sequence number. */
  sign(intent: OpIntent, seq = ++this.seq): SignedOp {
    return signOp(this.client.key, this.client.hello.relayPublicKey, seq, intent);
  }

  /** Asks for the tree and resolves once the SyncStep2 arrived. */
  async sync(): Promise<void> {
    const applied = new Promise<void>((resolve) => this.#onStep2.push(resolve));
    this.client.send({ case: 'crdtSync', value: { doc: TREE_DOC, data: encodeStep1(this.doc), epoch: this.epoch } });
    // Consume the chunk that completes the SyncStep2 (the tap above has applied it by then), so timeouts still fail the test.
    await this.client.next('crdtSync', (s) => s.doc === TREE_DOC && (s.parts <= 1 ? s.data[0] === SYNC_STEP2 : s.part === s.parts - 1));
    await applied;
  }

  /** Sends ops in one frame and resolves with one result per op, in order. */
  async submit(ops: readonly SignedOp[], timeoutMs?: number): Promise<OpResult[]> {
    const want = new Set(ops.map(opIdOf));
    const got = new Map<string, OpResult>();
    this.client.send({ case: 'submitOps', value: { ops: [...ops] } });
    while (got.size < want.size) {
      const msg = await this.client.next('opResults', undefined, timeoutMs);
      for (const r of msg.results) if (want.has(opHex(r.opId))) got.set(opHex(r.opId), r);
    }
    return ops.map((op) => got.get(opIdOf(op))!);
  }

  /** Signs and submits one intent. */
  async run(intent: OpIntent): Promise<OpResult> {
    return (await this.submit([this.sign(intent)]))[0]!;
  }

  /** The replica's rooms. */
  rooms(): Rooms {
    return readRooms(this.doc);
  }
}

/** The rooms a client sees: syncs the tree document on `client` and returns its rooms, root first then by id. */
export async function treeRooms(client: TestClient): Promise<RoomRecord[]> {
  const replica = new OpClient(client);
  await replica.sync();
  return [...replica.rooms().values()].sort((a, b) => (a.parent === '' ? -1 : b.parent === '' ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
