/**
 * STOI, short-time objective intelligibility (Taal, Hendriks, Heusdens,
 * Jensen, IEEE TASLP 2011), in TypeScript, following the reference
 * implementation's constants and steps (as in pystoi): 10 kHz, 256-sample
 * Hann frames with 50 % overlap, 512-point FFT, 15 one-third-octave bands
 * from 150 Hz, silent frames (40 dB below the loudest) removed, 30-frame
 * (384 ms) segments, per-band energy normalisation and clipping at
 * β = -15 dB, mean correlation of the band envelopes. Result 0..1; clean
 * speech against itself is 1.
 *
 * Inputs must be time-aligned and equally long; `clean` is the reference.
 */
import { fft } from './fft.ts';
import { resample } from './resample.ts';

const FS = 10_000;
const N_FRAME = 256;
const NFFT = 512;
const NUM_BANDS = 15;
const MIN_FREQ = 150;
const N_SEG = 30;
const BETA = -15;
const DYN_RANGE = 40;
const EPS = 1e-12;

function hann(n: number): Float64Array {
  // np.hanning(n + 2)[1:-1]: no zero end points.
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 1)) / (n + 1));
  return w;
}

const WINDOW = hann(N_FRAME);

/** One-third-octave band edges as FFT bin ranges [lo, hi). */
function bandBins(): Array<[number, number]> {
  const freqs = Array.from({ length: NFFT / 2 + 1 }, (_, i) => (i * FS) / NFFT);
  const nearest = (f: number) => freqs.reduce((best, v, i) => (Math.abs(v - f) < Math.abs(freqs[best]! - f) ? i : best), 0);
  const bands: Array<[number, number]> = [];
  for (let k = 0; k < NUM_BANDS; k++) {
    const cf = MIN_FREQ * 2 ** (k / 3);
    bands.push([nearest(cf * 2 ** (-1 / 6)), nearest(cf * 2 ** (1 / 6))]);
  }
  return bands;
}

const BANDS = bandBins();

/** Drops frames where `x` is more than DYN_RANGE dB below its loudest frame, from both signals (overlap-add). */
function removeSilentFrames(x: Float64Array, y: Float64Array): [Float64Array, Float64Array] {
  const hop = N_FRAME / 2;
  const starts: number[] = [];
  for (let s = 0; s + N_FRAME <= x.length; s += hop) starts.push(s);
  const energy = starts.map((s) => {
    let e = 0;
    for (let i = 0; i < N_FRAME; i++) e += (x[s + i]! * WINDOW[i]!) ** 2;
    return 20 * Math.log10(Math.sqrt(e) + EPS);
  });
  const max = Math.max(...energy);
  const keep = starts.filter((_, i) => energy[i]! > max - DYN_RANGE);
  const len = keep.length === 0 ? 0 : (keep.length - 1) * hop + N_FRAME;
  const xo = new Float64Array(len);
  const yo = new Float64Array(len);
  keep.forEach((s, j) => {
    for (let i = 0; i < N_FRAME; i++) {
      xo[j * hop + i]! += x[s + i]! * WINDOW[i]!;
      yo[j * hop + i]! += y[s + i]! * WINDOW[i]!;
    }
  });
  return [xo, yo];
}

/** Band envelopes: NUM_BANDS rows of per-frame magnitudes. */
function thirdOctave(x: Float64Array): Float64Array[] {
  const hop = N_FRAME / 2;
  const frames: number[] = [];
  for (let s = 0; s + N_FRAME <= x.length; s += hop) frames.push(s);
  const out = Array.from({ length: NUM_BANDS }, () => new Float64Array(frames.length));
  const re = new Float64Array(NFFT);
  const im = new Float64Array(NFFT);
  frames.forEach((s, f) => {
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < N_FRAME; i++) re[i] = x[s + i]! * WINDOW[i]!;
    fft(re, im);
    BANDS.forEach(([lo, hi], b) => {
      let e = 0;
      for (let k = lo; k < hi; k++) e += re[k]! ** 2 + im[k]! ** 2;
      out[b]![f] = Math.sqrt(e);
    });
  });
  return out;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (const a of v) s += a * a;
  return Math.sqrt(s);
}

/** STOI of `degraded` against `clean`, both at `sampleRate` and aligned. */
export function stoi(clean: Float32Array | Float64Array, degraded: Float32Array | Float64Array, sampleRate: number): number {
  if (clean.length !== degraded.length) throw new RangeError(`stoi needs equal lengths [clean:${clean.length}, degraded:${degraded.length}]`);
  const x10 = sampleRate === FS ? Float64Array.from(clean) : resample(clean, sampleRate, FS);
  const y10 = sampleRate === FS ? Float64Array.from(degraded) : resample(degraded, sampleRate, FS);
  const [x, y] = removeSilentFrames(x10, y10);
  const X = thirdOctave(x);
  const Y = thirdOctave(y);
  const frames = X[0]!.length;
  if (frames < N_SEG) throw new RangeError(`stoi needs at least ${N_SEG} speech frames [got:${frames}]`);
  const clip = 10 ** (-BETA / 20);
  let sum = 0;
  let count = 0;
  const xs = new Float64Array(N_SEG);
  const ys = new Float64Array(N_SEG);
  for (let m = N_SEG; m <= frames; m++) {
    for (let b = 0; b < NUM_BANDS; b++) {
      for (let i = 0; i < N_SEG; i++) {
        xs[i] = X[b]![m - N_SEG + i]!;
        ys[i] = Y[b]![m - N_SEG + i]!;
      }
      const alpha = norm(xs) / (norm(ys) + EPS);
      let mx = 0;
      let my = 0;
      for (let i = 0; i < N_SEG; i++) {
        ys[i] = Math.min(ys[i]! * alpha, xs[i]! * (1 + clip));
        mx += xs[i]!;
        my += ys[i]!;
      }
      mx /= N_SEG;
      my /= N_SEG;
      for (let i = 0; i < N_SEG; i++) {
        xs[i] = xs[i]! - mx;
        ys[i] = ys[i]! - my;
      }
      const nx = norm(xs) + EPS;
      const ny = norm(ys) + EPS;
      let dot = 0;
      for (let i = 0; i < N_SEG; i++) dot += (xs[i]! / nx) * (ys[i]! / ny);
      sum += dot;
      count++;
    }
  }
  return sum / count;
}
