/**
 * The relay's membership document: session id → room id for everyone
 * connected now, as a Yjs document clients replicate read-only.
 *
 * Why epochs: a Yjs map keeps an item for every key it ever held, so a
 * document that saw a million sessions come and go carries a million
 * deleted entries in memory and in the state every client downloads. The
 * document is not persisted and only the relay writes it, so instead of
 * keeping that history it starts over: when deleted entries outnumber the
 * live ones (by {@link MembersDocOptions.compactAfterDeletes} at least), it
 * rebuilds the document from the live entries under a new epoch and sends
 * subscribers the whole new state. Every sync message carries the epoch; a
 * client whose replica has another epoch drops it before applying (PROTOCOL.md,
 * room tree, "Documents").
 */
import * as Y from 'yjs';
import { encodeFullStep2, encodeUpdate, readMembers, serverHandleSync, writeMember } from '../../crdt/index.ts';
import type { ServerSyncResult } from '../../crdt/index.ts';

/** Tuning of a {@link MembersDoc}. */
export interface MembersDocOptions {
  /** Deleted entries that trigger a new epoch once they also outnumber live ones 4:1 (default 1,024). */
  readonly compactAfterDeletes?: number;
  /** First epoch (default: random); never 0, which clients use for "none yet". */
  readonly epoch?: number;
}

/** What a change means for subscribers. */
export type MembersChange =
  /** Send this Update to every subscriber (same epoch). */
  | { readonly kind: 'update'; readonly data: Uint8Array; readonly epoch: number }
  /** A new epoch began: send this SyncStep2 (the whole document) to every subscriber. */
  | { readonly kind: 'reset'; readonly data: Uint8Array; readonly epoch: number }
  | { readonly kind: 'none' };

const DEFAULT_COMPACT_AFTER = 1_024;
/** Deleted entries must outnumber live ones this many times before a reset is worth its full-state broadcast. */
const DELETED_PER_LIVE = 4;

function nextEpoch(epoch: number): number {
  return epoch >= 0xffff_ffff ? 1 : epoch + 1;
}

/** See the module comment. */
export class MembersDoc {
  readonly #compactAfter: number;
  #doc = new Y.Doc();
  #epoch: number;
  #live = 0;
  #deleted = 0;

  constructor(options: MembersDocOptions = {}) {
    this.#compactAfter = Math.max(1, options.compactAfterDeletes ?? DEFAULT_COMPACT_AFTER);
    this.#epoch = options.epoch ?? 1 + Math.floor(Math.random() * 0xffff_fffe);
  }

  /** The current epoch (tests and the sync reply read it). */
  get epoch(): number {
    return this.#epoch;
  }

  /** The current document (read-only use: tests, readMembers). */
  get doc(): Y.Doc {
    return this.#doc;
  }

  /** Deleted entries the current epoch still carries. */
  get deletedEntries(): number {
    return this.#deleted;
  }

  /** Answers a client's sync message against the current epoch's document. Never throws. */
  reply(data: Uint8Array): ServerSyncResult {
    return serverHandleSync(this.#doc, data);
  }

  /** Puts `sessionId` in `roomId` (null: removes it) and says what subscribers must get. */
  move(sessionId: number, roomId: string | null): MembersChange {
    const map = this.#doc.getMap<unknown>('members');
    const had = map.has(String(sessionId));
    const captured: Uint8Array[] = [];
    const on = (u: Uint8Array): void => void captured.push(u);
    this.#doc.on('update', on);
    writeMember(this.#doc, sessionId, roomId, 'relay');
    this.#doc.off('update', on);
    if (roomId === null && had) {
      this.#live--;
      this.#deleted++;
    } else if (roomId !== null && !had) this.#live++;
    if (this.#deleted >= this.#compactAfter && this.#deleted >= DELETED_PER_LIVE * this.#live) return this.#reset();
    if (captured.length === 0) return { kind: 'none' };
    const update = captured.length === 1 ? captured[0]! : Y.mergeUpdates(captured);
    return { kind: 'update', data: encodeUpdate(update), epoch: this.#epoch };
  }

  #reset(): MembersChange {
    const fresh = new Y.Doc();
    for (const [sessionId, roomId] of readMembers(this.#doc)) writeMember(fresh, sessionId, roomId, 'relay');
    this.#doc.destroy();
    this.#doc = fresh;
    this.#epoch = nextEpoch(this.#epoch);
    this.#deleted = 0;
    return { kind: 'reset', data: encodeFullStep2(fresh), epoch: this.#epoch };
  }
}
