/**
 * The writer lease: one key in a NATS KV bucket whose time to live is the
 * lease's. A relay takes it with `create` (only when no live entry exists),
 * keeps it by `update` on the revision it holds (compare-and-set: a relay
 * whose lease expired and was taken cannot renew), and gives it up by
 * deleting that revision. The lease only says who should write; the log
 * itself refuses an append from a stale writer (expected last sequence,
 * cluster.ts), so a paused writer that still believes it holds the lease
 * cannot fork the log.
 */
import type { KV } from '@nats-io/kv';

const KEY = 'writer';

/** See the module comment. */
export class WriterLease {
  readonly #kv: KV;
  readonly #me: Uint8Array;
  #revision = 0;

  constructor(kv: KV, relayId: string) {
    this.#kv = kv;
    this.#me = new TextEncoder().encode(relayId);
  }

  /** Whether this relay believes it holds the lease. */
  get held(): boolean {
    return this.#revision > 0;
  }

  /** The relay id holding the lease now, or null. */
  async holder(): Promise<string | null> {
    const e = await this.#kv.get(KEY);
    return e && e.operation === 'PUT' ? e.string() : null;
  }

  /** Takes the lease if nobody holds it; true when taken. */
  async acquire(): Promise<boolean> {
    try {
      this.#revision = await this.#kv.create(KEY, this.#me);
      return true;
    } catch {
      return false;
    }
  }

  /** Renews the lease; false (and not held any more) when it was lost. */
  async renew(): Promise<boolean> {
    if (this.#revision === 0) return false;
    try {
      this.#revision = await this.#kv.update(KEY, this.#me, this.#revision);
      return true;
    } catch {
      this.#revision = 0;
      return false;
    }
  }

  /** Forgets the lease without telling NATS (it expires by itself). */
  drop(): void {
    this.#revision = 0;
  }

  /** Gives the lease up at once, so another relay need not wait for it to expire. */
  async release(): Promise<void> {
    const revision = this.#revision;
    this.#revision = 0;
    if (revision === 0) return;
    await this.#kv.delete(KEY, { previousSeq: revision }).catch(() => {});
  }
}
