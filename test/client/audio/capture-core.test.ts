/**
 * CaptureCore with the real libopus-wasm encoder, fed 128-sample render
 * quanta like the capture worklet.
 */
import { describe, expect, it } from 'vitest';
import { createDecoder, createEncoder } from 'libopus-wasm';
import { decodeUplink, VoiceFlags } from '../../../proto/index.ts';
import { CaptureCore } from '../../../client/audio/capture-core.ts';
import { VOICE_DECODER_OPTIONS, VOICE_ENCODER_OPTIONS } from '../../../client/audio/opus-config.ts';
import { toneDominance } from '../../helpers/tone-analysis.ts';

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
    core.setEncoder({ encodeFloat: (p) => encoder.encodeFloat(p), getInDtx: () => encoder.getInDtx(), setPacketLossPercent: () => {}, free: () => freed++ });
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

describe('CaptureCore gate modes', () => {
  /** Frames (20 ms) in which a voice datagram left. */
  function sentFrames(datagrams: Uint8Array[]): number[] {
    return voiceOf(datagrams).map((v) => v.ts / 960);
  }

  it('push-to-talk sends only while held, and ends the spurt with End', async () => {
    const { core, datagrams, push } = setup(false);
    core.setEncoder(await createEncoder(VOICE_ENCODER_OPTIONS));
    core.configureGate({ mode: 'push-to-talk', pttDown: false });
    push(0.4, tone); // frames 0..19: not held
    core.configureGate({ pttDown: true });
    push(0.4, tone); // frames 20..39: held
    core.configureGate({ pttDown: false });
    push(0.4, tone); // frames 40..59: released
    const frames = sentFrames(datagrams);
    expect(frames[0]).toBe(20);
    expect(frames.at(-1)).toBe(40); // the End packet
    expect(frames).toHaveLength(21);
    const voice = voiceOf(datagrams);
    expect(voice.at(-1)!.flags & VoiceFlags.End).toBe(VoiceFlags.End);
  });

  it('voice activation opens above the threshold and closes after the hang time', async () => {
    const { core, datagrams, push } = setup(false);
    core.setEncoder(await createEncoder(VOICE_ENCODER_OPTIONS));
    core.configureGate({ mode: 'voice-activation', thresholdDb: -30, hangMs: 200 });
    const quiet = (i: number) => 0.005 * Math.sin((2 * Math.PI * 440 * i) / 48_000); // -49 dBFS
    push(0.4, quiet); // frames 0..19 below threshold
    push(0.4, tone); // frames 20..39: -13.5 dBFS
    push(1, quiet); // frames 40..89
    const frames = sentFrames(datagrams);
    expect(frames[0]).toBeGreaterThanOrEqual(20);
    expect(frames[0]).toBeLessThanOrEqual(21); // opens within one frame
    const last = frames.at(-1)!;
    // The 60 ms window drains after ~3 frames, then 200 ms (10 frames) of hang.
    expect(last).toBeGreaterThanOrEqual(40 + 10);
    expect(last).toBeLessThanOrEqual(40 + 15);
  });

  it('voice activation stays closed for input below the threshold', async () => {
    const { core, datagrams, levels, push } = setup(false);
    core.setEncoder(await createEncoder(VOICE_ENCODER_OPTIONS));
    core.configureGate({ mode: 'voice-activation', thresholdDb: -10, hangMs: 200 });
    push(1, tone);
    expect(sentFrames(datagrams)).toEqual([]);
    expect(levels.every(([, t]) => !t)).toBe(true);
  });

  it('muted sends nothing but keep-alives whatever the input', async () => {
    const { core, datagrams, push } = setup(true);
    core.setEncoder(await createEncoder(VOICE_ENCODER_OPTIONS));
    core.configureGate({ mode: 'muted', pttDown: true });
    push(3, tone);
    expect(datagrams.every((d) => d.byteLength === 1)).toBe(true);
  });

  it('passes the expected loss to the encoder, clamped to 0..100', async () => {
    const { core } = setup(true);
    const seen: number[] = [];
    const encoder = await createEncoder(VOICE_ENCODER_OPTIONS);
    core.setEncoder({ encodeFloat: (p) => encoder.encodeFloat(p), getInDtx: () => false, setPacketLossPercent: (p) => seen.push(p), free: () => encoder.free() });
    core.setExpectedLoss(17.4);
    core.setExpectedLoss(250);
    expect(seen).toEqual([10, 17, 100]);
  });

  it('records the input quanta with the audio time of the first one', () => {
    const recordings: Array<{ id: number; samples: Float32Array; startMs: number }> = [];
    const core = new CaptureCore({ seq: 1, ts: 0, send: () => {}, reportLevel: () => {}, onRecording: (id, samples, startMs) => recordings.push({ id, samples, startMs }) });
    core.push(new Float32Array(128).fill(0.1), 128, 100);
    core.record(5, 200);
    core.push(new Float32Array(128).fill(0.2), 128, 102.67);
    core.push(undefined, 128, 105.33);
    expect(recordings).toHaveLength(1);
    expect(recordings[0]!.startMs).toBe(102.67);
    expect(recordings[0]!.samples[0]).toBeCloseTo(0.2);
    expect(recordings[0]!.samples[199]).toBe(0);
  });
});
