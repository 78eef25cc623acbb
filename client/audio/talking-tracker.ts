/**
 * Who is audibly talking, judged from what each sender actually contributed
 * to the output (after jitter buffer, concealment and per-sender gain), not
 * from packets arriving: a sender muted locally, or whose packets are all
 * late, is not "talking". Reports the full state only when it changed, at
 * most once per `reportEverySamples`.
 */
import { ActivityDetector, energy } from './voice-activity.ts';
import type { ActivityDetectorOptions } from './voice-activity.ts';

/** Options for {@link TalkingTracker}. */
export interface TalkingTrackerOptions extends ActivityDetectorOptions {
  /** Minimum samples between two reports; default 2400 (50 ms). */
  readonly reportEverySamples?: number;
}

/** Per-sender activity detectors with change-only, rate-limited reporting. */
export class TalkingTracker {
  readonly #options: ActivityDetectorOptions;
  readonly #reportEvery: number;
  readonly #detectors = new Map<number, ActivityDetector>();
  readonly #reported = new Map<number, boolean>();
  #sinceReport = Number.POSITIVE_INFINITY;

  constructor(options: TalkingTrackerOptions = {}) {
    this.#options = options;
    this.#reportEvery = options.reportEverySamples ?? 2400;
  }

  /** Feeds the frame one sender contributed to the output. */
  update(sender: number, frame: Float32Array): void {
    let d = this.#detectors.get(sender);
    if (!d) {
      d = new ActivityDetector(this.#options);
      this.#detectors.set(sender, d);
    }
    d.update(energy(frame), frame.length);
  }

  /** Forgets a sender; if it was reported talking, the next report says false once. */
  remove(sender: number): void {
    this.#detectors.delete(sender);
  }

  /**
   * Advances time by `samples` of output. Returns the state of every known
   * sender if anything changed since the last report and the rate limit
   * allows, else null.
   */
  tick(samples: number): Map<number, boolean> | null {
    this.#sinceReport += samples;
    if (this.#sinceReport < this.#reportEvery) return null;
    let changed = false;
    for (const [sender, d] of this.#detectors) {
      if ((this.#reported.get(sender) ?? false) !== d.active) changed = true;
    }
    for (const [sender, was] of this.#reported) {
      if (!this.#detectors.has(sender) && was) changed = true;
    }
    if (!changed) return null;
    const report = new Map<number, boolean>();
    for (const [sender, d] of this.#detectors) report.set(sender, d.active);
    for (const [sender, was] of this.#reported) {
      if (!this.#detectors.has(sender) && was) report.set(sender, false);
    }
    this.#reported.clear();
    for (const [sender, d] of this.#detectors) this.#reported.set(sender, d.active);
    this.#sinceReport = 0;
    return report;
  }
}
