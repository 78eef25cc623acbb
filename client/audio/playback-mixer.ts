/**
 * The playback side minus the AudioWorklet glue: downlink datagrams in,
 * output quanta out.
 *
 * Datagrams for another room are dropped. Each sender gets a SenderStream
 * (jitter buffer + decoder, the decoder created lazily through the injected
 * factory) and its own 20 ms frame with a read cursor: a sender's next
 * frame is pulled when its cursor runs out, and an idle sender (waiting for
 * its jitter-buffer target) is asked again every render quantum, so each
 * talk spurt starts within one quantum (2.7 ms) of its target instead of on
 * a grid shared by all senders (up to 20 ms later). Each sender's samples
 * are scaled by its gain and fed to the talking tracker; the sum is scaled
 * by the output volume, limited, and zeroed when deafened; the recorder
 * copies exactly what leaves. Senders silent for `idleTimeoutMs` are
 * dropped and their decoders freed.
 */
import { decodeDownlink } from '../../proto/datagram.ts';
import type { ForwardedVoice } from '../../proto/datagram.ts';
import { LossMeter } from './loss-meter.ts';
import { OutputRecorder } from './output-recorder.ts';
import { SenderStream } from './sender-stream.ts';
import type { FrameDecoder, FrameSource, SenderStreamStats } from './sender-stream.ts';
import type { JitterBufferOptions } from './jitter-buffer.ts';
import { SoftLimiter } from './soft-limiter.ts';
import { TalkingTracker } from './talking-tracker.ts';
import type { TalkingTrackerOptions } from './talking-tracker.ts';
import { FRAME_SAMPLES, SAMPLES_PER_MS } from './voice-format.ts';

/** Options for {@link PlaybackMixer}. */
export interface PlaybackMixerOptions {
  /** Creates one mono 48 kHz Opus decoder (libopus-wasm `createDecoder`). */
  readonly createDecoder: () => Promise<FrameDecoder>;
  /** Talking state of every known sender, sent only when it changed. */
  readonly onTalking: (talking: ReadonlyMap<number, boolean>) => void;
  /** A requested output recording completed. */
  readonly onRecording: (id: number, samples: Float32Array, startMs: number) => void;
  /**
   * Every `lossReportMs`: the fraction (0..1) of packets lost per sender that
   * sent at least 10 packets in the interval. Feeds the senders' FEC setting.
   */
  readonly onLoss?: (loss: ReadonlyMap<number, number>) => void;
  /** Loss report interval, ms of output; default 2000. */
  readonly lossReportMs?: number;
  /** A decoder could not be created (the sender stays silent). */
  readonly onDecoderError?: (error: unknown) => void;
  /** Drop a sender after this long without packets, ms; default 10000. */
  readonly idleTimeoutMs?: number;
  /** Jitter-buffer tuning for every sender. */
  readonly jitter?: JitterBufferOptions;
  /** Talking detection tuning. */
  readonly talking?: TalkingTrackerOptions;
  /** Clock in ms for decode/mix timing statistics; default none. */
  readonly clock?: () => number;
}

/** One sender's view in {@link PlaybackStats}. */
export interface SenderStats extends SenderStreamStats {
  readonly sender: number;
  readonly gain: number;
  /** Source of the last frame pulled. */
  readonly lastSource: FrameSource;
}

/** Counters of the playback side. */
export interface PlaybackStats {
  readonly room: number | null;
  readonly senders: readonly SenderStats[];
  /** Datagrams that failed to parse. */
  readonly malformed: number;
  /** Datagrams for another room (or before a room was set). */
  readonly wrongRoom: number;
  /** Output mixed, in 20 ms frames (quanta count as fractions). */
  readonly frames: number;
  /** Total time rendering output (pull + decode + mix + limit), ms (0 without a clock). */
  readonly mixMs: number;
  /** Current gain of the limiter (1 = not limiting). */
  readonly limiterGain: number;
}

interface Entry {
  readonly stream: SenderStream;
  readonly loss: LossMeter;
  /** The sender's current 20 ms frame, gain applied. */
  readonly frame: Float32Array;
  /** Next sample of `frame` to play; FRAME_SAMPLES = pull a new one. */
  cursor: number;
  lastSource: FrameSource;
}

/** Intervals with fewer packets than this say too little about loss to report. */
const MIN_PACKETS_FOR_LOSS = 10;

/** Per-sender jitter buffers and decoders, mixer, limiter, talking and recording tap. */
export class PlaybackMixer {
  readonly #options: PlaybackMixerOptions;
  readonly #idleTimeoutMs: number;
  readonly #streams = new Map<number, Entry>();
  readonly #gains = new Map<number, number>();
  readonly #limiter = new SoftLimiter();
  readonly #talking: TalkingTracker;
  readonly #recorder = new OutputRecorder();
  #room: number | null = null;
  #deafened = false;
  #volume = 1;
  #sinceLossReport = 0;
  #closed = false;
  #s = { malformed: 0, wrongRoom: 0, frames: 0, mixMs: 0 };

  constructor(options: PlaybackMixerOptions) {
    this.#options = options;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
    this.#talking = new TalkingTracker(options.talking);
  }

  /** Feeds one downlink datagram that arrived at `nowMs`. */
  receive(bytes: Uint8Array, nowMs: number): void {
    if (this.#closed) return;
    const parsed = decodeDownlink(bytes);
    if (!parsed.ok) {
      this.#s.malformed++;
      return;
    }
    const v = parsed.value;
    if (this.#room === null || v.room !== this.#room) {
      this.#s.wrongRoom++;
      return;
    }
    this.#insert(v, nowMs);
  }

  /**
   * Feeds a downlink datagram made on this machine (the microphone test
   * loops the user's own voice back): no room check, no loss report.
   */
  receiveLocal(bytes: Uint8Array, nowMs: number): void {
    if (this.#closed) return;
    const parsed = decodeDownlink(bytes);
    if (parsed.ok) this.#entry(parsed.value.sender).stream.insert(parsed.value, nowMs);
    else this.#s.malformed++;
  }

  /** Sets the current room; voice for any other room is dropped and every sender is forgotten. */
  setRoom(room: number | null): void {
    if (room === this.#room) return;
    this.#room = room;
    for (const id of [...this.#streams.keys()]) this.#drop(id);
  }

  /** Forgets a sender: frees its decoder and jitter buffer, forgets its gain. */
  removeSender(sender: number): void {
    this.#drop(sender);
    this.#gains.delete(sender);
  }

  /** Per-sender gain (linear, 1 = unchanged, 0 = muted locally); kept across streams until removeSender. */
  setSenderVolume(sender: number, gain: number): void {
    this.#gains.set(sender, Math.max(0, Number.isFinite(gain) ? gain : 1));
  }

  /** Master output volume (linear, 0..2), applied to the mix before the limiter. */
  setOutputVolume(volume: number): void {
    this.#volume = Math.max(0, Number.isFinite(volume) ? volume : 1);
  }

  /** Master deafen: output zeros (senders keep being decoded so un-deafening is instant). */
  setDeafened(on: boolean): void {
    this.#deafened = on;
  }

  /** Records the next `sampleCount` output samples; `onRecording(id, ...)` fires when done. */
  record(id: number, sampleCount: number): void {
    this.#recorder.request(id, sampleCount);
  }

  /** Fills one output quantum; `nowMs` is the audio clock at its first sample. */
  render(out: Float32Array, nowMs: number): void {
    if (this.#closed) {
      out.fill(0);
      return;
    }
    const t0 = this.#options.clock?.() ?? 0;
    out.fill(0);
    for (const [sender, e] of this.#streams) {
      if (nowMs - e.stream.lastArrivalMs > this.#idleTimeoutMs) {
        this.#drop(sender);
        continue;
      }
      this.#mixSender(sender, e, out, nowMs);
    }
    if (this.#volume !== 1) for (let i = 0; i < out.length; i++) out[i]! *= this.#volume;
    this.#limiter.process(out);
    if (this.#deafened) out.fill(0);
    this.#s.frames += out.length / FRAME_SAMPLES;
    if (this.#options.clock) this.#s.mixMs += this.#options.clock() - t0;
    if (this.#recorder.active) {
      for (const r of this.#recorder.capture(out, nowMs)) this.#options.onRecording(r.id, r.samples, r.startMs);
    }
    this.#sinceLossReport += out.length;
    if (this.#options.onLoss && this.#sinceLossReport >= (this.#options.lossReportMs ?? 2000) * SAMPLES_PER_MS) {
      this.#sinceLossReport = 0;
      this.#reportLoss();
    }
    const talking = this.#talking.tick(out.length);
    if (talking) this.#options.onTalking(talking);
  }

  /** Counters and per-sender state. */
  stats(): PlaybackStats {
    const senders: SenderStats[] = [];
    for (const [sender, e] of this.#streams) {
      senders.push({ ...e.stream.stats(), sender, gain: this.#gains.get(sender) ?? 1, lastSource: e.lastSource });
    }
    return { ...this.#s, room: this.#room, senders, limiterGain: this.#limiter.gain };
  }

  /** Frees every decoder and cancels pending recordings; returns the cancelled recording ids. */
  close(): number[] {
    if (this.#closed) return [];
    this.#closed = true;
    for (const e of this.#streams.values()) e.stream.close();
    this.#streams.clear();
    return this.#recorder.cancelAll();
  }

  #entry(sender: number): Entry {
    let e = this.#streams.get(sender);
    if (e) return e;
    const clock = this.#options.clock;
    const stream = new SenderStream(null, { ...(this.#options.jitter ? { jitter: this.#options.jitter } : {}), ...(clock ? { clock } : {}) });
    e = { stream, loss: new LossMeter(), frame: new Float32Array(FRAME_SAMPLES), cursor: FRAME_SAMPLES, lastSource: 'waiting' };
    this.#streams.set(sender, e);
    this.#options.createDecoder().then(
      (decoder) => stream.setDecoder(decoder),
      (error: unknown) => this.#options.onDecoderError?.(error),
    );
    return e;
  }

  #insert(v: ForwardedVoice, nowMs: number): void {
    const e = this.#entry(v.sender);
    e.loss.onPacket(v.seq);
    e.stream.insert(v, nowMs);
  }

  #reportLoss(): void {
    const loss = new Map<number, number>();
    for (const [sender, e] of this.#streams) {
      const sample = e.loss.take();
      if (sample.expected >= MIN_PACKETS_FOR_LOSS) loss.set(sender, sample.fraction);
    }
    if (loss.size > 0) this.#options.onLoss!(loss);
  }

  #drop(sender: number): void {
    const e = this.#streams.get(sender);
    if (!e) return;
    e.stream.close();
    this.#streams.delete(sender);
    this.#talking.remove(sender);
  }

  /** Adds one sender's next `out.length` samples into `out`, pulling frames as its cursor runs out. */
  #mixSender(sender: number, e: Entry, out: Float32Array, nowMs: number): void {
    let i = 0;
    while (i < out.length) {
      if (e.cursor >= FRAME_SAMPLES) {
        e.lastSource = e.stream.pull(nowMs + i / SAMPLES_PER_MS, e.frame);
        const gain = this.#gains.get(sender) ?? 1;
        if (gain !== 1) for (let k = 0; k < FRAME_SAMPLES; k++) e.frame[k]! *= gain;
        // An idle stream's frame is silence: use only the rest of this quantum and ask again next time.
        e.cursor = e.stream.playing ? 0 : FRAME_SAMPLES - (out.length - i);
      }
      const take = Math.min(out.length - i, FRAME_SAMPLES - e.cursor);
      const part = e.frame.subarray(e.cursor, e.cursor + take);
      for (let k = 0; k < take; k++) out[i + k]! += part[k]!;
      this.#talking.update(sender, part);
      e.cursor += take;
      i += take;
    }
  }

}
