/**
 * Receiver-side packet loss of one sender, RTCP-receiver-report style:
 * over each reporting interval, `expected` is how far the highest sequence
 * number advanced and `received` how many packets came; the difference is
 * what the network lost. A DTX pause advances neither (the sender does not
 * count unsent frames in `seq`), so silence never reads as loss. Late
 * packets count as received: this measures the path, not the jitter buffer.
 */
import { SerialUnwrapper } from './serial-number.ts';

/** One interval's result. */
export interface LossSample {
  /** Packets the sender sent in the interval (highest seq advance). */
  readonly expected: number;
  /** Packets that arrived (duplicates included, so loss can read as 0 but never negative). */
  readonly received: number;
  /** Lost fraction, 0..1. */
  readonly fraction: number;
}

/** Per-sender loss counter. */
export class LossMeter {
  readonly #unwrap = new SerialUnwrapper();
  #highest = Number.NEGATIVE_INFINITY;
  #reportedHighest = Number.NEGATIVE_INFINITY;
  #received = 0;

  /** Notes one arrived packet by its u32 `seq`. */
  onPacket(seq: number): void {
    const ext = this.#unwrap.unwrap(seq);
    if (this.#highest === Number.NEGATIVE_INFINITY) {
      // The first packet opens the first interval just before it.
      this.#reportedHighest = ext - 1;
    }
    if (ext > this.#highest) this.#highest = ext;
    this.#received++;
  }

  /** Result since the previous take, then starts a new interval. */
  take(): LossSample {
    if (this.#highest === Number.NEGATIVE_INFINITY) return { expected: 0, received: 0, fraction: 0 };
    const expected = Math.max(0, this.#highest - this.#reportedHighest);
    const received = this.#received;
    this.#reportedHighest = this.#highest;
    this.#received = 0;
    const fraction = expected > 0 ? Math.max(0, expected - received) / expected : 0;
    return { expected, received, fraction };
  }
}
