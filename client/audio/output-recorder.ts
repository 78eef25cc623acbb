/**
 * Recording tap: copies the exact samples of a stream of render quanta into
 * buffers while recordings are requested, noting the audio-clock time of the
 * first sample. The playback side taps its output with it
 * (`AudioEngine.recordOutput()`), the capture side its input; tests and the
 * voice benchmark use both.
 */

/** A finished recording. */
export interface Recording {
  readonly id: number;
  readonly samples: Float32Array;
  /** Audio-clock time of the first sample, ms (as passed to `capture`). */
  readonly startMs: number;
}

interface Pending {
  readonly id: number;
  readonly samples: Float32Array;
  filled: number;
  startMs: number;
}

/** Records output quanta into any number of concurrent fixed-length buffers. */
export class OutputRecorder {
  #pending: Pending[] = [];

  /** Whether any recording is in progress (lets the caller skip the tap). */
  get active(): boolean {
    return this.#pending.length > 0;
  }

  /** Starts recording `sampleCount` samples from the next quantum on. */
  request(id: number, sampleCount: number): void {
    this.#pending.push({ id, samples: new Float32Array(Math.max(0, Math.floor(sampleCount))), filled: 0, startMs: 0 });
  }

  /**
   * Copies one quantum into every pending recording; returns those that
   * completed. `nowMs` is the audio-clock time of the quantum's first sample.
   */
  capture(quantum: Float32Array, nowMs = 0): Recording[] {
    const done: Recording[] = [];
    for (const p of this.#pending) {
      if (p.filled === 0) p.startMs = nowMs;
      const take = Math.min(quantum.length, p.samples.length - p.filled);
      p.samples.set(quantum.subarray(0, take), p.filled);
      p.filled += take;
      if (p.filled >= p.samples.length) done.push({ id: p.id, samples: p.samples, startMs: p.startMs });
    }
    if (done.length > 0) this.#pending = this.#pending.filter((p) => p.filled < p.samples.length);
    return done;
  }

  /** Drops every pending recording; returns their ids. */
  cancelAll(): number[] {
    const ids = this.#pending.map((p) => p.id);
    this.#pending = [];
    return ids;
  }
}
