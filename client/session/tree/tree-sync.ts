/**
 * The client's side of syncing the room tree (for room-tree-store.ts): the
 * replica document and the relay's tree epoch it belongs to, and joining
 * chunked sync messages per document (proto/sync-chunks.ts).
 *
 * Tree epochs (PROTOCOL.md, "Documents"): a message of another epoch
 * replaces the replica. The relay starts every epoch with the whole
 * document; should an Update of an unknown epoch come first, the replica
 * asks for the whole document again and stays syncing.
 */
import * as Y from 'yjs';
import { clientHandleSync, encodeStep1, MEMBERS_DOC, SYNC_STEP2, TREE_DOC } from '../../../crdt/index.ts';
import type { MembersReplica } from '../../../crdt/index.ts';
import { SyncAssembler } from '../../../proto/index.ts';
import type { CrdtSync, EnvelopeInit } from '../../../proto/index.ts';

/** Sends a message to the relay while connected (null: not connected). */
export type SendFn = ((msg: EnvelopeInit) => boolean) | null;

/** What applying one tree sync message did. */
export type TreeApplied =
  /** Applied (the y-protocols message type), or null when the message was not understood. */
  | { readonly kind: 'applied'; readonly type: number | null }
  /** An Update of a new epoch came before its document: the replica was emptied and the whole document asked for. */
  | { readonly kind: 'restarted' };

/** See the module comment. */
export class TreeSync {
  #doc = new Y.Doc();
  /** The relay's tree epoch the replica belongs to (0: none known). */
  #epoch = 0;
  readonly #members: MembersReplica;
  /** Chunked sync messages being joined, per document; reset on every connection. */
  readonly #chunks = { [TREE_DOC]: new SyncAssembler(), [MEMBERS_DOC]: new SyncAssembler() };

  /** `members` is asked for its SyncStep1 when a membership chunk is refused. */
  constructor(members: MembersReplica) {
    this.#members = members;
  }

  /** The replica document (replaced on a new epoch: do not keep). */
  get doc(): Y.Doc {
    return this.#doc;
  }

  /** The tree epoch of the replica. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Takes the cached replica and its epoch. */
  load(update: Uint8Array | null | undefined, epoch: number): void {
    if (update) Y.applyUpdate(this.#doc, update, 'cache');
    this.#epoch = epoch;
  }

  /** Forgets the replica (another relay at this address). */
  clear(): void {
    this.#doc = new Y.Doc();
    this.#epoch = 0;
  }

  /** A new connection: partial chunked messages of the old one are dropped. */
  resetChunks(): void {
    this.#chunks[TREE_DOC].reset();
    this.#chunks[MEMBERS_DOC].reset();
  }

  /** Asks the relay for what the replica lacks, in the replica's epoch (another epoch gets the whole document). */
  request(send: SendFn): void {
    send?.({ case: 'crdtSync', value: { doc: TREE_DOC, data: encodeStep1(this.#doc), epoch: this.#epoch } });
  }

  /**
   * One CrdtSync frame through its document's chunk assembler: the whole sync
   * message once complete, else null. A refused chunk drops the partial
   * message; the document is asked for again (SyncStep1), so the replica
   * still catches up.
   */
  join(msg: CrdtSync, send: SendFn): Uint8Array | null {
    if (msg.doc !== TREE_DOC && msg.doc !== MEMBERS_DOC) return null;
    const joined = this.#chunks[msg.doc].push(msg);
    if (joined.kind === 'whole') return joined.data;
    if (joined.kind === 'rejected') {
      console.warn(`dropped sync chunk [doc:${msg.doc}, code:${joined.code}, part:${msg.part}, parts:${msg.parts}]`);
      const data = msg.doc === TREE_DOC ? encodeStep1(this.#doc) : this.#members.step1();
      send?.({ case: 'crdtSync', value: { doc: msg.doc, data } });
    }
    return null;
  }

  /** Applies one whole tree sync message of `epoch` (see the module comment); `origin` marks the Yjs transaction. */
  apply(epoch: number, data: Uint8Array, origin: unknown, send: SendFn): TreeApplied {
    if (epoch !== this.#epoch) {
      this.#doc.destroy();
      this.#doc = new Y.Doc();
      this.#epoch = epoch;
      if (data[0] !== SYNC_STEP2) {
        this.request(send);
        return { kind: 'restarted' };
      }
    }
    return { kind: 'applied', type: clientHandleSync(this.#doc, data, origin) };
  }
}
