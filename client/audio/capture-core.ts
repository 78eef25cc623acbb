/**
 * The capture side minus the AudioWorklet glue: render quanta in, uplink
 * datagrams and input levels out.
 *
 * quanta → 20 ms frames → level meter and transmit gate (always) → Opus
 * encode (only while the gate is open or the End packet is owed) →
 * UplinkFramer → datagram. A recording tap sees the quanta as they came.
 *
 * The encoder is injected and may arrive late (libopus-wasm instantiates
 * asynchronously); until then frames are not sent but the `ts` clock runs.
 */
import { FrameAccumulator } from './frame-accumulator.ts';
import { LevelMeter, levelFromRms } from './level-meter.ts';
import { OutputRecorder } from './output-recorder.ts';
import { TransmitGate } from './transmit-gate.ts';
import type { GateConfig } from './transmit-gate.ts';
import { UplinkFramer } from './uplink-framer.ts';
import { DTX_MAX_BYTES } from './voice-format.ts';

/** The part of a libopus-wasm `OpusEncoderHandle` (mono, 48 kHz, 20 ms) this module uses. */
export interface FrameEncoder {
  encodeFloat(pcm: Float32Array): Uint8Array;
  getInDtx(): boolean;
  /** Expected packet loss (0..100) that sizes the in-band FEC. */
  setPacketLossPercent(percent: number): void;
  free(): void;
}

/** Expected loss before any receiver has reported, percent: FEC is on from the first packet. */
export const DEFAULT_EXPECTED_LOSS_PERCENT = 10;

/** Options for {@link CaptureCore}. */
export interface CaptureCoreOptions {
  /** First datagram `seq` (u32). */
  readonly seq: number;
  /** First datagram `ts` (u32). */
  readonly ts: number;
  /** Initial gate: `true` is continuous, `false` (default) muted. Overridden by `gate`. */
  readonly transmitting?: boolean;
  /** Initial transmit-gate configuration (mode, push-to-talk, voice activation). */
  readonly gate?: Partial<GateConfig>;
  /** Receives finished input recordings (see {@link record}). */
  readonly onRecording?: (id: number, samples: Float32Array, startMs: number) => void;
  /** Receives every datagram to send (voice or keep-alive). */
  readonly send: (bytes: Uint8Array) => void;
  /** Receives the input level (0..1) every `levelEveryFrames` frames. */
  readonly reportLevel: (level: number, transmitting: boolean) => void;
  /** Frames per level report; default 5 (100 ms, 10 Hz). */
  readonly levelEveryFrames?: number;
  /** Frames without a datagram before a keep-alive; default 100 (2 s). */
  readonly keepaliveFrames?: number;
  /** Clock in ms for encode timing statistics; default none. */
  readonly clock?: () => number;
}

/** Counters of the capture side. */
export interface CaptureStats {
  readonly frames: number;
  readonly encoded: number;
  readonly encodeErrors: number;
  /** Total time in the encoder, ms (0 without a clock). */
  readonly encodeMs: number;
  readonly voiceSent: number;
  readonly dtxFrames: number;
  readonly keepalivesSent: number;
  readonly bytesSent: number;
}

/** Frames, meters, encodes and frames-as-datagrams the microphone signal. */
export class CaptureCore {
  readonly #acc = new FrameAccumulator();
  readonly #meter = new LevelMeter();
  readonly #framer: UplinkFramer;
  readonly #gate: TransmitGate;
  readonly #recorder = new OutputRecorder();
  readonly #onRecording: CaptureCoreOptions['onRecording'];
  #expectedLoss = DEFAULT_EXPECTED_LOSS_PERCENT;
  readonly #send: (bytes: Uint8Array) => void;
  readonly #reportLevel: (level: number, transmitting: boolean) => void;
  readonly #levelEvery: number;
  readonly #clock: (() => number) | undefined;
  readonly #onFrame = (frame: Float32Array): void => this.#frame(frame);
  #encoder: FrameEncoder | null = null;
  #framesSinceLevel = 0;
  #inputInFrame = false;
  #closed = false;
  #s = { frames: 0, encoded: 0, encodeErrors: 0, encodeMs: 0, voiceSent: 0, dtxFrames: 0, keepalivesSent: 0, bytesSent: 0 };

  constructor(options: CaptureCoreOptions) {
    this.#framer = new UplinkFramer({ seq: options.seq, ts: options.ts, keepaliveFrames: options.keepaliveFrames ?? 100 });
    this.#gate = new TransmitGate({ mode: options.transmitting ? 'continuous' : 'muted', ...options.gate });
    this.#framer.setTransmitting(this.#gate.open);
    this.#onRecording = options.onRecording;
    this.#send = options.send;
    this.#reportLevel = options.reportLevel;
    this.#levelEvery = options.levelEveryFrames ?? 5;
    this.#clock = options.clock;
  }

  /** Attaches the encoder; frees it at once if already closed. */
  setEncoder(encoder: FrameEncoder): void {
    if (this.#closed) {
      encoder.free();
      return;
    }
    this.#encoder = encoder;
    encoder.setPacketLossPercent(this.#expectedLoss);
  }

  /** Shorthand for the gate: `true` continuous, `false` muted (closing sends one last packet flagged End). */
  setTransmitting(on: boolean): void {
    this.configureGate({ mode: on ? 'continuous' : 'muted' });
  }

  /** Changes the transmit gate (mode, push-to-talk held, voice-activation threshold and hang). */
  configureGate(patch: Partial<GateConfig>): void {
    this.#gate.configure(patch);
    this.#framer.setTransmitting(this.#gate.open);
  }

  /** The current gate configuration. */
  get gate(): GateConfig {
    return this.#gate.config;
  }

  /** Sets the encoder's expected packet loss (0..100 %), which sizes its in-band FEC. */
  setExpectedLoss(percent: number): void {
    this.#expectedLoss = Math.max(0, Math.min(100, Math.round(Number.isFinite(percent) ? percent : DEFAULT_EXPECTED_LOSS_PERCENT)));
    this.#encoder?.setPacketLossPercent(this.#expectedLoss);
  }

  /** Records the next `sampleCount` input samples; `onRecording` gets them with the start time. */
  record(id: number, sampleCount: number): void {
    this.#recorder.request(id, sampleCount);
  }

  /**
   * Feeds one render quantum. `samples` undefined means nothing is connected
   * (no microphone): such frames are metered as silence but never encoded,
   * so a client without a microphone sends only keep-alives.
   */
  push(samples: Float32Array | undefined, count = samples?.length ?? 128, nowMs = 0): void {
    if (this.#closed) return;
    if (samples) this.#inputInFrame = true;
    if (this.#recorder.active) {
      for (const r of this.#recorder.capture(samples ?? new Float32Array(count), nowMs)) this.#onRecording?.(r.id, r.samples, r.startMs);
    }
    this.#acc.push(samples, count, this.#onFrame);
  }

  /** Counters so far. */
  stats(): CaptureStats {
    return { ...this.#s };
  }

  /** Frees the encoder and cancels recordings (returns their ids); later pushes are ignored. */
  close(): number[] {
    if (this.#closed) return [];
    this.#closed = true;
    this.#encoder?.free();
    this.#encoder = null;
    return this.#recorder.cancelAll();
  }

  #frame(frame: Float32Array): void {
    this.#s.frames++;
    this.#meter.add(frame);
    let payload: Uint8Array | null = null;
    let inDtx = false;
    const hadInput = this.#inputInFrame;
    this.#inputInFrame = false;
    this.#framer.setTransmitting(this.#gate.update(hadInput ? frame : undefined, frame.length));
    if (hadInput && this.#framer.wantsAudio && this.#encoder) {
      const t0 = this.#clock?.() ?? 0;
      try {
        payload = this.#encoder.encodeFloat(frame);
        inDtx = this.#encoder.getInDtx();
        this.#s.encoded++;
        if (payload.byteLength <= DTX_MAX_BYTES) this.#s.dtxFrames++;
      } catch {
        this.#s.encodeErrors++;
      }
      if (this.#clock) this.#s.encodeMs += this.#clock() - t0;
    }
    const datagram = this.#framer.frame(payload, inDtx);
    if (datagram) {
      if (datagram.byteLength === 1) this.#s.keepalivesSent++;
      else this.#s.voiceSent++;
      this.#s.bytesSent += datagram.byteLength;
      this.#send(datagram);
    }
    if (++this.#framesSinceLevel >= this.#levelEvery) {
      this.#framesSinceLevel = 0;
      this.#reportLevel(levelFromRms(this.#meter.takeRms()), this.#framer.transmitting);
    }
  }
}
