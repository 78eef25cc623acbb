/**
 * The benchmark's speech: Harvard sentences (IEEE 1969, public domain)
 * spoken by espeak-ng, resampled to 48 kHz mono 16-bit by sox, levelled,
 * and repeated to the wanted length. Generated at run time, so nothing
 * large is committed; the same espeak-ng and sox versions give the same
 * file. Requires `espeak-ng` and `sox` (Debian: `apt-get install espeak-ng sox`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SENTENCES = [
  'The birch canoe slid on the smooth planks.',
  'Glue the sheet to the dark blue background.',
  'It is easy to tell the depth of a well.',
  'These days a chicken leg is a rare dish.',
  'Rice is often served in round bowls.',
  'The juice of lemons makes fine punch.',
  'The box was thrown beside the parked truck.',
  'The hogs were fed chopped corn and garbage.',
  'Four hours of steady work faced us.',
  'A large size in stockings is hard to sell.',
];

/** Reads the samples of a 16-bit PCM mono WAV (walks the chunks, so extra chunks are fine). */
export function readWav16(path: string): { samples: Float32Array; sampleRate: number } {
  const buf = readFileSync(path);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let sampleRate = 0;
  for (let off = 12; off + 8 <= buf.length; ) {
    const id = buf.toString('ascii', off, off + 4);
    const size = dv.getUint32(off + 4, true);
    if (id === 'fmt ') sampleRate = dv.getUint32(off + 12, true);
    if (id === 'data') {
      const n = Math.floor(Math.min(size, buf.length - off - 8) / 2);
      const samples = new Float32Array(n);
      for (let i = 0; i < n; i++) samples[i] = dv.getInt16(off + 8 + i * 2, true) / 32768;
      return { samples, sampleRate };
    }
    off += 8 + size + (size & 1);
  }
  throw new Error(`no data chunk in ${path}`);
}

/** Writes `seconds` of speech as a 48 kHz WAV in `dir`; returns the samples and the path. */
export function makeSpeech(dir: string, seconds: number, encodeWav: (s: Float32Array) => Uint8Array): { path: string; samples: Float32Array } {
  const raw = join(dir, 'espeak.wav');
  const resampled = join(dir, 'speech48k.wav');
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '165', '-g', '6', '-w', raw, SENTENCES.join(' ')]);
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', resampled, 'gain', '-n', '-3']);
  const one = readWav16(resampled).samples;
  const gap = new Float32Array(48_000 * 0.4);
  const total = Math.round(seconds * 48_000);
  const out = new Float32Array(total);
  let at = 0;
  while (at < total) {
    out.set(one.subarray(0, Math.min(one.length, total - at)), at);
    at += one.length + gap.length;
  }
  const path = join(dir, 'speech.wav');
  writeFileSync(path, encodeWav(out));
  return { path, samples: out };
}
