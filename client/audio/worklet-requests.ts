/**
 * Request/answer bookkeeping over a worklet's MessagePort: each request gets
 * an id, the answer event carries it back. Closing rejects what is pending
 * (the mediasoup Channel idea), so no caller waits forever.
 */

interface Pending {
  readonly resolve: (value: never) => void;
  readonly reject: (error: unknown) => void;
}

/** Pending requests by id. */
export class PendingRequests {
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  /** Allocates an id, calls `send(id)`, and resolves with the value later passed to `settle(id, ...)`. */
  request<T>(send: (id: number) => void): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: never) => void, reject });
      send(id);
    });
  }

  /** Resolves request `id` (ignored if unknown). */
  settle(id: number, value: unknown): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    p.resolve(value as never);
  }

  /** Rejects request `id` (ignored if unknown). */
  fail(id: number, error: unknown): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    p.reject(error);
  }

  /** Rejects every pending request. */
  failAll(error: () => unknown): void {
    for (const id of [...this.#pending.keys()]) this.fail(id, error());
  }
}
