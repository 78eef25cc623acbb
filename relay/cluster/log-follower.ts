/**
 * Reads the shared log in order from where this relay's store ends and hands
 * each entry to the tree. The position lives in the relay's own LevelDB
 * (`cluster:log-seq`, written in the same batch as the entry's effects), not
 * in a server-side durable consumer: the store and its position can then
 * never disagree after a crash. An ordered consumer (recreated by the client
 * at the right sequence after a NATS restart) delivers from there; if the
 * relay's position and the delivered sequence ever part (a reload after a
 * failed local write), the follower starts over from the store's position.
 */
import { DeliverPolicy } from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamClient } from '@nats-io/jetstream';
import type { LogBatch } from '../tree/replication.ts';
import { decodeLogBatch } from './codec.ts';

/** What the follower drives. */
export interface LogTarget {
  /** The last entry the relay holds. */
  readonly logSeq: number;
  /** Applies entry `seq` (skipped when already held); resolves once durable here. */
  applyLog(seq: number, entry: LogBatch): Promise<void>;
}

const EMPTY: LogBatch = { ops: [], update: null, snapshot: null };

/** See the module comment. */
export class LogFollower {
  readonly #js: JetStreamClient;
  readonly #stream: string;
  readonly #target: LogTarget;
  readonly #onError: (where: string, error: unknown) => void;
  #messages: ConsumerMessages | null = null;
  #stopped = false;
  #run: Promise<void> | null = null;

  constructor(js: JetStreamClient, stream: string, target: LogTarget, onError: (where: string, error: unknown) => void) {
    this.#js = js;
    this.#stream = stream;
    this.#target = target;
    this.#onError = onError;
  }

  /** Starts following (idempotent). */
  start(): void {
    if (this.#run) return;
    this.#run = this.#loop().finally(() => {
      this.#run = null;
    });
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        const consumer = await this.#js.consumers.get(this.#stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.#target.logSeq + 1 });
        const messages = await consumer.consume({ max_messages: 256 });
        this.#messages = messages;
        if (this.#stopped) break;
        for await (const m of messages) {
          if (m.seq <= this.#target.logSeq) continue;
          // A gap: the relay's store is behind what was delivered (see the module comment).
          if (m.seq > this.#target.logSeq + 1) break;
          const decoded = decodeLogBatch(m.data);
          if (!decoded.ok) this.#onError('cluster log entry', new Error(`undecodable log entry ${m.seq}: ${decoded.error.detail}`));
          await this.#target.applyLog(m.seq, decoded.ok ? decoded.value : EMPTY);
        }
        messages.stop();
      } catch (error) {
        if (this.#stopped) break;
        this.#onError('cluster log follower', error);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /**
   * Drops the current consumer and reads on from the store's position with a
   * new one. The cluster calls it when the connection came back or the
   * follower stalled behind the stream: an ordered consumer whose connection
   * was black-holed can stay silent without ever failing.
   */
  restart(): void {
    this.#messages?.stop();
  }

  /** Stops following. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#messages?.stop();
    await this.#run;
  }
}
