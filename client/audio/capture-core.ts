/**
 * The capture side minus the AudioWorklet glue: render quanta in, uplink
 * datagrams and input levels out.
 *
 * quanta → 20 ms frames → level meter (always) → Opus encode (only while the
 * gate is open or the End packet is owed) → UplinkFramer → datagram.
 *
 * The encoder is injected and may arrive late (libopus-wasm instantiates
 * asynchronously); until then frames are not sent but the `ts` clock runs.
 */
import { FrameAccumulator } from './frame-accumulator.ts';
import { LevelMeter, levelFromRms } from './level-meter.ts';
import { UplinkFramer } from './uplink-framer.ts';
import { DTX_MAX_BYTES } from './voice-format.ts';

/** The part of a libopus-wasm `OpusEncoderHandle` (mono, 48 kHz, 20 ms) this module uses. */
export interface FrameEncoder {
  encodeFloat(pcm: Float32Array): Uint8Array;
  getInDtx(): boolean;
  free(): void;
}

/** Options for {@link CaptureCore}. */
export interface CaptureCoreOptions {
  /** First datagram `seq` (u32). */
  readonly seq: number;
  /** First datagram `ts` (u32). */
  readonly ts: number;
  /** Initial gate state; default false. */
  readonly transmitting?: boolean;
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
    this.#framer.setTransmitting(options.transmitting ?? false);
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
  }

  /** Opens or closes the gate (closing sends one last packet flagged End). */
  setTransmitting(on: boolean): void {
    this.#framer.setTransmitting(on);
  }

  /**
   * Feeds one render quantum. `samples` undefined means nothing is connected
   * (no microphone): such frames are metered as silence but never encoded,
   * so a client without a microphone sends only keep-alives.
   */
  push(samples: Float32Array | undefined, count = samples?.length ?? 128): void {
    if (this.#closed) return;
    if (samples) this.#inputInFrame = true;
    this.#acc.push(samples, count, this.#onFrame);
  }

  /** Counters so far. */
  stats(): CaptureStats {
    return { ...this.#s };
  }

  /** Frees the encoder; later pushes are ignored. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#encoder?.free();
    this.#encoder = null;
  }

  #frame(frame: Float32Array): void {
    this.#s.frames++;
    this.#meter.add(frame);
    let payload: Uint8Array | null = null;
    let inDtx = false;
    const hadInput = this.#inputInFrame;
    this.#inputInFrame = false;
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
