/**
 * Frequency analysis of recorded audio for tests: Goertzel power at a target
 * frequency relative to total power, and RMS.
 */

/** Power of `freqHz` in `x` (Goertzel), normalised by length. */
export function goertzelPower(x: ArrayLike<number>, freqHz: number, sampleRate = 48_000): number {
  const k = (2 * Math.PI * freqHz) / sampleRate;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (x.length * x.length);
}

/** Root mean square. */
export function rms(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
  return x.length ? Math.sqrt(sum / x.length) : 0;
}

/**
 * Fraction of the signal's power that sits at `freqHz` (0..1). For a pure
 * sine of amplitude A the Goertzel power is A²/4 and the mean power A²/2, so
 * a clean tone gives ~0.5; noise or another tone gives ~0.
 */
export function toneDominance(x: ArrayLike<number>, freqHz: number, sampleRate = 48_000): number {
  const total = rms(x) ** 2;
  if (total === 0) return 0;
  return goertzelPower(x, freqHz, sampleRate) / total;
}

/**
 * The median of {@link toneDominance} over consecutive `windowMs` windows
 * (silent windows skipped; 0 when all are silent). A 100 ms window's bin is
 * 10 Hz wide, so a playout clock a little off 48 kHz still counts as the
 * tone, and a few concealed or glitched frames move one window, not the
 * answer: what a listener hears as "the tone" most of the time. A clean tone
 * gives ~0.5.
 */
export function windowedToneDominance(x: ArrayLike<number>, freqHz: number, windowMs = 100, sampleRate = 48_000): number {
  const n = Math.round((windowMs * sampleRate) / 1000);
  const values: number[] = [];
  for (let start = 0; start + n <= x.length; start += n) {
    const w = Array.prototype.slice.call(x, start, start + n) as number[];
    if (rms(w) > 1e-4) values.push(toneDominance(w, freqHz, sampleRate));
  }
  if (values.length === 0) return 0;
  values.sort((p, q) => p - q);
  return values[Math.floor(values.length / 2)]!;
}

/** Strongest frequency between 100 Hz and 4 kHz, in 10 Hz steps (Goertzel). */
export function peakHz(x: ArrayLike<number>, sampleRate = 48_000): number {
  let best = 0;
  let bestPower = -1;
  for (let hz = 100; hz <= 4000; hz += 10) {
    const p = goertzelPower(x, hz, sampleRate);
    if (p > bestPower) [best, bestPower] = [hz, p];
  }
  return best;
}
