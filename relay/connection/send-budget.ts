/**
 * The send side of one control socket as numbers: whether it is congested,
 * whether an optional reply still fits, when a client that does not read
 * must be closed (docs/ARCHITECTURE.md "send budget", D83, D102). Pure: the
 * caller passes the socket's unsent bytes and the clock; no sockets here.
 */
import type { Clock, RelayLimits } from '../options.ts';

/** The limits a {@link SendBudget} applies. */
export type SendBudgetLimits = Pick<RelayLimits, 'sendBudgetBytes' | 'sendSoftBytes' | 'sendStallMs' | 'maxRefusedWhileCongested'>;

/** Most bytes `ws` adds to a frame of ours (header of a 64 KiB server frame is 4; 14 covers any). */
const WS_FRAME_OVERHEAD = 14;

/** Congestion state of one control socket. */
export class SendBudget {
  readonly #limits: SendBudgetLimits;
  readonly #clock: Clock;
  /**
   * Clock time since when this socket is congested: its buffer went over the
   * soft mark, or an optional reply was refused because it would have. Cleared
   * only once the buffer drains to half the soft mark (hysteresis: a reader
   * that never reads keeps its buffer just under the mark, refused forever).
   */
  #congestedSince: number | undefined;
  /** Optional requests refused in the current congestion episode. */
  #refused = 0;

  constructor(limits: SendBudgetLimits, clock: Clock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /** Records the socket's unsent bytes (after a send, or when asked); drives the hysteresis. */
  note(buffered: number): void {
    const soft = this.#limits.sendSoftBytes;
    if (buffered > soft) this.#congestedSince ??= this.#clock.now();
    else if (buffered <= soft / 2) {
      this.#congestedSince = undefined;
      this.#refused = 0;
    }
  }

  /** True while congested, given the socket's unsent bytes now. */
  congested(buffered: number): boolean {
    this.note(buffered);
    return this.#congestedSince !== undefined;
  }

  /** True if a frame of `frameBytes` would take the unsent bytes past the hard budget: close, do not queue. */
  overBudget(buffered: number, frameBytes: number): boolean {
    return buffered + frameBytes + WS_FRAME_OVERHEAD > this.#limits.sendBudgetBytes;
  }

  /** Whether an optional reply of up to `bytes` stays under the soft mark; false starts a congestion episode. */
  hasRoomForOptional(buffered: number, bytes: number): boolean {
    if (!this.congested(buffered) && buffered + bytes <= this.#limits.sendSoftBytes) return true;
    this.#congestedSince ??= this.#clock.now();
    return false;
  }

  /**
   * Counts one refused optional request; true when the client should be
   * closed now: it was congested and has been refused
   * `maxRefusedWhileCongested` times in this episode (it keeps asking and
   * does not read; a reading client asks again only when its user does).
   */
  refuse(buffered: number): boolean {
    return this.congested(buffered) && ++this.#refused >= this.#limits.maxRefusedWhileCongested;
  }

  /** True when the socket has been congested for `sendStallMs` without draining to half the soft mark. */
  stalled(buffered: number, now: number): boolean {
    return this.congested(buffered) && this.#congestedSince !== undefined && now - this.#congestedSince >= this.#limits.sendStallMs;
  }
}
