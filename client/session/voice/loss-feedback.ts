/**
 * Sender side of loss-following FEC. Every listener reports, every ~2 s, the
 * fraction of our packets it lost (see client/audio/loss-meter.ts and the
 * `ReceiverReport`/`LossReport` messages). The encoder's expected-loss
 * setting follows the worst report of the last 10 s: Opus FEC is one
 * stream for everyone, and the listener on the worst path is the one it
 * must save. A floor keeps some FEC on a clean path (the first losses after
 * a quiet spell are covered before any report arrives); a ceiling stops
 * one terrible path from spending most of the bitrate on redundancy.
 */

/** Options for {@link LossFeedback}. */
export interface LossFeedbackOptions {
  /** Reports older than this are ignored, ms; default 10000. */
  readonly windowMs?: number;
  /** Lowest expected loss, percent; default 5. */
  readonly floorPct?: number;
  /** Highest expected loss, percent; default 30. */
  readonly ceilingPct?: number;
  /** Expected loss with no recent report, percent; default 10. */
  readonly defaultPct?: number;
}

/** Aggregates listeners' loss reports into the encoder's expected-loss percent. */
export class LossFeedback {
  readonly #reports = new Map<number, { fraction: number; atMs: number }>();
  readonly #windowMs: number;
  readonly #floor: number;
  readonly #ceiling: number;
  readonly #default: number;

  constructor(options: LossFeedbackOptions = {}) {
    this.#windowMs = options.windowMs ?? 10_000;
    this.#floor = options.floorPct ?? 5;
    this.#ceiling = options.ceilingPct ?? 30;
    this.#default = options.defaultPct ?? 10;
  }

  /** Notes that listener `from` lost `fraction` (0..1) of our packets. */
  report(from: number, fraction: number, nowMs: number): void {
    if (!Number.isFinite(fraction)) return;
    this.#reports.set(from, { fraction: Math.min(1, Math.max(0, fraction)), atMs: nowMs });
  }

  /** Forgets a listener (left the room). */
  forget(from: number): void {
    this.#reports.delete(from);
  }

  /** Forgets everyone (we moved rooms or reconnected). */
  clear(): void {
    this.#reports.clear();
  }

  /** Expected loss for the encoder now, whole percent. */
  expectedLossPct(nowMs: number): number {
    let worst = -1;
    for (const [from, r] of this.#reports) {
      if (nowMs - r.atMs > this.#windowMs) this.#reports.delete(from);
      else worst = Math.max(worst, r.fraction);
    }
    if (worst < 0) return this.#default;
    // Round to per mille first so 0.07 is 7 %, not 8 % after floating-point error.
    return Math.min(this.#ceiling, Math.max(this.#floor, Math.ceil(Math.round(worst * 1000) / 10)));
  }
}
