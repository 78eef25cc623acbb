/**
 * When a stalled download asks the tracker again for peers (issue 16, D115):
 * at once after an answer that named someone new or after a chunk arrived,
 * otherwise after a back-off of 20 ms doubling to 1 s. Never two asks in
 * flight, never a tight loop: the relay's per-key request budget is shared
 * with signalling, and a refused signal would cost a connection.
 */
import type { SwarmClock } from './swarm-clock.ts';

/** First back-off after a fruitless answer, ms (doubles per fruitless answer). */
export const REASK_FIRST_MS = 20;
/** Longest back-off, ms. */
export const REASK_MAX_MS = 1000;

/** The back-off state of one download's asks. */
export class TrackerAsker {
  readonly #clock: SwarmClock;
  readonly #ask: () => boolean;
  #asking = false;
  /** Answers in a row that named nobody new (or refusals). */
  #fruitless = 0;
  #timer: unknown = null;
  #closed = false;

  /** `ask` sends the request; false when it could not be sent (offline: nothing is awaited). */
  constructor(clock: SwarmClock, ask: () => boolean) {
    this.#clock = clock;
    this.#ask = ask;
  }

  /** Answers in a row that named nobody new. */
  get fruitless(): number {
    return this.#fruitless;
  }

  /** Asks now unless an ask is already out. */
  askNow(): void {
    if (this.#closed || this.#asking) return;
    this.#asking = this.#ask();
  }

  /** Stalled: asks now if the last answer was fruitful, else once the back-off has passed. */
  askWhenDue(): void {
    if (this.#closed || this.#asking || this.#timer !== null) return;
    if (this.#fruitless === 0) return this.askNow();
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = null;
      this.askNow();
    }, Math.min(REASK_MAX_MS, REASK_FIRST_MS * 2 ** (this.#fruitless - 1)));
  }

  /** The tracker answered, naming `fresh` peers we had no link to. */
  answered(fresh: number): void {
    this.#asking = false;
    this.#fruitless = fresh > 0 ? 0 : this.#fruitless + 1;
  }

  /** The tracker refused the ask (e.g. over budget): the next one waits longer. */
  refused(): void {
    this.#asking = false;
    this.#fruitless++;
  }

  /** Progress (a chunk arrived): the next stall asks at once. */
  progressed(): void {
    this.#fruitless = 0;
  }

  /** Back online: nothing is awaited any more. */
  reset(): void {
    this.#asking = false;
    this.#cancel();
  }

  close(): void {
    this.#closed = true;
    this.#cancel();
  }

  #cancel(): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
  }
}
