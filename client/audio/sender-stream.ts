/**
 * One remote sender's receive path: jitter buffer + Opus decoder, producing
 * exactly one 20 ms frame per pull.
 *
 * This is where a jitter-buffer decision becomes samples: decode the packet,
 * rebuild a lost one from the next packet's in-band FEC, or run libopus PLC
 * for a short run and then fade to silence (PLC beyond ~100 ms turns into a
 * buzz). The decoder is injected so the playback worklet and Node tests run
 * the same code against the real libopus-wasm.
 */
import { JitterBuffer } from './jitter-buffer.ts';
import type { InsertOutcome, JitterBufferOptions, JitterBufferStats, JitterPacket } from './jitter-buffer.ts';
import { FRAME_SAMPLES } from './voice-format.ts';

/** Fade-in after forced silence, samples (2.5 ms). */
const FADE_IN_SAMPLES = 120;

/** The part of a libopus-wasm `OpusDecoderHandle` (mono, 48 kHz) this module uses. */
export interface FrameDecoder {
  decodeFloat(packet: Uint8Array | null, options?: { decodeFec?: boolean; frameSize?: number }): Float32Array;
  decodePacketLossFloat(frameSize?: number): Float32Array;
  free(): void;
}

/** Where a pulled frame came from. `waiting` = no decoder yet, output is zeros. */
export type FrameSource = 'packet' | 'fec' | 'conceal' | 'silence' | 'waiting';

/** Options for {@link SenderStream}. */
export interface SenderStreamOptions {
  /** Jitter-buffer tuning. */
  readonly jitter?: JitterBufferOptions;
  /** Full-level PLC frames before the fade-out frame; default 5. */
  readonly concealFrames?: number;
  /** Use in-band FEC for a lost packet when the next is in hand; default true (false is for comparisons). */
  readonly fec?: boolean;
  /** Clock in ms for decode timing statistics; default none (no timing). */
  readonly clock?: () => number;
}

/** Jitter-buffer stats plus decoder counters. */
export interface SenderStreamStats extends JitterBufferStats {
  /** Decoder calls that threw (treated as a lost frame). */
  readonly decodeErrors: number;
  /** Decoder calls made (packet, FEC and PLC). */
  readonly decodeCalls: number;
  /** Total time in the decoder, ms (0 without a clock). */
  readonly decodeMs: number;
}

/** Jitter buffer and decoder of one remote sender. */
export class SenderStream {
  readonly #jitter: JitterBuffer;
  readonly #concealFrames: number;
  readonly #fec: boolean;
  readonly #clock: (() => number) | undefined;
  #decoder: FrameDecoder | null;
  #concealRun = 0;
  /** Output was forced to zero (concealment ran out): ramp the next decoded frame in, so it cannot click. */
  #silenced = false;
  #decodeErrors = 0;
  #decodeCalls = 0;
  #decodeMs = 0;
  #closed = false;

  /** `decoder` may be null while it is being created; see {@link setDecoder}. */
  constructor(decoder: FrameDecoder | null, options: SenderStreamOptions = {}) {
    this.#decoder = decoder;
    this.#jitter = new JitterBuffer(options.jitter);
    this.#concealFrames = options.concealFrames ?? 5;
    this.#fec = options.fec ?? true;
    this.#clock = options.clock;
  }

  /** Attaches the decoder once it exists; frees it at once if the stream is already closed. */
  setDecoder(decoder: FrameDecoder): void {
    if (this.#closed) {
      decoder.free();
      return;
    }
    this.#decoder = decoder;
  }

  /** Arrival time of the newest packet (ms), `-Infinity` before any. */
  get lastArrivalMs(): number {
    return this.#jitter.lastArrivalMs;
  }

  /**
   * Whether pulls produce timed output: false while there is no decoder or
   * the jitter buffer waits to start. The mixer polls an idle stream every
   * render quantum, so playout starts within 2.7 ms of the target instead of
   * on the next 20 ms boundary.
   */
  get playing(): boolean {
    return this.#decoder !== null && !this.#closed && this.#jitter.started;
  }

  /** Queues a packet that arrived at `arrivalMs`. */
  insert(packet: JitterPacket, arrivalMs: number): InsertOutcome {
    return this.#jitter.insert(packet, arrivalMs);
  }

  /**
   * Writes the next 20 ms (960 samples) into `out` and says where they came
   * from. Until a decoder is attached the jitter buffer is not consulted, so
   * packets wait instead of being played into the void.
   */
  pull(nowMs: number, out: Float32Array): FrameSource {
    if (!this.#decoder || this.#closed) {
      out.fill(0, 0, FRAME_SAMPLES);
      return 'waiting';
    }
    const decision = this.#jitter.pull(nowMs);
    switch (decision.kind) {
      case 'packet':
        if (this.#decode(out, decision.payload, false)) {
          this.#resume(out);
          return 'packet';
        }
        return this.#conceal(out);
      case 'fec':
        if (this.#fec && this.#decode(out, decision.nextPayload, true)) {
          this.#resume(out);
          return 'fec';
        }
        return this.#conceal(out);
      case 'conceal':
        return this.#conceal(out);
      case 'silence':
        this.#concealRun = 0;
        out.fill(0, 0, FRAME_SAMPLES);
        return 'silence';
    }
  }

  /** Jitter-buffer and decoder counters. */
  stats(): SenderStreamStats {
    return { ...this.#jitter.stats(), decodeErrors: this.#decodeErrors, decodeCalls: this.#decodeCalls, decodeMs: this.#decodeMs };
  }

  /** Frees the decoder. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder?.free();
    this.#decoder = null;
  }

  /** A decoded frame follows: after forced silence, fade its first 2.5 ms in. */
  #resume(out: Float32Array): void {
    this.#concealRun = 0;
    if (!this.#silenced) return;
    this.#silenced = false;
    for (let i = 0; i < FADE_IN_SAMPLES; i++) out[i]! *= i / FADE_IN_SAMPLES;
  }

  #conceal(out: Float32Array): FrameSource {
    this.#concealRun++;
    if (this.#concealRun > this.#concealFrames + 1) {
      out.fill(0, 0, FRAME_SAMPLES);
      this.#silenced = true;
      return 'conceal';
    }
    if (!this.#decode(out, null, false)) {
      out.fill(0, 0, FRAME_SAMPLES);
      return 'conceal';
    }
    if (this.#concealRun === this.#concealFrames + 1) {
      // Last PLC frame: ramp to zero so the stop is not a click.
      for (let i = 0; i < FRAME_SAMPLES; i++) out[i]! *= 1 - i / FRAME_SAMPLES;
    }
    return 'conceal';
  }

  /** Decodes into `out`; `payload === null` means PLC. Returns false if the decoder threw. */
  #decode(out: Float32Array, payload: Uint8Array | null, fec: boolean): boolean {
    const decoder = this.#decoder!;
    const t0 = this.#clock?.() ?? 0;
    this.#decodeCalls++;
    let pcm: Float32Array;
    try {
      pcm = payload === null
        ? decoder.decodePacketLossFloat(FRAME_SAMPLES)
        : decoder.decodeFloat(payload, { decodeFec: fec, frameSize: FRAME_SAMPLES });
    } catch {
      this.#decodeErrors++;
      return false;
    } finally {
      if (this.#clock) this.#decodeMs += this.#clock() - t0;
    }
    const n = Math.min(FRAME_SAMPLES, pcm.length);
    out.set(n === pcm.length ? pcm : pcm.subarray(0, n), 0);
    if (n < FRAME_SAMPLES) out.fill(0, n, FRAME_SAMPLES);
    return true;
  }
}
