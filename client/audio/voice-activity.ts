/**
 * Energy-based activity detection with a hang time: "is this signal voice
 * right now?" for talking indicators and voice activation. Pure; time is
 * counted in samples fed, so it needs no clock.
 *
 * The decision uses the RMS over a short sliding window (so one quiet frame
 * between syllables does not flip it) and stays on for a hang time after the
 * last loud window (so indicators do not flicker between words).
 */
import { SAMPLE_RATE } from './voice-format.ts';

/** Options for {@link ActivityDetector}. */
export interface ActivityDetectorOptions {
  /** RMS above which a window counts as active; default 0.00316 (-50 dBFS). */
  readonly thresholdRms?: number;
  /** Sliding window length, ms; default 100. */
  readonly windowMs?: number;
  /** Stay active this long after the last active window, ms; default 300. */
  readonly hangMs?: number;
}

/** Sliding-window RMS threshold with hang. */
export class ActivityDetector {
  #threshold: number;
  readonly #windowSamples: number;
  #hangSamples: number;
  readonly #blocks: Array<{ sum: number; n: number }> = [];
  #windowSum = 0;
  #windowN = 0;
  #sinceActive = Number.POSITIVE_INFINITY;

  constructor(options: ActivityDetectorOptions = {}) {
    this.#threshold = options.thresholdRms ?? 0.00316;
    this.#windowSamples = ((options.windowMs ?? 100) * SAMPLE_RATE) / 1000;
    this.#hangSamples = ((options.hangMs ?? 300) * SAMPLE_RATE) / 1000;
  }

  /** Changes the threshold (RMS, full scale 1) from the next update on. */
  setThresholdRms(value: number): void {
    this.#threshold = value;
  }

  /** Changes the hang time from the next update on, ms. */
  setHangMs(ms: number): void {
    this.#hangSamples = (ms * SAMPLE_RATE) / 1000;
  }

  /**
   * Feeds one block by its energy (sum of squares) and length in samples;
   * returns whether the signal is active after it.
   */
  update(sumSquares: number, samples: number): boolean {
    this.#blocks.push({ sum: sumSquares, n: samples });
    this.#windowSum += sumSquares;
    this.#windowN += samples;
    while (this.#blocks.length > 1 && this.#windowN - this.#blocks[0]!.n >= this.#windowSamples) {
      const old = this.#blocks.shift()!;
      this.#windowSum -= old.sum;
      this.#windowN -= old.n;
    }
    const windowRms = Math.sqrt(Math.max(0, this.#windowSum) / this.#windowN);
    if (windowRms > this.#threshold) this.#sinceActive = 0;
    else this.#sinceActive += samples;
    return this.active;
  }

  /** Whether the last update left the detector active (including hang). */
  get active(): boolean {
    return this.#sinceActive <= this.#hangSamples;
  }
}

/** Sum of squares of a block, the input of {@link ActivityDetector.update}. */
export function energy(samples: Float32Array, start = 0, end = samples.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) {
    const v = samples[i]!;
    sum += v * v;
  }
  return sum;
}
