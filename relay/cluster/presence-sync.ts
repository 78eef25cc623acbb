/**
 * Presence across the relays of a cluster: every relay writes each of its
 * signed-in users to a NATS KV bucket (key `<relay id>.<session id>`, the
 * record of codec.ts) when they change, and again on a heartbeat; it watches
 * the bucket and shows the other relays' users through its roster
 * (roster.remote, the one writer of presence), under session ids of its own
 * in a range local sessions never reach. The bucket's TTL removes the users
 * of a relay that died; since NATS 2.9 tells watchers nothing of expiry, the
 * heartbeat also drops remote users whose keys are gone.
 *
 * A relay that died leaves its keys until they expire, so a user who failed
 * over would show twice meanwhile (decision D122). When a key's new entry
 * appears (from another relay, or a sign-in here), every other entry of that
 * key shown here is probed (remote-moderation.ts): the relay it names is
 * asked whether it still holds that session, and an entry its relay no
 * longer holds, or whose relay is gone from NATS, is dropped at once.
 *
 * After a NATS reconnect (the cluster calls {@link PresenceSync.reconnected})
 * what changed while NATS was away must not wait for the heartbeat: this
 * relay puts its users again at once, deletes its keys of users who left
 * meanwhile, and reads the bucket once (a watch that ended is started
 * again). Its sweep drops nobody for one heartbeat round after a reconnect:
 * the other relays put their users again in that round, and a key that
 * expired during a long outage would otherwise make a user leave and come
 * back.
 */
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import type { Role } from '../../proto/index.ts';
import type { Member } from '../presence/presence.ts';
import type { Roster } from '../presence/roster.ts';
import type { Kvm } from '@nats-io/kv';
import type { ClusterNames, ResolvedClusterOptions } from './options.ts';
import { decodePresence, encodePresence } from './codec.ts';
import type { Origin, Probe } from './remote-moderation.ts';
import { toHex } from '../../proto/bytes.ts';

/** Asks a relay whether it still holds one of its sessions (remote-moderation.ts). */
interface Prober {
  probe(relay: string, sessionId: number, publicKey: Uint8Array): Promise<Probe>;
}

/** Most other entries of one key probed when a new one appears (a key signed in many times cannot make a relay send many requests). */
const MAX_PROBES = 16;

/** First session id given to a user of another relay (local ids count up from 1). */
export const REMOTE_SESSION_BASE = 2 ** 30;

/** See the module comment. */
export class PresenceSync {
  readonly #kv: KV;
  readonly #relayId: string;
  readonly #roster: Roster;
  readonly #local = new Map<number, Member>();
  /** Bucket key → the id this relay shows that user under. */
  readonly #remote = new Map<string, number>();
  /** The id this relay shows a user under → that user's relay (cross-voice.ts asks). */
  readonly #relayOf = new Map<number, string>();
  /** The id this relay shows a user under → where they sit and their key (hex), for remote moderation and the dedupe. */
  readonly #origin = new Map<number, Origin & { readonly key: string; readonly bucketKey: string }>();
  #prober: Prober | null = null;
  #nextRemote = REMOTE_SESSION_BASE;
  #watch: QueuedIterator<KvWatchEntry> | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #onError: (error: unknown) => void;
  readonly #heartbeatMs: number;
  /** The sweep drops no remote user before this (ms, performance.now()): see the module comment. */
  #sweepFrom = 0;
  #closed = false;

  private constructor(kv: KV, relayId: string, roster: Roster, onError: (error: unknown) => void, heartbeatMs: number) {
    this.#kv = kv;
    this.#relayId = relayId;
    this.#roster = roster;
    this.#onError = onError;
    this.#heartbeatMs = heartbeatMs;
  }

  /** Opens the bucket, starts publishing this relay's users and showing the others'. */
  static async start(cluster: { readonly kvm: Kvm; readonly names: ClusterNames; readonly options: ResolvedClusterOptions }, roster: Roster, onError: (error: unknown) => void): Promise<PresenceSync> {
    const ttl = Math.max(3_000, cluster.options.leaseTtlMs * 3);
    const kv = await cluster.kvm.create(cluster.names.presenceBucket, { ttl, history: 1, replicas: cluster.options.replicas });
    const sync = new PresenceSync(kv, cluster.options.relayId, roster, onError, Math.floor(ttl / 3));
    roster.observe((sessionId, member) => sync.#localChanged(sessionId, member));
    await sync.#startWatch();
    sync.#timer = setInterval(() => void sync.#heartbeat(), sync.#heartbeatMs);
    return sync;
  }

  async #startWatch(): Promise<void> {
    const watch = await this.#kv.watch({ key: '>' });
    this.#watch = watch;
    void this.#follow(watch).finally(() => {
      if (this.#watch === watch) this.#watch = null;
    });
  }

  /**
   * NATS is back (see the module comment): puts this relay's users again,
   * deletes its keys of users gone meanwhile, reads the bucket once.
   * Resolves when done (failures are reported, the heartbeat retries).
   */
  async reconnected(): Promise<void> {
    this.#sweepFrom = performance.now() + this.#heartbeatMs;
    try {
      await Promise.all([...this.#local.values()].map((m) => this.#kv.put(this.#key(m.sessionId), this.#record(m))));
      if (!this.#watch && !this.#closed) await this.#startWatch();
      const own = `${this.#relayId}.`;
      for await (const key of await this.#kv.keys()) {
        if (key.startsWith(own)) {
          if (!this.#local.has(Number(key.slice(own.length)))) await this.#kv.delete(key);
          continue;
        }
        const e = await this.#kv.get(key);
        if (e?.operation === 'PUT') this.#show(key, e.value);
      }
    } catch (error) {
      this.#onError(error);
    }
  }

  #key(sessionId: number): string {
    return `${this.#relayId}.${sessionId}`;
  }

  #localChanged(sessionId: number, member: Member | null): void {
    if (member) {
      if (!this.#local.has(sessionId)) this.#dedupe(toHex(member.publicKey), member.publicKey, null);
      this.#local.set(sessionId, member);
      this.#put(member);
    } else {
      this.#local.delete(sessionId);
      this.#kv.delete(this.#key(sessionId)).catch(this.#onError);
    }
  }

  #record(m: Member): Uint8Array {
    return encodePresence({ relay: this.#relayId, sessionId: m.sessionId, publicKey: m.publicKey, displayName: m.displayName, roomId: m.roomId, muted: m.muted, deafened: m.deafened, role: m.role });
  }

  #put(m: Member): void {
    // NATS unreachable: written again on the reconnect and by the heartbeat.
    this.#kv.put(this.#key(m.sessionId), this.#record(m)).catch(() => {});
  }

  async #follow(watch: QueuedIterator<KvWatchEntry>): Promise<void> {
    try {
      for await (const e of watch) {
        if (e.key.startsWith(`${this.#relayId}.`)) continue;
        if (e.operation !== 'PUT') {
          this.#drop(e.key);
          continue;
        }
        this.#show(e.key, e.value);
      }
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Shows (or updates) the remote user of bucket key `bucketKey`. */
  #show(bucketKey: string, value: Uint8Array): void {
    const decoded = decodePresence(value);
    if (!decoded.ok) return;
    const p = decoded.value;
    let id = this.#remote.get(bucketKey);
    if (id === undefined) {
      this.#remote.set(bucketKey, (id = this.#nextRemote++));
      // The key's relay, not the record's: frames are matched by key (shownAs).
      const relay = bucketKey.slice(0, bucketKey.indexOf('.'));
      this.#relayOf.set(id, relay);
      const key = toHex(p.publicKey);
      this.#dedupe(key, p.publicKey, id);
      this.#origin.set(id, { relay, sessionId: p.sessionId, publicKey: p.publicKey, key, bucketKey });
    }
    this.#roster.remote(id, { publicKey: p.publicKey, displayName: p.displayName, roomId: p.roomId, muted: p.muted, deafened: p.deafened, role: p.role as Role });
  }

  #drop(key: string): void {
    const id = this.#remote.get(key);
    if (id === undefined) return;
    this.#remote.delete(key);
    this.#relayOf.delete(id);
    this.#origin.delete(id);
    this.#roster.remote(id, null);
  }

  /** Probes every remote entry of key `keyHex` except `except` (a new entry of that key appeared) and drops those no longer held. */
  #dedupe(keyHex: string, publicKey: Uint8Array, except: number | null): void {
    const prober = this.#prober;
    if (!prober) return;
    let sent = 0;
    for (const [id, o] of this.#origin) {
      if (id === except || o.key !== keyHex) continue;
      if (++sent > MAX_PROBES) break;
      void prober.probe(o.relay, o.sessionId, publicKey).then((verdict) => {
        // Only the entry that was probed: a new entry under the same bucket key has a new id.
        if (verdict === 'gone' && this.#remote.get(o.bucketKey) === id) this.#drop(o.bucketKey);
      });
    }
  }

  /** Turns on the dedupe of a failed-over user's entries, with the probe of remote-moderation.ts. */
  dedupeWith(prober: Prober): void {
    this.#prober = prober;
  }

  /** Where the user this relay shows under `sessionId` sits (undefined for a local user). */
  origin(sessionId: number): Origin | undefined {
    const o = this.#origin.get(sessionId);
    return o && { relay: o.relay, sessionId: o.sessionId, publicKey: o.publicKey };
  }

  /** The relay of the user this relay shows under `sessionId` (undefined for a local user). */
  relayOf(sessionId: number): string | undefined {
    return this.#relayOf.get(sessionId);
  }

  /** The id this relay shows user `sessionId` of relay `relay` under. */
  shownAs(relay: string, sessionId: number): number | undefined {
    return this.#remote.get(`${relay}.${sessionId}`);
  }

  async #heartbeat(): Promise<void> {
    for (const m of this.#local.values()) this.#put(m);
    try {
      const live = new Set<string>();
      for await (const k of await this.#kv.keys()) live.add(k);
      if (performance.now() < this.#sweepFrom) return;
      for (const key of [...this.#remote.keys()]) if (!live.has(key)) this.#drop(key);
    } catch {
      // NATS unreachable: keep showing what we know until it is back.
    }
  }

  /** Stops publishing and watching; this relay's keys are deleted so others drop its users at once. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#watch?.stop();
    await Promise.all([...this.#local.keys()].map((id) => this.#kv.delete(this.#key(id)).catch(() => {})));
  }
}
