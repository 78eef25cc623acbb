/**
 * Tap on the playback output: copies the exact samples handed to the
 * destination into buffers while recordings are requested. Used by
 * `AudioEngine.recordOutput()` for tests and the voice benchmark.
 */

/** A finished recording. */
export interface Recording {
  readonly id: number;
  readonly samples: Float32Array;
}

interface Pending {
  readonly id: number;
  readonly samples: Float32Array;
  filled: number;
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
    this.#pending.push({ id, samples: new Float32Array(Math.max(0, Math.floor(sampleCount))), filled: 0 });
  }

  /** Copies one output quantum into every pending recording; returns those that completed. */
  capture(quantum: Float32Array): Recording[] {
    const done: Recording[] = [];
    for (const p of this.#pending) {
      const take = Math.min(quantum.length, p.samples.length - p.filled);
      p.samples.set(quantum.subarray(0, take), p.filled);
      p.filled += take;
      if (p.filled >= p.samples.length) done.push({ id: p.id, samples: p.samples });
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
