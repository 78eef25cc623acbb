/**
 * Persistent state in LevelDB (classic-level): the relay's identity key, the
 * room list and the users it has seen. The rest of the relay goes through
 * these typed methods and never sees LevelDB.
 *
 * Everything is loaded into memory on open (a self-hosted relay knows
 * hundreds or thousands of users, not millions), so reads are synchronous and
 * the handshake has no await between choosing a room and announcing it.
 * Writes are queued one after another: LevelDB runs puts on a thread pool, and
 * two puts of one key must not land in the wrong order.
 */
import { mkdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { RelayError } from '../errors.ts';
import { StoreTable } from './store-table.ts';
import type { TableWriter } from './store-table.ts';
import { isRecord } from '../../proto/bytes.ts';

/**
 * A room of the flat list relays before the room tree kept under `rooms`. Read
 * once, to seed a fresh tree (`seedRooms`); the live shape is the tree's
 * `RoomRecord` (crdt/room.ts). Kept for that migration and for benchmarks
 * that seed large trees through it.
 */
export interface StoredRoom {
  readonly id: string;
  readonly name: string;
  /** Empty for a top-level room. */
  readonly parentId: string;
  readonly position: number;
  readonly description: string;
  /** 0 = no limit. */
  readonly userLimit: number;
  /** Relay-assigned, >= 1, stamped on forwarded voice. */
  readonly voiceId: number;
}

/** A user the relay has seen, keyed by public key. */
export interface KnownUser {
  /** Lower-case hex of the 32-byte Ed25519 public key. */
  readonly publicKeyHex: string;
  readonly displayName: string;
  readonly lastRoomId: string;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
}

/** Options of {@link Store.readRange} and {@link Store.iterateRange}. */
export interface RangeOptions {
  readonly reverse?: boolean;
  readonly limit?: number;
  /** Only keys below this one. */
  readonly lt?: string;
  /** Values as bytes (records written as Uint8Array), not JSON. */
  readonly binary?: boolean;
}

/**
 * A namespace of byte values inside the store's LevelDB (a sublevel), for a
 * feature that keeps more than fits in memory (chat history). Its writes are
 * the feature's own business; it closes with the store.
 */
export interface ByteLevel {
  get(key: string): Promise<Uint8Array | undefined>;
  batch(ops: ReadonlyArray<{ readonly type: 'put'; readonly key: string; readonly value: Uint8Array } | { readonly type: 'del'; readonly key: string }>): Promise<void>;
  iterator(options: { gte?: string; gt?: string; lt?: string; lte?: string; reverse?: boolean; limit?: number }): AsyncIterable<[string, Uint8Array]>;
}

const KEY_IDENTITY = 'identity';
const KEY_ROOMS = 'rooms';
const USER_PREFIX = 'user:';

interface StoredIdentity {
  /** Base64 PKCS#8 DER of the relay's Ed25519 private key. */
  readonly pkcs8: string;
}


function parseRoom(v: unknown): StoredRoom {
  if (
    !isRecord(v) ||
    typeof v.id !== 'string' ||
    typeof v.name !== 'string' ||
    typeof v.parentId !== 'string' ||
    typeof v.position !== 'number' ||
    typeof v.description !== 'string' ||
    typeof v.userLimit !== 'number' ||
    typeof v.voiceId !== 'number'
  ) {
    throw RelayError.storage('stored room record is invalid');
  }
  const { id, name, parentId, position, description, userLimit, voiceId } = v;
  return { id, name, parentId, position, description, userLimit, voiceId };
}

function parseUser(v: unknown): KnownUser | null {
  if (
    !isRecord(v) ||
    typeof v.publicKeyHex !== 'string' ||
    typeof v.displayName !== 'string' ||
    typeof v.lastRoomId !== 'string' ||
    typeof v.firstSeenMs !== 'number' ||
    typeof v.lastSeenMs !== 'number'
  ) {
    return null;
  }
  const { publicKeyHex, displayName, lastRoomId, firstSeenMs, lastSeenMs } = v;
  return { publicKeyHex, displayName, lastRoomId, firstSeenMs, lastSeenMs };
}

/** classic-level reports a folder another process holds as LEVEL_DATABASE_NOT_OPEN caused by LEVEL_LOCKED. */
function isLockedError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; isRecord(e) && depth < 4; e = e.cause, depth++) {
    if (e.code === 'LEVEL_LOCKED') return true;
  }
  return false;
}

/** Typed access to the relay's LevelDB. Open with {@link Store.open}. */
export class Store {
  readonly #db: ClassicLevel<string, unknown>;
  readonly #users = new Map<string, KnownUser>();
  readonly #onWriteError: (error: unknown) => void;
  #identity: Uint8Array | undefined;
  #rooms: readonly StoredRoom[] | undefined;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(db: ClassicLevel<string, unknown>, onWriteError: (error: unknown) => void) {
    this.#db = db;
    this.#onWriteError = onWriteError;
  }

  /**
   * Opens (creating if needed) the store in `dir` and loads it into memory.
   * `onWriteError` hears about background writes that failed.
   */
  static async open(dir: string, onWriteError: (error: unknown) => void): Promise<Store> {
    let db: ClassicLevel<string, unknown> | undefined;
    try {
      await mkdir(dir, { recursive: true });
      db = new ClassicLevel<string, unknown>(dir, { valueEncoding: 'json' });
      await db.open();
      const store = new Store(db, onWriteError);
      await store.#load();
      return store;
    } catch (error) {
      await db?.close().catch(() => {});
      if (error instanceof RelayError) throw error;
      if (isLockedError(error)) throw RelayError.storage(`data folder is in use by another process [dir:${dir}]`, error, 'locked');
      throw RelayError.storage(`cannot open store [dir:${dir}]`, error);
    }
  }

  async #load(): Promise<void> {
    const identity = await this.#db.get(KEY_IDENTITY);
    if (identity !== undefined) {
      if (!isRecord(identity) || typeof identity.pkcs8 !== 'string') throw RelayError.storage('stored identity is invalid');
      this.#identity = new Uint8Array(Buffer.from(identity.pkcs8, 'base64'));
    }
    const rooms = await this.#db.get(KEY_ROOMS);
    if (rooms !== undefined) {
      if (!Array.isArray(rooms)) throw RelayError.storage('stored room list is invalid');
      this.#rooms = rooms.map(parseRoom);
    }
    // ';' is the character after ':', so this range is exactly the "user:" prefix.
    for await (const [, value] of this.#db.iterator({ gte: USER_PREFIX, lt: 'user;' })) {
      const user = parseUser(value);
      if (user) this.#users.set(user.publicKeyHex, user);
    }
  }

  /** PKCS#8 DER of the relay's private key, if one was saved. */
  identityKey(): Uint8Array | undefined {
    return this.#identity;
  }

  /** Saves the relay's private key (PKCS#8 DER). Resolves when it is on disk. */
  saveIdentityKey(pkcs8: Uint8Array): Promise<void> {
    this.#identity = pkcs8;
    const value: StoredIdentity = { pkcs8: Buffer.from(pkcs8).toString('base64') };
    return this.#write(KEY_IDENTITY, value, true);
  }

  /** The stored room list, or undefined before the first seed. */
  rooms(): readonly StoredRoom[] | undefined {
    return this.#rooms;
  }

  /** Replaces the room list. Resolves when it is on disk. */
  saveRooms(rooms: readonly StoredRoom[]): Promise<void> {
    this.#rooms = rooms;
    return this.#write(KEY_ROOMS, rooms, true);
  }

  /** The user with this key, if seen before. */
  user(publicKeyHex: string): KnownUser | undefined {
    return this.#users.get(publicKeyHex);
  }

  /** Every user seen, in load then first-seen order. */
  users(): IterableIterator<KnownUser> {
    return this.#users.values();
  }

  /** Records `user` (in memory now, on disk in the background). */
  saveUser(user: KnownUser): void {
    this.#users.set(user.publicKeyHex, user);
    void this.#write(USER_PREFIX + user.publicKeyHex, user, false);
  }

  /** The sublevel `name` (keys prefixed `!name!`, so they never meet the keys above). */
  sublevel(name: string): ByteLevel {
    const level = this.#db.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' });
    return {
      get: (key) => level.get(key),
      batch: (ops) => level.batch(ops.map((op) => ({ ...op }))),
      iterator: (options) => level.iterator(options),
    };
  }

  /**
   * Loads the records under `name:` into a typed in-memory table (records
   * `parse` rejects are skipped). One table per name per store.
   */
  async table<T>(name: string, parse: (value: unknown) => T | null): Promise<StoreTable<T>> {
    if (!/^[a-z][a-z-]*$/.test(name)) throw new TypeError(`bad table name [name:${name}]`);
    const prefix = `${name}:`;
    const rows = new Map<string, T>();
    // ';' is the character after ':', so this range is exactly the prefix.
    for await (const [key, value] of this.#db.iterator({ gte: prefix, lt: `${name};` })) {
      const row = parse(value);
      if (row !== null) rows.set(key.slice(prefix.length), row);
    }
    const writer: TableWriter = {
      put: (id, value, propagate) => this.#write(prefix + id, value, propagate),
      del: (id, propagate) => this.#write(prefix + id, undefined, propagate),
    };
    return new StoreTable<T>(rows, writer);
  }

  /**
   * Writes several keys atomically, in the ordered queue; `sync` asks
   * LevelDB to reach the disk before resolving (the op pipeline acknowledges
   * only after that). A value of undefined deletes the key. Rejects with
   * `RelayError('storage')`.
   */
  writeBatch(entries: ReadonlyArray<readonly [key: string, value: unknown]>, sync: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(RelayError.closed('store'));
    // Byte values are stored as they are (no JSON): read them back with `binary: true`.
    const ops = entries.map(([key, value]) =>
      value === undefined
        ? { type: 'del' as const, key }
        : value instanceof Uint8Array
          ? { type: 'put' as const, key, value, valueEncoding: 'view' as const }
          : { type: 'put' as const, key, value },
    );
    const done = this.#tail.then(() => this.#db.batch(ops, { sync }));
    this.#tail = done.catch(() => {});
    return done.catch((error: unknown) => Promise.reject(RelayError.storage(`batch write failed [entries:${entries.length}]`, error)));
  }

  /**
   * Reads the records whose keys start with `prefix`, in key order (or
   * reverse), at most `limit`; keys below `lt` only when given. `binary`
   * returns values as bytes (for records written as Uint8Array).
   */
  async readRange(prefix: string, options: RangeOptions = {}): Promise<Array<[string, unknown]>> {
    const out: Array<[string, unknown]> = [];
    for await (const entry of this.iterateRange(prefix, options)) out.push(entry);
    return out;
  }

  /** Like {@link readRange}, one record at a time (stop early by leaving the loop). */
  iterateRange(prefix: string, options: RangeOptions = {}): AsyncIterable<[string, unknown]> {
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const lt = options.lt !== undefined && options.lt < upper ? options.lt : upper;
    return this.#db.iterator<string, unknown>({
      gte: prefix,
      lt,
      reverse: options.reverse ?? false,
      limit: options.limit ?? -1,
      ...(options.binary ? { valueEncoding: 'view' } : {}),
    });
  }

  /** Resolves when every queued write has finished. */
  flush(): Promise<void> {
    return this.#tail;
  }

  /**
   * Every raw key/value pair of the database (sublevels included), read from
   * one LevelDB snapshot taken when iteration starts: a consistent copy while
   * writes go on (backups). Waits for queued writes first.
   */
  async *rawEntries(): AsyncGenerator<readonly [Uint8Array, Uint8Array]> {
    if (this.#closed) throw RelayError.closed('store');
    await this.#tail;
    for await (const [key, value] of this.#db.iterator({ keyEncoding: 'view', valueEncoding: 'view' })) yield [key as unknown as Uint8Array, value as unknown as Uint8Array];
  }

  /** True from open until `close()` starts and while LevelDB reports itself open (readiness). */
  get isOpen(): boolean {
    return !this.#closed && this.#db.status === 'open';
  }

  /** Finishes queued writes and closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#db.close();
  }

  /** Queues a put (a delete when `value` is undefined). `propagate`: the caller awaits and wants the error; else it goes to onWriteError. */
  #write(key: string, value: unknown, propagate: boolean): Promise<void> {
    if (this.#closed) {
      const error = RelayError.closed('store');
      if (propagate) return Promise.reject(error);
      this.#onWriteError(error);
      return Promise.resolve();
    }
    const done = this.#tail.then(() => (value === undefined ? this.#db.del(key) : this.#db.put(key, value)));
    // The queue itself never rejects, so one failed write does not poison the next.
    this.#tail = done.catch((error: unknown) => {
      if (!propagate) this.#onWriteError(RelayError.storage(`write failed [key:${key}]`, error));
    });
    return propagate ? done.catch((error: unknown) => Promise.reject(RelayError.storage(`write failed [key:${key}]`, error))) : this.#tail;
  }
}
