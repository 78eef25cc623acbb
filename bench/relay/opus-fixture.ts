/**
 * Real Opus packets for the load: libopus (libopus-wasm) encodes a
 * speech-like signal once with Parley's voice settings, DTX off so every
 * 20 ms has a packet, and the senders replay the list.
 *
 * The signal: a glottal-like pulse train whose pitch glides between 95 and
 * 210 Hz, shaped by three formants that move per "syllable" (4 per second),
 * with a syllable envelope, short pauses and a little breath noise. Its
 * packets are the sizes speech produces (about 60-120 bytes at 32 kbps VBR),
 * which is what matters to the relay.
 */
import { createEncoder } from 'libopus-wasm';
import { VOICE_ENCODER_OPTIONS } from '../../client/audio/opus-config.ts';
import { mulberry32 as rng } from '../../client/session/voice/seeded-random.ts';

const RATE = 48_000;
const FRAME = 960;

/** Formant sets (F1, F2, F3 in Hz) of a few vowels. */
const VOWELS: ReadonlyArray<readonly [number, number, number]> = [
  [730, 1090, 2440],
  [270, 2290, 3010],
  [530, 1840, 2480],
  [570, 840, 2410],
  [300, 870, 2240],
];


/** `seconds` of speech-like mono 48 kHz PCM. */
export function speechLikePcm(seconds: number): Int16Array {
  const n = Math.round(seconds * RATE);
  const out = new Int16Array(n);
  const random = rng(7);
  // Two-pole resonators per formant, re-tuned per syllable.
  const state = [0, 0, 0, 0, 0, 0];
  let phase = 0;
  const syllable = RATE / 4;
  for (let i = 0; i < n; i++) {
    const s = Math.floor(i / syllable);
    const within = (i % syllable) / syllable;
    const vowel = VOWELS[s % VOWELS.length]!;
    const pause = s % 7 === 6;
    const envelope = pause ? 0.02 : Math.sin(Math.PI * within) ** 0.6;
    const pitch = 95 + 115 * (0.5 + 0.5 * Math.sin((2 * Math.PI * i) / (RATE * 1.7)));
    phase += pitch / RATE;
    let excitation = 0;
    if (phase >= 1) {
      phase -= 1;
      excitation = 1;
    }
    excitation += (random() - 0.5) * 0.05;
    let y = 0;
    for (let f = 0; f < 3; f++) {
      const freq = vowel[f]!;
      const r = 0.97;
      const c = 2 * r * Math.cos((2 * Math.PI * freq) / RATE);
      const v = excitation + c * state[2 * f]! - r * r * state[2 * f + 1]!;
      state[2 * f + 1] = state[2 * f]!;
      state[2 * f] = v;
      y += v / (f + 1);
    }
    out[i] = Math.max(-32767, Math.min(32767, Math.round(y * envelope * 900)));
  }
  return out;
}

/** Encodes `seconds` of the speech-like signal into 20 ms Opus packets. */
export async function speechPackets(seconds = 4): Promise<Uint8Array[]> {
  const encoder = await createEncoder({ ...VOICE_ENCODER_OPTIONS, dtx: false });
  try {
    const pcm = speechLikePcm(seconds);
    const packets: Uint8Array[] = [];
    for (let off = 0; off + FRAME <= pcm.length; off += FRAME) packets.push(encoder.encode(pcm.subarray(off, off + FRAME)).slice());
    return packets;
  } finally {
    encoder.free();
  }
}
