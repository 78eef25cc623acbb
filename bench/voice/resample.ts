/**
 * Band-limited resampling by a windowed-sinc (Kaiser) interpolator, for the
 * 48 kHz → 10 kHz step of STOI. Slow but exact enough: ~0.01 dB passband
 * ripple, > 80 dB stopband, cutoff at 95 % of the lower Nyquist.
 */

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** Resamples `x` from `fromHz` to `toHz`. */
export function resample(x: Float32Array | Float64Array, fromHz: number, toHz: number): Float64Array {
  const ratio = toHz / fromHz;
  const cutoff = 0.95 * Math.min(1, ratio); // of the input Nyquist
  const halfTaps = Math.ceil(16 / cutoff); // 16 zero crossings each side
  const beta = 8.6;
  const i0beta = besselI0(beta);
  const out = new Float64Array(Math.floor(x.length * ratio));
  for (let n = 0; n < out.length; n++) {
    const t = n / ratio; // position in input samples
    const center = Math.floor(t);
    let acc = 0;
    for (let k = center - halfTaps + 1; k <= center + halfTaps; k++) {
      if (k < 0 || k >= x.length) continue;
      const d = t - k;
      const w = Math.abs(d) >= halfTaps ? 0 : besselI0(beta * Math.sqrt(1 - (d / halfTaps) ** 2)) / i0beta;
      const arg = Math.PI * cutoff * d;
      const sinc = arg === 0 ? 1 : Math.sin(arg) / arg;
      acc += x[k]! * cutoff * sinc * w;
    }
    out[n] = acc;
  }
  return out;
}
