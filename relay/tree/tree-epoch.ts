/**
 * When the room-tree document starts over, and how.
 *
 * Why: a Yjs map keeps an item for every key it ever held, so every room id
 * ever created costs ~20 bytes in the document, in memory, on disk and in
 * every fresh client's first sync, forever (issue 12, finding 4: 4,000 rooms
 * created and deleted made a 75 KB sync message, past the client's frame
 * limit). The membership document solves the same problem with epochs
 * (members-doc.ts); the tree does the same, persisted: once the tombstoned
 * room keys reach a floor AND outnumber the live rooms
 * ({@link shouldStartTreeEpoch}), the relay rebuilds the document from the
 * live rooms under the next epoch and stores it as the only snapshot (the
 * update records are deleted in the same synced batch). A client whose
 * replica has another epoch drops it and takes the whole new state; its
 * outbox survives, because ops are intents checked against the tree when
 * they arrive, not Yjs updates (PROTOCOL.md, "Documents").
 *
 * The ratio is 1:1 (not the members document's 4:1) because the tree is
 * what every client downloads first: tombstones may at most double the
 * number of keys, and a rebuild, which costs each subscriber one full tree,
 * happens at most once per `floor` deletions.
 */
import * as Y from 'yjs';
import { countRoomTombstones, writeRooms } from '../../crdt/index.ts';
import type { Rooms } from '../../crdt/index.ts';

/** Tombstoned room keys may outnumber live rooms this many times before a new epoch. */
export const TOMBSTONES_PER_LIVE = 1;

/** What the epoch rule looks at. */
export interface TreeKeyCounts {
  /** Live rooms. */
  readonly live: number;
  /** Room keys the document still carries for deleted rooms. */
  readonly tombstoned: number;
}

/** Whether to rebuild the tree document under a new epoch: at least `floor` tombstones, and more than {@link TOMBSTONES_PER_LIVE} per live room. */
export function shouldStartTreeEpoch(counts: TreeKeyCounts, floor: number): boolean {
  return counts.tombstoned >= Math.max(1, floor) && counts.tombstoned > TOMBSTONES_PER_LIVE * counts.live;
}

/** The epoch after `epoch` (32 bits on the wire; never 0, which means "none yet" / "before epochs"). */
export function nextTreeEpoch(epoch: number): number {
  return epoch >= 0xffff_ffff || epoch < 0 ? 1 : epoch + 1;
}

/** A random first epoch for a newly seeded tree (1..2^32-1). */
export function firstTreeEpoch(): number {
  return 1 + Math.floor(Math.random() * 0xffff_fffe);
}

/** The counts of `doc` for `rooms` (its live rooms). */
export function treeKeyCounts(doc: Y.Doc, rooms: Rooms): TreeKeyCounts {
  return { live: rooms.size, tombstoned: countRoomTombstones(doc) };
}

/** A new document holding exactly `rooms`, with no history. */
export function rebuildTreeDoc(rooms: Rooms): Y.Doc {
  const doc = new Y.Doc();
  writeRooms(doc, rooms, rooms.keys(), 'relay');
  return doc;
}

/** Whether a batch that changed `changed` deleted a room and left enough deleted-room keys in `doc` for a new epoch. */
export function treeEpochDue(doc: Y.Doc, rooms: Rooms, changed: ReadonlySet<string>, floor: number): boolean {
  let deleted = false;
  for (const id of changed) if (!rooms.has(id)) deleted = true;
  return deleted && shouldStartTreeEpoch(treeKeyCounts(doc, rooms), floor);
}
