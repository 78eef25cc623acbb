/**
 * Temporary rooms across the relays of a cluster (decision D135). Each relay
 * puts the temporary rooms it made to a NATS KV bucket with **memory
 * storage** (key `<relay id>.<room id>`, the record of temp-codec.ts) when
 * they are made or changed and again on a heartbeat, deletes a key when its
 * room goes, watches the bucket and holds the other relays' rooms in its own
 * registry (TempRoomService.remoteUpsert/remoteRemove). Nothing here reaches
 * a file: not LevelDB, not the tree document, not the audit log, not a
 * JetStream file store.
 *
 * The owner (the relay that made a room) removes it when nobody on any relay
 * is in it (its presence counts the other relays' users). A relay that dies
 * leaves its keys until the bucket's TTL (3 × the lease TTL) ends them;
 * since NATS 2.9 tells watchers nothing of expiry, the heartbeat also drops
 * rooms whose keys are gone, and their people here land in the parent.
 * Edits of another relay's room are judged where received and sent to the
 * owner on `parley.<name>.temp.<owner>` (trusted like the other subjects
 * under `parley.<name>.`).
 */
import { StorageType } from '@nats-io/jetstream';
import type { KV, KvWatchEntry, Kvm } from '@nats-io/kv';
import type { NatsConnection, QueuedIterator, Subscription } from '@nats-io/transport-node';
import type { TempRoom, TempShare } from '../temp-rooms/index.ts';
import type { TempRoomEdit } from '../temp-rooms/temp-room-service.ts';
import { decodeTempEdit, decodeTempRoom, encodeTempEdit, encodeTempRoom } from './temp-codec.ts';
import type { ClusterNames, ResolvedClusterOptions } from './options.ts';

/** What the sync drives: the relay's temporary-room service. */
export interface TempTarget {
  remoteUpsert(room: TempRoom, owner: string): void;
  remoteRemove(roomId: string): void;
  /** Applies an edit of a room made here; false when it is not (any more). */
  applyEdit(edit: TempRoomEdit): boolean;
}

/** The part of the cluster the sync uses. */
export interface TempCluster {
  readonly nc: NatsConnection;
  readonly kvm: Kvm;
  readonly names: ClusterNames;
  readonly options: ResolvedClusterOptions;
}

const OK = new Uint8Array([1]);
const NO = new Uint8Array([0]);

/** See the module comment. {@link TempSync.open}, build the service with it as its `shared`, then {@link TempSync.bind}. */
export class TempSync implements TempShare {
  readonly #cluster: TempCluster;
  readonly #kv: KV;
  readonly #onError: (error: unknown) => void;
  readonly #own = new Map<string, TempRoom>();
  /** Other relays' rooms held here: bucket key → room id. */
  readonly #remote = new Map<string, string>();
  #target: TempTarget | null = null;
  #watch: QueuedIterator<KvWatchEntry> | null = null;
  #sub: Subscription | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;

  private constructor(cluster: TempCluster, kv: KV, onError: (error: unknown) => void) {
    this.#cluster = cluster;
    this.#kv = kv;
    this.#onError = onError;
  }

  /** Opens (or makes) the bucket: memory storage, so no temporary room is ever written to a disk. */
  static async open(cluster: TempCluster, onError: (error: unknown) => void): Promise<TempSync> {
    const ttl = Math.max(3_000, cluster.options.leaseTtlMs * 3);
    const kv = await cluster.kvm.create(cluster.names.tempBucket, { ttl, history: 1, replicas: cluster.options.replicas, storage: StorageType.Memory });
    return new TempSync(cluster, kv, onError);
  }

  /** The bucket's TTL's heartbeat period. */
  get #period(): number {
    return Math.floor(Math.max(3_000, this.#cluster.options.leaseTtlMs * 3) / 3);
  }

  #key(relay: string, roomId: string): string {
    return `${relay}.${roomId}`;
  }

  /** Starts showing the other relays' rooms to `target` and answering edits of this relay's rooms. */
  async bind(target: TempTarget): Promise<void> {
    this.#target = target;
    const { relayId } = this.#cluster.options;
    this.#sub = this.#cluster.nc.subscribe(`${this.#cluster.names.tempSubjectPrefix}.${relayId}`, {
      callback: (error, msg) => {
        if (error) return;
        const edit = decodeTempEdit(msg.data);
        msg.respond(edit.ok && target.applyEdit(edit.value) ? OK : NO);
      },
    });
    this.#watch = await this.#kv.watch({ key: '>' });
    void this.#follow(this.#watch);
    this.#timer = setInterval(() => void this.#heartbeat(), this.#period);
  }

  published(room: TempRoom): void {
    this.#own.set(room.id, room);
    // NATS unreachable: the heartbeat writes it again.
    this.#kv.put(this.#key(this.#cluster.options.relayId, room.id), encodeTempRoom(room)).catch(() => {});
  }

  removed(roomId: string): void {
    this.#own.delete(roomId);
    this.#kv.delete(this.#key(this.#cluster.options.relayId, roomId)).catch(this.#onError);
  }

  async editAt(owner: string, edit: TempRoomEdit): Promise<boolean> {
    try {
      const reply = await this.#cluster.nc.request(`${this.#cluster.names.tempSubjectPrefix}.${owner}`, encodeTempEdit(edit), { timeout: this.#cluster.options.requestTimeoutMs });
      return reply.data.length === 1 && reply.data[0] === 1;
    } catch {
      return false;
    }
  }

  async #follow(watch: QueuedIterator<KvWatchEntry>): Promise<void> {
    try {
      for await (const e of watch) {
        const dot = e.key.indexOf('.');
        const owner = e.key.slice(0, dot);
        if (dot <= 0 || owner === this.#cluster.options.relayId) continue;
        if (e.operation !== 'PUT') {
          this.#drop(e.key);
          continue;
        }
        const decoded = decodeTempRoom(e.value);
        // A record under another room's key is not taken: the key names the room.
        if (!decoded.ok || decoded.value.id !== e.key.slice(dot + 1)) continue;
        this.#remote.set(e.key, decoded.value.id);
        this.#target?.remoteUpsert(decoded.value, owner);
      }
    } catch (error) {
      this.#onError(error);
    }
  }

  #drop(key: string): void {
    const roomId = this.#remote.get(key);
    if (roomId === undefined) return;
    this.#remote.delete(key);
    this.#target?.remoteRemove(roomId);
  }

  async #heartbeat(): Promise<void> {
    for (const room of this.#own.values()) this.published(room);
    try {
      const live = new Set<string>();
      for await (const k of await this.#kv.keys()) live.add(k);
      for (const key of [...this.#remote.keys()]) if (!live.has(key)) this.#drop(key);
    } catch {
      // NATS unreachable: keep what we know until it is back.
    }
  }

  /** Stops; this relay's rooms are deleted from the bucket so the others drop them at once. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#watch?.stop();
    this.#sub?.unsubscribe();
    await Promise.all([...this.#own.keys()].map((id) => this.#kv.delete(this.#key(this.#cluster.options.relayId, id)).catch(() => {})));
  }
}
