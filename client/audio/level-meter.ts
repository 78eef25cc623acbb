/**
 * Signal level on a perceptual (dB) scale, for the input meter and the
 * talking indicator. Pure functions plus a tiny accumulator; no clocks.
 */

/** Default bottom of the level scale, dBFS. Quieter than this reads as 0. */
export const LEVEL_FLOOR_DB = -60;

/** Root mean square of `samples[start..end)`; 0 for an empty range. */
export function rms(samples: Float32Array, start = 0, end = samples.length): number {
  const n = end - start;
  if (n <= 0) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) {
    const v = samples[i]!;
    sum += v * v;
  }
  return Math.sqrt(sum / n);
}

/** RMS (full scale = 1) in dBFS; `-Infinity` for silence. */
export function rmsToDbfs(value: number): number {
  return value > 0 ? 20 * Math.log10(value) : Number.NEGATIVE_INFINITY;
}

/**
 * Maps RMS to a 0..1 meter level, linear in dB: `floorDb` → 0, 0 dBFS → 1.
 * A linear-in-amplitude meter would sit near zero for normal speech
 * (-30..-20 dBFS), which is why meters use dB.
 */
export function levelFromRms(value: number, floorDb = LEVEL_FLOOR_DB): number {
  const db = rmsToDbfs(value);
  if (db <= floorDb) return 0;
  if (db >= 0) return 1;
  return (db - floorDb) / -floorDb;
}

/** Accumulates energy over blocks and yields the RMS of everything since the last take. */
export class LevelMeter {
  #sum = 0;
  #count = 0;

  /** Adds a block of samples. */
  add(samples: Float32Array): void {
    let sum = 0;
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i]!;
      sum += v * v;
    }
    this.#sum += sum;
    this.#count += samples.length;
  }

  /** RMS of all samples added since the previous take (0 if none), then resets. */
  takeRms(): number {
    const value = this.#count === 0 ? 0 : Math.sqrt(this.#sum / this.#count);
    this.#sum = 0;
    this.#count = 0;
    return value;
  }
}
