/**
 * Runs an action at most once per interval, however often it is asked for
 * (issue 16): the first ask after a quiet spell runs at once, asks within the
 * interval are merged into one run at its end. A swarm member uses it for
 * the `have` announcements to its links and to the tracker, so a fast
 * download does not send a bitfield per chunk per link (a 2 GB file has
 * 8192 chunks) nor spend the control socket's frame budget on announces;
 * the client's file link uses it to re-render the page at most every 250 ms
 * during a download (D140).
 *
 * It lives in `proto/`, the one folder both the client glue and `files/` may
 * import (like typed-emitter.ts), so the first page load can carry it without
 * carrying the file-sharing code (test/e2e/first-load.e2e.test.ts).
 */

/** Time and one-shot timers, injected so tests run on a virtual clock. */
export interface FlushClock {
  /** Milliseconds, monotonic enough for spacing runs. */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** One rate-bounded action. */
export class CoalescedFlush {
  readonly #clock: FlushClock;
  readonly #intervalMs: number;
  readonly #run: () => void;
  #last = -Infinity;
  #timer: unknown = null;
  #closed = false;

  /** `run` is called at most once per `intervalMs` (0: every ask runs at once). */
  constructor(clock: FlushClock, intervalMs: number, run: () => void) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#run = run;
  }

  /** Something changed: run now, or once at the end of the current interval. */
  ask(): void {
    if (this.#closed || this.#timer !== null) return;
    const wait = this.#last + this.#intervalMs - this.#clock.now();
    if (wait <= 0) return this.#fire();
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = null;
      this.#fire();
    }, wait);
  }

  /** Runs now (e.g. the download completed), cancelling a pending run. */
  now(): void {
    if (this.#closed) return;
    this.#cancel();
    this.#fire();
  }

  /** No more runs. */
  close(): void {
    this.#closed = true;
    this.#cancel();
  }

  #cancel(): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
  }

  #fire(): void {
    this.#last = this.#clock.now();
    this.#run();
  }
}
