/**
 * The real receive chain in Node: libopus-wasm encoder → UplinkFramer →
 * relay framing (forwardVoice) → seeded lossy, jittery network →
 * SenderStream (jitter buffer + libopus-wasm decoder with FEC and PLC).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDecoder, createEncoder } from 'libopus-wasm';
import { decodeDownlink, forwardVoice } from '../../../proto/index.ts';
import { VOICE_DECODER_OPTIONS, VOICE_ENCODER_OPTIONS } from '../../../client/audio/opus-config.ts';
import { SenderStream } from '../../../client/audio/sender-stream.ts';
import type { FrameSource } from '../../../client/audio/sender-stream.ts';
import { UplinkFramer } from '../../../client/audio/uplink-framer.ts';
import { toneDominance } from '../../helpers/tone-analysis.ts';
import { mulberry32 } from './voice-sim.ts';

const FRAMES = 500; // 10 s
const pureTone = (i: number) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 48_000);
// Amplitude and pitch keep moving, so concealment cannot just continue the waveform.
const movingTone = (i: number) =>
  0.3 * (0.6 + 0.4 * Math.sin((2 * Math.PI * 3 * i) / 48_000)) * Math.sin((2 * Math.PI * 440 * i) / 48_000 + 2 * Math.sin((2 * Math.PI * 5 * i) / 48_000));

/** Uplink datagrams for FRAMES frames of `signal`. */
async function encodeUplink(signal: (i: number) => number): Promise<Uint8Array[]> {
  const encoder = await createEncoder(VOICE_ENCODER_OPTIONS);
  const framer = new UplinkFramer({ seq: 0xffffff00, ts: 0xfff00000 });
  framer.setTransmitting(true);
  const out: Uint8Array[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const pcm = Float32Array.from({ length: 960 }, (_, k) => signal(f * 960 + k));
    const d = framer.frame(encoder.encodeFloat(pcm), encoder.getInDtx());
    if (d && d.byteLength > 1) out.push(d);
  }
  encoder.free();
  return out;
}

interface Received {
  readonly frames: Float32Array[];
  readonly sources: FrameSource[];
  readonly stream: SenderStream;
}

/** Sends the uplink through a network with 10 % seeded loss and 0..10 ms jitter, pulling every 20 ms. */
async function receive(uplink: readonly Uint8Array[], options: { fec: boolean; seed: number }): Promise<Received> {
  const rnd = mulberry32(options.seed);
  const stream = new SenderStream(await createDecoder(VOICE_DECODER_OPTIONS), { fec: options.fec });
  const arrivals = uplink
    .map((bytes, i) => ({ bytes: forwardVoice(bytes, 5, 9), at: (i + 1) * 20 + 30 + rnd() * 10, lost: rnd() < 0.1 }))
    .filter((a) => !a.lost)
    .sort((a, b) => a.at - b.at);
  const frames: Float32Array[] = [];
  const sources: FrameSource[] = [];
  let next = 0;
  for (let t = 0; t < FRAMES * 20 + 300; t += 20) {
    while (next < arrivals.length && arrivals[next]!.at <= t) {
      const a = arrivals[next++]!;
      const v = decodeDownlink(a.bytes);
      if (!v.ok) throw new Error(v.error.detail);
      stream.insert(v.value, a.at);
    }
    const frame = new Float32Array(960);
    sources.push(stream.pull(t, frame));
    frames.push(frame);
  }
  return { frames, sources, stream };
}

function concat(frames: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(frames.length * 960);
  frames.forEach((f, i) => out.set(f, i * 960));
  return out;
}

/** Mean SNR (dB) against the lossless decode, over output frames that came from `source`. */
function meanSnr(rx: Received, reference: readonly Float32Array[], source: FrameSource): { count: number; db: number } {
  const first = rx.sources.indexOf('packet');
  let sum = 0;
  let count = 0;
  for (let k = 0; k < reference.length; k++) {
    if (rx.sources[first + k] !== source) continue;
    const ref = reference[k]!;
    const got = rx.frames[first + k]!;
    let signal = 0;
    let noise = 0;
    for (let j = 0; j < 960; j++) {
      signal += ref[j]! ** 2;
      noise += (ref[j]! - got[j]!) ** 2;
    }
    sum += 10 * Math.log10(signal / Math.max(noise, 1e-12));
    count++;
  }
  return { count, db: sum / count };
}

describe('SenderStream with libopus-wasm over a lossy network', () => {
  let pure: Uint8Array[];
  let moving: Uint8Array[];
  beforeAll(async () => {
    pure = await encodeUplink(pureTone);
    moving = await encodeUplink(movingTone);
  });

  it('keeps a 440 Hz tone dominant at 10 % loss, recovering losses with FEC', async () => {
    const rx = await receive(pure, { fec: true, seed: 42 });
    const first = rx.sources.indexOf('packet');
    const played = concat(rx.frames).subarray(first * 960, (first + 400) * 960); // 8 s
    expect(toneDominance(played, 440)).toBeGreaterThan(0.35); // a clean tone gives 0.5
    expect(toneDominance(played, 1000)).toBeLessThan(0.005);
    const s = rx.stream.stats();
    expect(s.fecRecovered).toBeGreaterThan(0);
    expect(s.lost).toBeGreaterThan(FRAMES * 0.06);
    expect(s.lost).toBeLessThan(FRAMES * 0.14);
    expect(s.decodeErrors).toBe(0);
    // No clock mismatch in this network: every frame is one pull, nothing held or skipped.
    expect(s.held + s.dropped).toBe(0);
  });

  it('rebuilds lost frames from FEC much closer to the original than PLC does', async () => {
    const decoder = await createDecoder(VOICE_DECODER_OPTIONS);
    const reference = moving.map((d) => {
      const v = decodeDownlink(forwardVoice(d, 5, 9));
      if (!v.ok) throw new Error(v.error.detail);
      return decoder.decodeFloat(v.value.payload);
    });
    const withFec = await receive(moving, { fec: true, seed: 42 });
    const plcOnly = await receive(moving, { fec: false, seed: 42 });
    const fec = meanSnr(withFec, reference, 'fec');
    const plc = meanSnr(plcOnly, reference, 'conceal');
    expect(fec.count).toBeGreaterThan(20);
    expect(plc.count).toBeGreaterThan(fec.count);
    expect(fec.db).toBeGreaterThan(plc.db + 4);
    expect(meanSnr(withFec, reference, 'packet').db).toBeGreaterThan(25);
  });
});
