/**
 * A virtual clock for simulations: time moves only when the test calls
 * `advance`, and timers fire then, in due order (ties in the order they were
 * set). Code under test takes `now`, `setTimer` and `clearTimer` from it, so
 * a seeded run does not depend on how fast the machine is.
 */

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** See the module comment. */
export class VirtualClock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  /** Virtual milliseconds. */
  readonly now = (): number => this.#now;

  /** Calls `fn` once the clock has advanced `ms`; returns a handle for {@link clearTimer}. */
  readonly setTimer = (fn: () => void, ms: number): unknown => {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return timer.id;
  };

  /** Cancels a timer that has not fired. */
  readonly clearTimer = (handle: unknown): void => {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  };

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.length;
  }

  /** When the next timer is due, or null when none is set. */
  get nextDue(): number | null {
    return this.#timers.reduce<number | null>((m, t) => (m === null || t.at < m ? t.at : m), null);
  }

  /** Moves time forward by `ms`, firing every timer due by then (a timer set by a timer fires too if due). */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = due.at;
      due.fn();
    }
    this.#now = until;
  }
}
