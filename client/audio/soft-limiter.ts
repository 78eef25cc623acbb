/**
 * Output limiter for the mix: several loud voices summed must come out
 * quieter, not clipped.
 *
 * Two stages. A gain stage looks at the whole 20 ms frame before it is
 * played (the mixer works a frame ahead, so this look-ahead is free), ramps
 * the gain down within the first ~1.3 ms to bring the frame peak under the
 * ceiling, and releases slowly. A soft-knee saturator then catches what the
 * ramp let through, so the output never reaches ±1 and never has the
 * corners of a hard clip.
 */
import { SAMPLE_RATE } from './voice-format.ts';

/** Options for {@link SoftLimiter}. */
export interface SoftLimiterOptions {
  /** Peak the gain stage aims for (linear); default 0.89 (-1 dBFS). */
  readonly ceiling?: number;
  /** Start of the saturator knee (linear, below ceiling); default 0.8. */
  readonly knee?: number;
  /** Gain recovery time constant, ms; default 150. */
  readonly releaseMs?: number;
  /** Samples over which a gain reduction is applied; default 64. */
  readonly attackSamples?: number;
}

/** Soft-knee saturation with asymptote 1: identity below `knee`, tanh above. */
export function softClip(x: number, knee: number): number {
  const a = Math.abs(x);
  if (a <= knee) return x;
  const room = 1 - knee;
  const y = knee + room * Math.tanh((a - knee) / room);
  return x < 0 ? -y : y;
}

/** Frame-based look-ahead limiter with a soft-clip safety stage. */
export class SoftLimiter {
  readonly #ceiling: number;
  readonly #knee: number;
  readonly #releaseMs: number;
  readonly #attack: number;
  #gain = 1;

  constructor(options: SoftLimiterOptions = {}) {
    this.#ceiling = options.ceiling ?? 0.89;
    this.#knee = options.knee ?? 0.8;
    this.#releaseMs = options.releaseMs ?? 150;
    this.#attack = options.attackSamples ?? 64;
  }

  /** Current gain of the gain stage (1 = no reduction). */
  get gain(): number {
    return this.#gain;
  }

  /** Limits one frame in place. */
  process(frame: Float32Array): void {
    const n = frame.length;
    if (n === 0) return;
    let peak = 0;
    for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(frame[i]!));
    const wanted = peak > this.#ceiling ? this.#ceiling / peak : 1;
    const from = this.#gain;
    let to: number;
    let rampLen: number;
    if (wanted < from) {
      to = wanted;
      rampLen = Math.min(this.#attack, n);
    } else {
      const frameMs = (n * 1000) / SAMPLE_RATE;
      to = wanted - (wanted - from) * Math.exp(-frameMs / this.#releaseMs);
      rampLen = n;
    }
    for (let i = 0; i < n; i++) {
      const g = i < rampLen ? from + ((to - from) * (i + 1)) / rampLen : to;
      frame[i] = softClip(frame[i]! * g, this.#knee);
    }
    this.#gain = to;
  }
}
