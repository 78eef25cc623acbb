/**
 * The writer lease: one key in a NATS KV bucket whose time to live is the
 * lease's. A relay takes it with `create` (only when no live entry exists),
 * keeps it by `update` on the revision it holds (compare-and-set: a relay
 * whose lease expired and was taken cannot renew), and gives it up by
 * deleting that revision. The lease only says who should write; the log
 * itself refuses an append from a stale writer (expected last sequence,
 * cluster.ts), so a paused writer that still believes it holds the lease
 * cannot fork the log.
 *
 * A renewal that gets no answer in time (a busy connection carrying large
 * log entries, a loaded machine) does not give the lease up: only NATS
 * refusing the revision (another relay took it) or the lease's whole
 * lifetime passing without a successful renewal does.
 */
import type { KV } from '@nats-io/kv';

const KEY = 'writer';

/** NATS refused the compare-and-set: the key moved on (another relay holds the lease, or it expired). */
function isRevisionRefused(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence|key not found|10071/i.test(error.message);
}

/** See the module comment. */
export class WriterLease {
  readonly #kv: KV;
  readonly #me: Uint8Array;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #revision = 0;
  /** When the lease was last taken or renewed (this relay's clock). */
  #renewedAt = 0;

  constructor(kv: KV, relayId: string, ttlMs: number, now: () => number = Date.now) {
    this.#kv = kv;
    this.#me = new TextEncoder().encode(relayId);
    this.#ttlMs = ttlMs;
    this.#now = now;
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
      const started = this.#now();
      this.#revision = await this.#kv.create(KEY, this.#me);
      this.#renewedAt = started;
      return true;
    } catch {
      return false;
    }
  }

  /** Renews the lease; false (and not held any more) when it was lost. */
  async renew(): Promise<boolean> {
    if (this.#revision === 0) return false;
    const started = this.#now();
    try {
      this.#revision = await this.#kv.update(KEY, this.#me, this.#revision);
      // Counted from the request, not the answer: NATS may have renewed it any time in between.
      this.#renewedAt = started;
      return true;
    } catch (error) {
      // No answer in time: still ours until its lifetime since the last renewal has passed.
      if (!isRevisionRefused(error) && this.#now() - this.#renewedAt < this.#ttlMs) return true;
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
