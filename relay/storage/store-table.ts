/**
 * One typed table of the store: records under a key prefix, held in memory
 * (reads are synchronous) and written through the store's ordered write
 * queue. Roles, bans and invites each live in one.
 */

/** How a table reaches the store's write queue. */
export interface TableWriter {
  put(id: string, value: unknown, propagate: boolean): Promise<void>;
  del(id: string, propagate: boolean): Promise<void>;
}

/** Records of one kind, by id. Create with `Store.table`. */
export class StoreTable<T> {
  readonly #rows: Map<string, T>;
  readonly #writer: TableWriter;

  constructor(rows: Map<string, T>, writer: TableWriter) {
    this.#rows = rows;
    this.#writer = writer;
  }

  get(id: string): T | undefined {
    return this.#rows.get(id);
  }

  /** Every record, in key order of loading then insertion. */
  entries(): IterableIterator<[string, T]> {
    return this.#rows.entries();
  }

  get size(): number {
    return this.#rows.size;
  }

  /**
   * Sets a record in memory now. The returned promise resolves when it is
   * on disk and rejects if the write failed; callers that do not await it
   * get failures reported through the store's write-error hook instead.
   */
  set(id: string, value: T, options: { durable?: boolean } = {}): Promise<void> {
    this.#rows.set(id, value);
    return this.#writer.put(id, value, options.durable ?? false);
  }

  /** Deletes a record (same durability rules as {@link set}). */
  delete(id: string, options: { durable?: boolean } = {}): Promise<void> {
    this.#rows.delete(id);
    return this.#writer.del(id, options.durable ?? false);
  }
}
