/**
 * The NATS KV adapter of room leases (room-placement.ts runs the rule of
 * placement-rule.ts with it): one bucket per cluster name, `parley-<name>-rooms`,
 * whose TTL (the lease TTL) removes the leases of a relay that died. A lease
 * is taken with create() (exactly one relay wins), renewed with update() on
 * its revision (compare-and-set) and released with a delete on its revision.
 * What the watch reads back is decoded by lease-codec.ts; a bad entry is
 * reported and skipped.
 */
import type { KV, KvWatchEntry, Kvm } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import { decodeHolder, encodeHolder, leaseKey, parseLeaseKey } from './lease-codec.ts';
import type { LeaseProblem } from './lease-codec.ts';

/** A room's lease as NATS holds it. */
export interface LeaseEntry {
  readonly holder: string;
  readonly revision: number;
}

/** What room-placement.ts needs of the lease bucket (injected; this module is the NATS one). */
export interface LeaseStore {
  /** The lease of the room with `voiceId`, or null when free. Rejects when NATS does not answer. */
  get(voiceId: number): Promise<LeaseEntry | null>;
  /** Takes a free lease; its revision, or null when another relay holds it. */
  create(voiceId: number, relayId: string): Promise<number | null>;
  /** Renews a held lease; its new revision, or null when it was lost (expired, taken). Rejects when NATS does not answer. */
  renew(voiceId: number, relayId: string, revision: number): Promise<number | null>;
  /** Gives a held lease up (only if still at `revision`). Never rejects. */
  release(voiceId: number, revision: number): Promise<void>;
  /** Calls `onChange` for every lease written (entry) or removed (null) by any relay: those there now, then every change. */
  watch(onChange: (voiceId: number, entry: LeaseEntry | null) => void, onBad: (problem: LeaseProblem) => void): Promise<void>;
  close(): void;
}

/** NATS refused the compare-and-set or the create: the key is someone else's (or moved on). */
function isRefused(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence|key exists|key not found|10071|10164/i.test(error.message);
}

/** The bucket of `names.roomLeaseBucket`, TTL `ttlMs`. */
export async function openRoomLeases(kvm: Kvm, bucket: string, ttlMs: number, replicas: number): Promise<LeaseStore> {
  const kv = await kvm.create(bucket, { ttl: ttlMs, history: 1, replicas });
  return new NatsRoomLeases(kv);
}

class NatsRoomLeases implements LeaseStore {
  readonly #kv: KV;
  #watch: QueuedIterator<KvWatchEntry> | null = null;

  constructor(kv: KV) {
    this.#kv = kv;
  }

  async get(voiceId: number): Promise<LeaseEntry | null> {
    const e = await this.#kv.get(leaseKey(voiceId));
    if (!e || e.operation !== 'PUT') return null;
    const holder = decodeHolder(e.value);
    return holder.ok ? { holder: holder.value, revision: e.revision } : null;
  }

  async create(voiceId: number, relayId: string): Promise<number | null> {
    try {
      return await this.#kv.create(leaseKey(voiceId), encodeHolder(relayId));
    } catch (error) {
      if (isRefused(error)) return null;
      throw error;
    }
  }

  async renew(voiceId: number, relayId: string, revision: number): Promise<number | null> {
    try {
      return await this.#kv.update(leaseKey(voiceId), encodeHolder(relayId), revision);
    } catch (error) {
      if (isRefused(error)) return null;
      throw error;
    }
  }

  async release(voiceId: number, revision: number): Promise<void> {
    await this.#kv.delete(leaseKey(voiceId), { previousSeq: revision }).catch(() => {});
  }

  async watch(onChange: (voiceId: number, entry: LeaseEntry | null) => void, onBad: (problem: LeaseProblem) => void): Promise<void> {
    const watch = await this.#kv.watch({ key: 'room.>' });
    this.#watch = watch;
    void (async () => {
      try {
        for await (const e of watch) {
          const id = parseLeaseKey(e.key);
          if (!id.ok) {
            onBad(id);
            continue;
          }
          if (e.operation !== 'PUT') {
            onChange(id.value, null);
            continue;
          }
          const holder = decodeHolder(e.value);
          if (holder.ok) onChange(id.value, { holder: holder.value, revision: e.revision });
          else onBad(holder);
        }
      } catch {
        // The watch ended (closing, or the connection is gone for good).
      }
    })();
  }

  close(): void {
    this.#watch?.stop();
  }
}
