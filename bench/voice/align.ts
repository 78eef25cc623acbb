/**
 * Finding the delay of a degraded copy of a signal, window by window, by
 * normalised cross-correlation (FFT), and aligning the copy to the
 * reference with those delays. The voice path's delay is not constant (the
 * jitter buffer adds or drops a frame now and then), so one global shift
 * would misalign most of a 30 s recording.
 */
import { fft, nextPow2 } from './fft.ts';

/** Delay of one reference window in the degraded signal. */
export interface WindowDelay {
  /** First reference sample of the window. */
  readonly start: number;
  /** `degraded[start + lag]` matches `reference[start]`. */
  readonly lag: number;
  /** Normalised correlation at the peak (1 = identical shape). */
  readonly peak: number;
}

/** Options for {@link windowDelays}. */
export interface WindowDelayOptions {
  readonly windowSamples: number;
  readonly hopSamples: number;
  /** Smallest and largest lag searched, samples (lag = degraded index - reference index). */
  readonly minLag: number;
  readonly maxLag: number;
  /** Windows of the reference quieter than this RMS are skipped (no speech). */
  readonly minRms: number;
  /** Windows whose best normalised correlation is below this are dropped (no reliable match). */
  readonly minPeak: number;
}

/** Delay per window of `reference` where it has signal and a reliable match in `degraded`. */
export function windowDelays(reference: Float32Array, degraded: Float32Array, o: WindowDelayOptions): WindowDelay[] {
  const out: WindowDelay[] = [];
  const W = o.windowSamples;
  const span = o.maxLag - o.minLag + W;
  const n = nextPow2(W + span);
  const rRe = new Float64Array(n);
  const rIm = new Float64Array(n);
  const dRe = new Float64Array(n);
  const dIm = new Float64Array(n);
  const dSq = new Float64Array(span + 1);
  for (let a = 0; a + W <= reference.length; a += o.hopSamples) {
    const d0 = a + o.minLag;
    if (d0 < 0 || d0 + span > degraded.length) continue;
    let rEnergy = 0;
    for (let i = 0; i < W; i++) rEnergy += reference[a + i]! ** 2;
    if (Math.sqrt(rEnergy / W) < o.minRms) continue;
    rRe.fill(0);
    rIm.fill(0);
    dRe.fill(0);
    dIm.fill(0);
    for (let i = 0; i < W; i++) rRe[i] = reference[a + i]!;
    for (let i = 0; i < span; i++) dRe[i] = degraded[d0 + i]!;
    dSq[0] = 0;
    for (let i = 0; i < span; i++) dSq[i + 1] = dSq[i]! + degraded[d0 + i]! ** 2;
    fft(rRe, rIm);
    fft(dRe, dIm);
    for (let k = 0; k < n; k++) {
      // conj(R) * D
      const re = rRe[k]! * dRe[k]! + rIm[k]! * dIm[k]!;
      const im = rRe[k]! * dIm[k]! - rIm[k]! * dRe[k]!;
      dRe[k] = re;
      dIm[k] = im;
    }
    fft(dRe, dIm, true);
    let best = -Infinity;
    let bestK = 0;
    // A degraded window this much quieter than the reference is silence, not a match
    // (and its energy, a difference of two large running sums, is too imprecise to divide by).
    const minEnergy = rEnergy * 1e-4;
    for (let k = 0; k <= o.maxLag - o.minLag; k++) {
      const energy = dSq[k + W]! - dSq[k]!;
      if (energy < minEnergy) continue;
      const c = dRe[k]! / n / Math.sqrt(rEnergy * energy);
      if (c > best) {
        best = c;
        bestK = k;
      }
    }
    if (best >= o.minPeak) out.push({ start: a, lag: o.minLag + bestK, peak: best });
  }
  return out;
}

/**
 * `degraded` re-timed onto `reference`'s timeline: each hop-long block of
 * the reference takes the samples at its window's lag (the nearest window
 * with a match where its own had none). Same length as `reference`.
 */
export function alignByWindows(referenceLength: number, degraded: Float32Array, delays: readonly WindowDelay[], hopSamples: number): Float32Array {
  const out = new Float32Array(referenceLength);
  if (delays.length === 0) return out;
  let j = 0;
  for (let a = 0; a < referenceLength; a += hopSamples) {
    while (j + 1 < delays.length && Math.abs(delays[j + 1]!.start - a) <= Math.abs(delays[j]!.start - a)) j++;
    const lag = delays[j]!.lag;
    for (let i = a; i < Math.min(referenceLength, a + hopSamples); i++) {
      const k = i + lag;
      out[i] = k >= 0 && k < degraded.length ? degraded[k]! : 0;
    }
  }
  return out;
}

/** The `q` quantile (0..1) of `values`, linear between ranks; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
