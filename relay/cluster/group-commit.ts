/**
 * Group commit for the state log's writer (decision D136). Requests are
 * judged one at a time, in arrival order, as before; what changes is when
 * their entries reach the log. A judgement that commits an entry is parked
 * there and the next request is judged; when the requests that arrived so
 * far are all judged (in practice: those that queued while the previous
 * append was in flight), the parked entries go out as one frame
 * (state-batch.ts) with one fenced append, are applied, and only then do the
 * parked judgements go on and their requests get answered.
 *
 * "Judged against the state including the earlier requests of the batch"
 * holds because a request joins a batch only when nothing earlier in it can
 * change what its judgement reads: the machine names what a request touches
 * (a chat post its item id, a direct post also its peer's first sign-in, a
 * first sign-in its key), and a request that touches something already in
 * the batch, or whose judgement may read anything (`null`: admin requests,
 * admissions, edits and deletes), has the batch appended first. Those
 * "anything" requests are then judged alone and commit directly.
 */

import { batchFrameBytes, encodeStateBatch } from './state-batch.ts';

/** What group commit drives. */
export interface GroupCommitDeps {
  /** Judges one request; calls {@link GroupCommit.commit} for its change (null, or a rejection: answer CLUSTER_UNAVAILABLE). */
  judge(request: Uint8Array): Promise<Uint8Array | null>;
  /** What the judgement of `request` reads that an earlier request could change; null: anything (judged alone). */
  touches(request: Uint8Array): readonly string[] | null;
  /** Before each batch: the writer has the log to its end (false: answer CLUSTER_UNAVAILABLE). */
  ready(): Promise<boolean>;
  /** Appends one frame (fenced) and applies it here; rejects when refused or NATS is away. */
  append(frame: Uint8Array): Promise<void>;
  /** Largest frame one append may carry (NATS max_payload less room for headers). */
  maxFrameBytes(): number;
  /** Requests taken into one batch at most (bounds what waits on one append; 1: no group commit). */
  readonly maxRequests: number;
}

interface Parked {
  readonly entry: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Batch {
  readonly keys: Set<string>;
  readonly parked: Parked[];
  readonly answers: Array<{ readonly judged: Promise<Uint8Array | null>; readonly done: (reply: Uint8Array | null) => void }>;
}

const newBatch = (): Batch => ({ keys: new Set(), parked: [], answers: [] });

/** See the module comment. */
export class GroupCommit {
  readonly #deps: GroupCommitDeps;
  #queue: Array<{ readonly request: Uint8Array; readonly done: (reply: Uint8Array | null) => void }> = [];
  #draining = false;
  /** The batch the judgement now running parks its entry in; null when it commits directly. */
  #parkIn: Batch | null = null;
  /** Called when the judgement now running has parked its entry. */
  #onParked: (() => void) | null = null;
  /** Judgements under way (commits outside one are a bug). */
  #judging = 0;
  /** Direct commits run one after another (each fenced on the one before). */
  #direct: Promise<unknown> = Promise.resolve();
  /** Appends done and entries in them, for the log's stats and the bench. */
  readonly stats = { appends: 0, entries: 0 };

  constructor(deps: GroupCommitDeps) {
    this.#deps = deps;
  }

  /** Queues `request`; resolves with its reply once its change is durable and applied here (null: CLUSTER_UNAVAILABLE). */
  submit(request: Uint8Array): Promise<Uint8Array | null> {
    return new Promise((done) => {
      this.#queue.push({ request, done });
      if (!this.#draining) void this.#drain();
    });
  }

  /** Inside a judgement only: the entry goes into the batch (or straight to the log when judged alone); resolves once durable and applied. */
  commit(entry: Uint8Array): Promise<void> {
    if (this.#judging === 0) return Promise.reject(new Error('commit outside a judgement'));
    const batch = this.#parkIn;
    const parked = this.#onParked;
    if (batch && parked) {
      this.#parkIn = null;
      this.#onParked = null;
      return new Promise<void>((resolve, reject) => {
        batch.parked.push({ entry, resolve, reject });
        parked();
      });
    }
    const task = this.#direct.then(() => this.#append([entry]));
    this.#direct = task.catch(() => {});
    return task;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const taken = this.#queue.splice(0, this.#deps.maxRequests);
        let batch = newBatch();
        let ready: boolean | null = null;
        for (const t of taken) {
          const keys = this.#deps.touches(t.request);
          if (keys === null || keys.some((k) => batch.keys.has(k))) {
            await this.#flush(batch);
            batch = newBatch();
            ready = null;
          }
          ready ??= await this.#deps.ready();
          if (!ready) {
            t.done(null);
            continue;
          }
          if (keys === null) {
            t.done(await this.#judge(t.request, null));
            continue;
          }
          for (const k of keys) batch.keys.add(k);
          const judged = this.#judge(t.request, batch);
          batch.answers.push({ judged, done: t.done });
          await judged.parkedOrDone;
        }
        await this.#flush(batch);
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Runs one judgement; with `batch`, its commit parks there and `parkedOrDone` settles when it parked or finished. */
  #judge(request: Uint8Array, batch: Batch | null): Promise<Uint8Array | null> & { parkedOrDone: Promise<void> } {
    let parked!: () => void;
    const parkedOrDone = new Promise<void>((resolve) => (parked = resolve));
    this.#parkIn = batch;
    this.#onParked = batch ? parked : null;
    this.#judging++;
    // A judgement that throws (its commit refused) is answered as one that could not judge.
    const judged = this.#deps.judge(request).catch(() => null).finally(() => {
      this.#judging--;
      if (this.#onParked === parked) {
        this.#parkIn = null;
        this.#onParked = null;
      }
      parked();
    });
    return Object.assign(judged, { parkedOrDone });
  }

  /** Appends the batch's entries (split under the frame limit), releases its judgements, answers its requests. */
  async #flush(batch: Batch): Promise<void> {
    let failure: unknown = null;
    for (const chunk of this.#split(batch.parked)) {
      if (failure === null) {
        try {
          await this.#append(chunk.map((p) => p.entry));
        } catch (error) {
          failure = error;
        }
      }
      for (const p of chunk) if (failure === null) p.resolve();
      else p.reject(failure);
    }
    for (const a of batch.answers) a.done(await a.judged);
  }

  async #append(entries: readonly Uint8Array[]): Promise<void> {
    await this.#deps.append(encodeStateBatch(entries));
    this.stats.appends++;
    this.stats.entries += entries.length;
  }

  /** Consecutive runs of entries whose frame fits one append (an entry too large alone goes alone, and is refused by NATS as before). */
  #split(parked: readonly Parked[]): Parked[][] {
    const limit = this.#deps.maxFrameBytes();
    const chunks: Parked[][] = [];
    let chunk: Parked[] = [];
    let bytes = 0;
    for (const p of parked) {
      if (chunk.length > 0 && batchFrameBytes(bytes + p.entry.byteLength, chunk.length + 1) > limit) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(p);
      bytes += p.entry.byteLength;
    }
    if (chunk.length > 0) chunks.push(chunk);
    return chunks;
  }
}
