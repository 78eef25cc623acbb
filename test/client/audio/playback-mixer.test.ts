/**
 * PlaybackMixer with real libopus-wasm encoders and decoders: what the
 * playback worklet does, driven by a simulated clock in 128-sample quanta.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDecoder, createEncoder } from 'libopus-wasm';
import { encodeForwarded } from '../../../proto/index.ts';
import { VOICE_DECODER_OPTIONS, VOICE_ENCODER_OPTIONS } from '../../../client/audio/opus-config.ts';
import { PlaybackMixer } from '../../../client/audio/playback-mixer.ts';
import type { FrameDecoder } from '../../../client/audio/sender-stream.ts';
import { toneDominance } from '../../helpers/tone-analysis.ts';

const ROOM = 7;
const QUANTUM = 128;

/** Opus packets of `frames` 20 ms frames of a tone. */
async function tonePackets(hz: number, amp: number, frames: number): Promise<Uint8Array[]> {
  const enc = await createEncoder(VOICE_ENCODER_OPTIONS);
  const out = Array.from({ length: frames }, (_, f) =>
    enc.encodeFloat(Float32Array.from({ length: 960 }, (_, k) => amp * Math.sin((2 * Math.PI * hz * (f * 960 + k)) / 48_000))),
  );
  enc.free();
  return out;
}

interface Harness {
  readonly mixer: PlaybackMixer;
  readonly losses: Array<ReadonlyMap<number, number>>;
  readonly talking: Array<{ atMs: number; state: ReadonlyMap<number, boolean> }>;
  readonly recordings: Map<number, Float32Array>;
  freed: number;
  /** Renders until `untilMs`, delivering each scheduled datagram at its time. */
  run(untilMs: number): void;
  /** Schedules sender's packets from `startMs`, one per 20 ms, seq/ts from frame index. */
  send(sender: number, packets: readonly Uint8Array[], opts?: { startMs?: number; room?: number; endFlag?: boolean; drop?: (i: number) => boolean }): void;
}

function harness(): Harness {
  const talking: Harness['talking'] = [];
  const recordings = new Map<number, Float32Array>();
  const schedule: Array<{ at: number; bytes: Uint8Array }> = [];
  let nowMs = 0;
  const losses: Array<ReadonlyMap<number, number>> = [];
  const h: Harness = {
    losses,
    talking,
    recordings,
    freed: 0,
    mixer: new PlaybackMixer({
      createDecoder: async () => {
        const d = await createDecoder(VOICE_DECODER_OPTIONS);
        const counted: FrameDecoder = {
          decodeFloat: (p, o) => d.decodeFloat(p, o),
          decodePacketLossFloat: (n) => d.decodePacketLossFloat(n),
          free: () => {
            h.freed++;
            d.free();
          },
        };
        return counted;
      },
      onTalking: (state) => talking.push({ atMs: nowMs, state: new Map(state) }),
      onRecording: (id, samples) => recordings.set(id, samples),
      onLoss: (loss) => losses.push(new Map(loss)),
    }),
    send(sender, packets, opts = {}) {
      packets.forEach((payload, i) => {
        if (opts.drop?.(i)) return;
        const flags = opts.endFlag !== false && i === packets.length - 1 ? 0x02 : 0;
        const bytes = encodeForwarded({ sender, room: opts.room ?? ROOM, seq: 1000 + i, ts: 96_000 + i * 960, flags, payload });
        schedule.push({ at: (opts.startMs ?? 0) + (i + 1) * 20 + 5, bytes });
      });
      schedule.sort((a, b) => a.at - b.at);
    },
    run(untilMs) {
      const out = new Float32Array(QUANTUM);
      while (nowMs < untilMs) {
        while (schedule.length > 0 && schedule[0]!.at <= nowMs) h.mixer.receive(schedule.shift()!.bytes, nowMs);
        h.mixer.render(out, nowMs);
        nowMs += QUANTUM / 48;
      }
    },
  };
  return h;
}

/** Lets the async decoder factory resolve (no timers involved). */
async function settleDecoders(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('PlaybackMixer', () => {
  let a440: Uint8Array[];
  let b1000: Uint8Array[];
  let loudA: Uint8Array[];
  let loudB: Uint8Array[];
  beforeAll(async () => {
    [a440, b1000, loudA, loudB] = await Promise.all([
      tonePackets(440, 0.3, 150),
      tonePackets(1000, 0.3, 150),
      tonePackets(300, 0.95, 100),
      tonePackets(500, 0.95, 100),
    ]);
  });

  it('mixes two senders of the current room and drops voice of other rooms', async () => {
    const h = harness();
    h.mixer.setRoom(ROOM);
    h.send(1, a440);
    h.send(2, b1000);
    h.send(3, a440, { room: 8 });
    h.run(30);
    await settleDecoders();
    h.run(1000);
    h.mixer.record(1, 48_000);
    h.run(2100);
    const rec = h.recordings.get(1)!;
    expect(rec).toHaveLength(48_000);
    expect(toneDominance(rec, 440)).toBeGreaterThan(0.15); // 0.25 each for two equal tones
    expect(toneDominance(rec, 1000)).toBeGreaterThan(0.15);
    const stats = h.mixer.stats();
    expect(stats.senders.map((s) => s.sender).sort()).toEqual([1, 2]);
    expect(stats.wrongRoom).toBe(104); // every room-8 datagram delivered by 2.1 s
  });

  it('reports talking while a sender is audible and stops ~300 ms after its End', async () => {
    const h = harness();
    h.mixer.setRoom(ROOM);
    h.send(1, a440); // frames end at ~3 s
    h.run(30);
    await settleDecoders();
    h.run(5000);
    const on = h.talking.find((t) => t.state.get(1) === true);
    const off = h.talking.find((t) => t.state.get(1) === false);
    expect(on?.atMs).toBeLessThan(200);
    expect(off?.atMs).toBeGreaterThan(3000);
    expect(off?.atMs).toBeLessThan(3600);
    expect(h.talking).toHaveLength(2); // change-only reporting
  });

  it('silences a sender at gain 0 (no talking either) and everything when deafened', async () => {
    const h = harness();
    h.mixer.setRoom(ROOM);
    h.mixer.setSenderVolume(1, 0);
    h.send(1, a440);
    h.send(2, b1000);
    h.run(30);
    await settleDecoders();
    h.run(800);
    h.mixer.record(1, 24_000);
    h.run(1400);
    h.mixer.setDeafened(true);
    h.mixer.record(2, 24_000);
    h.run(2000);
    const partial = h.recordings.get(1)!;
    expect(toneDominance(partial, 440)).toBeLessThan(0.0005);
    expect(toneDominance(partial, 1000)).toBeGreaterThan(0.25);
    expect(h.recordings.get(2)!.every((v) => v === 0)).toBe(true);
    expect(h.talking.some((t) => t.state.get(1) === true)).toBe(false);
    expect(h.talking.some((t) => t.state.get(2) === true)).toBe(true);
  });

  it('limits two near-full-scale voices below 1 instead of clipping', async () => {
    const h = harness();
    h.mixer.setRoom(ROOM);
    h.send(1, loudA);
    h.send(2, loudB);
    h.run(30);
    await settleDecoders();
    h.run(500);
    h.mixer.record(1, 48_000);
    h.run(1600);
    const rec = h.recordings.get(1)!;
    const peak = rec.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0.7);
    expect(peak).toBeLessThan(1);
    expect(h.mixer.stats().limiterGain).toBeLessThan(0.8);
  });

  it('frees decoders on removeSender, on room change and after 10 s of silence', async () => {
    const h = harness();
    h.mixer.setRoom(ROOM);
    h.send(1, a440.slice(0, 20));
    h.send(2, a440.slice(0, 20));
    h.send(3, a440.slice(0, 20));
    h.run(30);
    await settleDecoders();
    h.run(600);
    h.mixer.removeSender(1);
    expect(h.freed).toBe(1);
    h.run(11_000);
    expect(h.freed).toBe(3);
    expect(h.mixer.stats().senders).toEqual([]);
    h.send(4, a440.slice(0, 5), { startMs: 11_000 });
    h.run(11_100);
    await settleDecoders();
    h.mixer.setRoom(ROOM + 1);
    expect(h.freed).toBe(4);
  });

  it('close() frees everything and cancels pending recordings', async () => {
    const h = harness();
    h.mixer.setRoom(ROOM);
    h.send(1, a440.slice(0, 10));
    h.run(30);
    await settleDecoders();
    h.mixer.record(9, 480_000);
    h.run(100);
    expect(h.mixer.close()).toEqual([9]);
    expect(h.freed).toBe(1);
  });

  it('scales a sender by its volume (0..2) and the mix by the output volume', async () => {
    const level = async (senderGain: number, outputVolume: number) => {
      const h = harness();
      h.mixer.setRoom(ROOM);
      h.mixer.setSenderVolume(1, senderGain);
      h.mixer.setOutputVolume(outputVolume);
      h.send(1, a440);
      h.run(30);
      await settleDecoders();
      h.run(800);
      h.mixer.record(1, 24_000);
      h.run(1400);
      const rec = h.recordings.get(1)!;
      return Math.sqrt(rec.reduce((a, v) => a + v * v, 0) / rec.length);
    };
    const base = await level(1, 1);
    expect(base).toBeGreaterThan(0.1);
    expect((await level(0.5, 1)) / base).toBeCloseTo(0.5, 1);
    expect((await level(2, 1)) / base).toBeCloseTo(2, 1); // 0.3 x 2 stays under the limiter's knee
    expect((await level(1, 0.25)) / base).toBeCloseTo(0.25, 1);
  });

  it('reports per-sender loss every 2 s, and nothing for a sender that was quiet', async () => {
    const h = harness();
    h.mixer.setRoom(ROOM);
    h.send(1, a440, { drop: (i) => i % 10 === 3 }); // 10 % loss
    h.send(2, a440);
    h.run(30);
    await settleDecoders();
    h.run(2100);
    expect(h.losses).toHaveLength(1);
    expect(h.losses[0]!.get(1)).toBeGreaterThan(0.08);
    expect(h.losses[0]!.get(1)).toBeLessThan(0.12);
    expect(h.losses[0]!.get(2)).toBe(0);
    h.run(6100); // both streams ended at 3 s
    expect(h.losses.at(-1)!.has(1)).toBe(true);
    expect(h.losses).toHaveLength(2);
  });

  it('starts a talk spurt within a render quantum of its target, not on a shared 20 ms grid', async () => {
    const h = harness();
    h.mixer.setRoom(ROOM);
    h.mixer.record(1, 48 * 1000);
    h.send(1, a440); // the first packet is received at the 26.7 ms quantum
    h.run(30);
    await settleDecoders();
    h.run(1100);
    const firstMs = h.recordings.get(1)!.findIndex((v) => Math.abs(v) > 1e-4) / 48;
    // 26.7 ms + 20 ms target = 46.7 ms: playout starts at the 48 ms quantum; a shared 20 ms grid would say 60 ms.
    expect(firstMs).toBeGreaterThanOrEqual(46);
    expect(firstMs).toBeLessThan(52);
  });
});
