/**
 * Re-blocks the AudioWorklet's 128-sample render quanta into 960-sample
 * (20 ms) Opus frames. 960 is not a multiple of 128, so a frame boundary
 * falls inside every 15th-and-a-half quantum; this handles the split.
 */
import { FRAME_SAMPLES } from './voice-format.ts';

/** Collects samples and hands out full frames. */
export class FrameAccumulator {
  readonly #frame: Float32Array;
  #fill = 0;

  constructor(frameSize = FRAME_SAMPLES) {
    this.#frame = new Float32Array(frameSize);
  }

  /**
   * Appends `count` samples from `samples` (zeros when `samples` is
   * undefined, e.g. no microphone connected) and calls `onFrame` for every
   * completed frame. The frame buffer is reused: copy it if you keep it.
   */
  push(samples: Float32Array | undefined, count: number, onFrame: (frame: Float32Array) => void): void {
    let offset = 0;
    while (offset < count) {
      const take = Math.min(count - offset, this.#frame.length - this.#fill);
      if (samples) this.#frame.set(samples.subarray(offset, offset + take), this.#fill);
      else this.#frame.fill(0, this.#fill, this.#fill + take);
      this.#fill += take;
      offset += take;
      if (this.#fill === this.#frame.length) {
        this.#fill = 0;
        onFrame(this.#frame);
      }
    }
  }
}
