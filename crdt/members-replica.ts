/**
 * A client's read-only replica of the relay's membership document, with the
 * epoch rule (PROTOCOL.md, room tree section, "Documents"): the relay may start the document
 * over; a message carrying another epoch than the replica's replaces the
 * replica, and the relay makes the first message of every epoch the whole
 * document. Pure: no transport.
 */
import * as Y from 'yjs';
import { readMembers } from './doc.ts';
import { clientHandleSync, encodeStep1 } from './sync.ts';

/** See the module comment. */
export class MembersReplica {
  #doc = new Y.Doc();
  #epoch = 0;

  /** The epoch the replica follows; 0 before the first message. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Forgets everything (a new connection: the relay may have restarted and forgotten its sessions). */
  reset(): void {
    this.#replace(0);
  }

  /** The SyncStep1 to send for this replica. */
  step1(): Uint8Array {
    return encodeStep1(this.#doc);
  }

  /** Applies one relay sync message; returns its y-protocols type, or null for bytes it could not use. */
  apply(epoch: number, data: Uint8Array, origin: unknown): number | null {
    if (epoch !== this.#epoch) this.#replace(epoch);
    return clientHandleSync(this.#doc, data, origin);
  }

  /** Session id → room id. */
  members(): Map<number, string> {
    return readMembers(this.#doc);
  }

  #replace(epoch: number): void {
    this.#doc.destroy();
    this.#doc = new Y.Doc();
    this.#epoch = epoch;
  }
}
