/**
 * One visibility class's tree document: a relay-written Y.Doc holding
 * exactly the rooms the class may see, kept up to date from the same batch
 * changes that write the full document (OpPipeline.writeDoc).
 *
 * Why it cannot leak: the projection is never derived from the full
 * document's bytes (a Yjs update of the full document carries every room's
 * items); it is written record by record from the relay's room map, and a
 * hidden room's id is never passed to it. Yjs keeps a key it ever held, even
 * deleted, so a room that becomes hidden cannot be deleted from a projection
 * in place: the tombstone would still carry its id to every later replica.
 * {@link TreeProjection.canFollow} says so, and the caller then starts a new
 * projection under a new epoch, which replicas take whole (the D85 rule:
 * another epoch drops the replica, keeps the outbox).
 */
import * as Y from 'yjs';
import { encodeUpdate, writeRooms } from '../../crdt/index.ts';
import type { Rooms } from '../../crdt/index.ts';
import type { Hidden } from './visible-set.ts';

/** The keys a tree document ever held, deleted or not (Yjs's key table; see crdt/doc.ts countRoomTombstones). */
function everHeld(doc: Y.Doc): ReadonlyMap<string, unknown> {
  return (doc.getMap('rooms') as unknown as { _map: Map<string, unknown> })._map;
}

/** See the module comment. */
export class TreeProjection {
  readonly doc = new Y.Doc();
  readonly epoch: number;
  #hidden: Hidden;

  /** A projection of `rooms` without `hidden`, under `epoch` (never 0, never the full document's). */
  constructor(rooms: Rooms, hidden: Hidden, epoch: number) {
    this.epoch = epoch;
    this.#hidden = hidden;
    writeRooms(this.doc, rooms, [...rooms.keys()].filter((id) => !hidden.has(id)), 'relay');
  }

  /** The rooms this projection leaves out. */
  get hidden(): Hidden {
    return this.#hidden;
  }

  /** Whether the projection can turn into the class hiding `next` without a new epoch: it never held any of those rooms. */
  canFollow(next: Hidden): boolean {
    const held = everHeld(this.doc);
    for (const id of next) if (held.has(id)) return false;
    return true;
  }

  /**
   * Brings the projection to `rooms` without `next` after a batch that
   * changed `changed` (which must include every room whose record changed or
   * vanished). Only when {@link canFollow}(next). Returns the Update message
   * for subscribers, or null when nothing they see changed.
   */
  follow(rooms: Rooms, changed: ReadonlySet<string>, next: Hidden): Uint8Array | null {
    if (!this.canFollow(next)) throw new RangeError('projection cannot follow: a room it held is now hidden');
    const ids = new Set<string>();
    const held = everHeld(this.doc);
    for (const id of changed) if (!next.has(id) && (rooms.has(id) || held.has(id))) ids.add(id);
    // Rooms the class could not see before and sees now.
    for (const id of this.#hidden) if (!next.has(id) && rooms.has(id)) ids.add(id);
    this.#hidden = next;
    if (ids.size === 0) return null;
    const updates: Uint8Array[] = [];
    const on = (u: Uint8Array): void => void updates.push(u);
    this.doc.on('update', on);
    try {
      writeRooms(this.doc, rooms, ids, 'relay');
    } finally {
      this.doc.off('update', on);
    }
    if (updates.length === 0) return null;
    return encodeUpdate(updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates));
  }

  /** Frees the document. */
  destroy(): void {
    this.doc.destroy();
  }
}
