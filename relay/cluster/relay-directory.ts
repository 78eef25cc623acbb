/**
 * The cluster's live relays: each relay puts one key (its relay id) holding
 * its public control-socket URL (empty when it has none) to a NATS KV bucket
 * at start and on a heartbeat, and watches the bucket. The bucket's TTL
 * removes a relay that died; since NATS 2.9 tells watchers nothing of expiry,
 * the heartbeat also drops relays whose keys are gone (as presence-sync.ts).
 *
 * What it knows feeds the relay list clients fail over with
 * (AuthOk.relay_urls, RelayList) and the `parley_cluster_peers` gauge. URLs
 * read from the bucket are checked like any peer input: a bad one is skipped.
 */
import type { KV, KvWatchEntry, Kvm } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import { RELAY_URL } from './options.ts';
import type { ClusterNames, ResolvedClusterOptions } from './options.ts';

/** At most this many URLs go to a client (the client keeps no more either). */
export const MAX_RELAY_URLS = 16;

/** See the module comment. */
export class RelayDirectory {
  readonly #kv: KV;
  readonly #relayId: string;
  readonly #record: Uint8Array;
  /** Relay id → its public URL ('' when not advertised), this relay included. */
  readonly #relays = new Map<string, string>();
  readonly #listeners = new Set<() => void>();
  #watch: QueuedIterator<KvWatchEntry> | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;

  private constructor(kv: KV, options: ResolvedClusterOptions) {
    this.#kv = kv;
    this.#relayId = options.relayId;
    this.#record = new TextEncoder().encode(options.publicUrl ?? '');
    this.#relays.set(options.relayId, options.publicUrl ?? '');
  }

  /** Opens the bucket, announces this relay and starts watching the others. */
  static async start(cluster: { readonly kvm: Kvm; readonly names: ClusterNames; readonly options: ResolvedClusterOptions }): Promise<RelayDirectory> {
    const ttl = Math.max(3_000, cluster.options.leaseTtlMs * 3);
    const kv = await cluster.kvm.create(cluster.names.relaysBucket, { ttl, history: 1, replicas: cluster.options.replicas });
    const dir = new RelayDirectory(kv, cluster.options);
    await kv.put(dir.#relayId, dir.#record);
    dir.#watch = await kv.watch({ key: '>' });
    void dir.#follow(dir.#watch);
    dir.#timer = setInterval(() => void dir.#heartbeat(), Math.floor(ttl / 3));
    return dir;
  }

  /** Live relays this relay knows of, itself included. */
  get peers(): number {
    return this.#relays.size;
  }

  /** The advertised URLs of the live relays, sorted, at most {@link MAX_RELAY_URLS}. */
  urls(): string[] {
    return [...new Set([...this.#relays.values()].filter((u) => u !== ''))].sort().slice(0, MAX_RELAY_URLS);
  }

  /** The public URL of live relay `relayId` ('' when it advertises none, undefined when not live). */
  urlOf(relayId: string): string | undefined {
    return this.#relays.get(relayId);
  }

  /** Calls `listener` whenever {@link urls} may have changed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(relayId: string, url: string | null): void {
    const before = this.#relays.get(relayId);
    if (url === null) this.#relays.delete(relayId);
    else this.#relays.set(relayId, url);
    if (before === (url ?? undefined)) return;
    for (const l of [...this.#listeners]) l();
  }

  async #follow(watch: QueuedIterator<KvWatchEntry>): Promise<void> {
    try {
      for await (const e of watch) {
        if (e.key === this.#relayId) continue;
        if (e.operation !== 'PUT') {
          this.#set(e.key, null);
          continue;
        }
        const url = e.string();
        // A damaged entry still counts as a live relay, but is never sent to clients.
        this.#set(e.key, RELAY_URL.test(url) ? url : '');
      }
    } catch {
      // The watch ended (closing, or the connection is gone for good).
    }
  }

  async #heartbeat(): Promise<void> {
    try {
      await this.#kv.put(this.#relayId, this.#record);
      const live = new Set<string>();
      for await (const k of await this.#kv.keys()) live.add(k);
      for (const id of [...this.#relays.keys()]) if (id !== this.#relayId && !live.has(id)) this.#set(id, null);
    } catch {
      // NATS unreachable: keep what we know until it is back.
    }
  }

  /** Stops announcing and watching; deletes this relay's key so the others drop it at once. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#watch?.stop();
    this.#listeners.clear();
    await this.#kv.delete(this.#relayId).catch(() => {});
  }

  /** As if the process died: stops without deleting the key (it expires). */
  abort(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#watch?.stop();
    this.#listeners.clear();
  }
}
