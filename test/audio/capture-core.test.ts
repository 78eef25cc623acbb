/**
 * CaptureCore with the real libopus-wasm encoder, fed 128-sample render
 * quanta like the capture worklet.
 */
import { describe, expect, it } from 'vitest';
import { createDecoder, createEncoder } from 'libopus-wasm';
import { decodeUplink, VoiceFlags } from '../../proto/index.ts';
import { CaptureCore } from '../../client/audio/capture-core.ts';
import { VOICE_DECODER_OPTIONS, VOICE_ENCODER_OPTIONS } from '../../client/audio/opus-config.ts';
import { toneDominance } from '../helpers/tone-analysis.ts';

function setup(transmitting: boolean) {
  const datagrams: Uint8Array[] = [];
  const levels: Array<[number, boolean]> = [];
  const core = new CaptureCore({
    seq: 77,
    ts: 0,
    transmitting,
    send: (b) => datagrams.push(b),
    reportLevel: (l, t) => levels.push([l, t]),
  });
  let n = 0;
  const push = (seconds: number, signal: (i: number) => number) => {
    for (let q = 0; q < (seconds * 48_000) / 128; q++) {
      core.push(Float32Array.from({ length: 128 }, () => signal(n++)));
    }
  };
  return { core, datagrams, levels, push };
}

const tone = (i: number) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 48_000);
const voiceOf = (d: Uint8Array[]) =>
  d.flatMap((b) => {
    const r = decodeUplink(b);
    return r.ok && r.value.kind === 'voice' ? [r.value] : [];
  });

describe('CaptureCore.push', () => {
  it('sends one decodable voice datagram per 20 ms while transmitting', async () => {
    const { core, datagrams, levels, push } = setup(true);
    core.setEncoder(await createEncoder(VOICE_ENCODER_OPTIONS));
    push(2, tone);
    const voice = voiceOf(datagrams);
    expect(voice).toHaveLength(100);
    expect(voice[0]!.flags & VoiceFlags.Marker).toBe(VoiceFlags.Marker);
    expect(voice.map((v) => v.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 77 + i));
    expect(voice.every((v, i) => v.ts === i * 960)).toBe(true);
    const decoder = await createDecoder(VOICE_DECODER_OPTIONS);
    const pcm = new Float32Array(100 * 960);
    voice.forEach((v, i) => pcm.set(decoder.decodeFloat(v.payload), i * 960));
    expect(toneDominance(pcm.subarray(48_000), 440)).toBeGreaterThan(0.45);
    // 0.3-amplitude sine: RMS -13.5 dBFS → level (60 - 13.5) / 60.
    expect(levels).toHaveLength(20);
    expect(levels.at(-1)![0]).toBeCloseTo(0.775, 2);
    expect(levels.every(([, t]) => t)).toBe(true);
  });

  it('sends only keep-alives while not transmitting, but still meters the input', async () => {
    const { core, datagrams, levels, push } = setup(false);
    core.setEncoder(await createEncoder(VOICE_ENCODER_OPTIONS));
    push(5, tone);
    expect(datagrams.map((d) => d.byteLength)).toEqual([1, 1, 1]);
    expect(core.stats().encoded).toBe(0);
    expect(levels.at(-1)).toEqual([expect.closeTo(0.775, 2), false]);
  });

  it('goes nearly quiet during silence thanks to DTX and ends with an End packet', async () => {
    const { core, datagrams, push } = setup(true);
    core.setEncoder(await createEncoder(VOICE_ENCODER_OPTIONS));
    push(1, tone);
    const before = datagrams.length;
    push(4, () => 0);
    const silentVoice = voiceOf(datagrams.slice(before));
    expect(silentVoice.length).toBeLessThan(60); // vs 200 frames without DTX
    expect(core.stats().dtxFrames).toBeGreaterThan(100);
    core.setTransmitting(false);
    push(0.1, tone);
    const last = voiceOf(datagrams).at(-1)!;
    expect(last.flags & VoiceFlags.End).toBe(VoiceFlags.End);
  });

  it('keeps the ts clock running before the encoder is ready', async () => {
    const { core, datagrams, push } = setup(true);
    push(0.2, tone); // 10 frames, no encoder yet
    core.setEncoder(await createEncoder(VOICE_ENCODER_OPTIONS));
    push(0.1, tone);
    const voice = voiceOf(datagrams);
    expect(voice[0]).toMatchObject({ seq: 77, ts: 10 * 960 });
  });

  it('close() frees the encoder and ignores later input', async () => {
    const { core, datagrams, push } = setup(true);
    const encoder = await createEncoder(VOICE_ENCODER_OPTIONS);
    let freed = 0;
    core.setEncoder({ encodeFloat: (p) => encoder.encodeFloat(p), getInDtx: () => encoder.getInDtx(), free: () => freed++ });
    core.close();
    push(0.5, tone);
    expect(freed).toBe(1);
    expect(datagrams).toEqual([]);
  });
});

describe('CaptureCore without a microphone', () => {
  it('never encodes absent input, so only keep-alives leave', async () => {
    const datagrams: Uint8Array[] = [];
    const core = new CaptureCore({ seq: 1, ts: 0, transmitting: true, send: (b) => datagrams.push(b), reportLevel: () => {} });
    core.setEncoder(await createEncoder(VOICE_ENCODER_OPTIONS));
    for (let q = 0; q < (3 * 48_000) / 128; q++) core.push(undefined, 128);
    expect(datagrams.map((d) => d.byteLength)).toEqual([1, 1]);
    expect(core.stats().encoded).toBe(0);
  });
});
