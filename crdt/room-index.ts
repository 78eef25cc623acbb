/**
 * A room map that indexes itself: children by parent and sibling names by
 * their compare form, kept in step by every `set`, `delete` and `clear`.
 * The tree rules (`tree.ts`) use the index when they get one of these, so a
 * rename or create checks its siblings in O(1) instead of scanning every room
 * (the relay validates each op against a tree of thousands of rooms). A plain
 * `Map` still works everywhere; it is just scanned.
 */
import { nameKey } from './names.ts';
import type { RoomRecord } from './room.ts';

const SEP = '\u0000';

/** `Map<roomId, RoomRecord>` plus the indexes; see the module comment. */
export class IndexedRooms extends Map<string, RoomRecord> {
  readonly #children = new Map<string, Set<string>>();
  readonly #names = new Map<string, Set<string>>();

  constructor(entries?: Iterable<readonly [string, RoomRecord]>) {
    // Entries are added after super(): Map's constructor would call `set` before the indexes exist.
    super();
    if (entries) for (const [id, room] of entries) this.set(id, room);
  }

  override set(id: string, room: RoomRecord): this {
    const old = super.get(id);
    if (old) this.#unindex(id, old);
    this.#index(id, room);
    return super.set(id, room);
  }

  override delete(id: string): boolean {
    const old = super.get(id);
    if (old) this.#unindex(id, old);
    return super.delete(id);
  }

  override clear(): void {
    this.#children.clear();
    this.#names.clear();
    super.clear();
  }

  /** Ids of the children of `parentId` (any order; empty set when none). Do not modify. */
  childIds(parentId: string): ReadonlySet<string> {
    return this.#children.get(parentId) ?? EMPTY;
  }

  /** Ids of the children of `parentId` whose name compares equal to `name`. Do not modify. */
  idsNamed(parentId: string, name: string): ReadonlySet<string> {
    return this.#names.get(parentId + SEP + nameKey(name)) ?? EMPTY;
  }

  #index(id: string, room: RoomRecord): void {
    add(this.#children, room.parent, id);
    add(this.#names, room.parent + SEP + nameKey(room.name), id);
  }

  #unindex(id: string, room: RoomRecord): void {
    remove(this.#children, room.parent, id);
    remove(this.#names, room.parent + SEP + nameKey(room.name), id);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function add(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids) ids.add(id);
  else index.set(key, new Set([id]));
}

function remove(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}
